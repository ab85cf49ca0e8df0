"""API resources of integrations."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from integrations.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("webhooks", views.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("events/", views.ChangeFeedView.as_view(), name="events"),
    *router.urls,
]
