"""API resources of capacity: alerts, and the capacity figures of services and agreements."""

from rest_framework.routers import DefaultRouter

from capacity.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("capacity/services", views.ServiceCapacityViewSet, basename="capacity-service")
router.register(
    "capacity/agreements", views.AgreementCapacityViewSet, basename="capacity-agreement"
)

urlpatterns = router.urls
