"""URLs: staff."""

urlpatterns: list = []
