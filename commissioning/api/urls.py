"""API resources of commissioning."""

from django.urls import path

from commissioning.api import views

urlpatterns = [
    path("exports/360giving/", views.GivingExportView.as_view(), name="export-360giving"),
    path("exports/ocds/", views.OcdsExportView.as_view(), name="export-ocds"),
]
