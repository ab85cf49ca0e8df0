"""API resources of commissioning."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from commissioning.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("funding-rounds", views.FundingRoundViewSet, basename="funding-round")
router.register("lots", views.LotViewSet, basename="lot")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("agreements", views.AgreementViewSet, basename="agreement")

urlpatterns = [
    path("exports/360giving/", views.GivingExportView.as_view(), name="export-360giving"),
    path("exports/ocds/", views.OcdsExportView.as_view(), name="export-ocds"),
    path("exports/ocds/records/", views.OcdsRecordsView.as_view(), name="export-ocds-records"),
    path(
        "exports/ocds/records/<uuid:round_id>/",
        views.OcdsRecordView.as_view(),
        name="export-ocds-record",
    ),
    path("exports/360giving.csv", views.GivingCsvExportView.as_view(), name="export-360giving-csv"),
    path("exports/ocds.csv", views.OcdsCsvExportView.as_view(), name="export-ocds-csv"),
    path("market-health/", views.MarketHealthView.as_view(), name="market-health"),
    *router.urls,
]
