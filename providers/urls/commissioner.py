"""URLs: the commissioner's view of organisations."""

from django.urls import path

from providers.views import commissioner

urlpatterns = [
    path("organisations/", commissioner.organisation_list, name="organisations"),
    path("organisations/export.csv", commissioner.organisation_csv, name="organisations-csv"),
    path(
        "organisations/<int:pk>/verify/",
        commissioner.organisation_verify,
        name="organisation-verify",
    ),
]
