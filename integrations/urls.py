"""The webhook pages, under /webhooks/."""

from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("webhooks/", views.endpoint_list, name="endpoints"),
    path("webhooks/add/", views.endpoint_add, name="endpoint-add"),
    path("webhooks/<uuid:public_id>/", views.endpoint_detail, name="endpoint"),
    path(
        "webhooks/<uuid:public_id>/remove/",
        views.endpoint_delete,
        name="endpoint-delete",
    ),
    path(
        "webhooks/<uuid:public_id>/deliveries/<uuid:delivery_id>/replay/",
        views.delivery_replay,
        name="delivery-replay",
    ),
]
