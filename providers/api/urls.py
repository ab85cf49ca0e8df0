"""API resources of the provider registry: organisations and services."""

from rest_framework.routers import DefaultRouter

from providers.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("services", views.ServiceViewSet, basename="service")
router.register("staff", views.StaffViewSet, basename="staff")

urlpatterns = router.urls
