"""URLs: a provider admin's services."""

from django.urls import path

from providers.views import services

urlpatterns = [
    path("organisation/services/", services.service_list, name="services"),
    path("organisation/services/add/", services.service_add, name="service-add"),
    path("organisation/services/<int:pk>/edit/", services.service_edit, name="service-edit"),
    path("organisation/services/<int:pk>/status/", services.service_status, name="service-status"),
]
