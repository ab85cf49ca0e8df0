"""API resources of the provider registry: organisations and services."""

urlpatterns: list = []
