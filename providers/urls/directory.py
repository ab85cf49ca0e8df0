"""URLs: the service directory."""

from django.urls import path

from providers.views import directory

urlpatterns = [
    path("services/", directory.directory, name="directory"),
    path("services/<int:pk>/", directory.service_detail, name="service"),
]
