"""URLs: services."""

urlpatterns: list = []
