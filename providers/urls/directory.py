"""URLs: directory."""

urlpatterns: list = []
