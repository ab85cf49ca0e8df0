"""URLs: organisation."""

urlpatterns: list = []
