"""URLs: openreferral."""

urlpatterns: list = []
