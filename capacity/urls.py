"""Capacity pages: the demand view and the alert centre."""

from django.urls import path

from capacity.views import alerts, demand

app_name = "capacity"
urlpatterns = [
    path("demand/", demand.demand, name="demand"),
    path("demand.csv", demand.demand_csv, name="demand-csv"),
    path("demand/<slug:slug>/", demand.demand_category, name="demand-category"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/<uuid:public_id>/", alerts.alert_detail, name="alert"),
    path(
        "alerts/<uuid:public_id>/acknowledge/",
        alerts.alert_acknowledge,
        name="alert-acknowledge",
    ),
]
