"""API resources of notifications: the signed-in user's own."""

from rest_framework.routers import DefaultRouter

from notifications.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
