"""Funding round pages."""

from django.urls import path

from commissioning import views

app_name = "commissioning"
urlpatterns = [
    path("funding-rounds/", views.round_list, name="rounds"),
    path("funding/", views.round_list, name="opportunities"),
    path("funding-rounds/<uuid:public_id>/", views.round_detail, name="round"),
]
