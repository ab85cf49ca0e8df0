"""`/api/v1/`: the shared resources, each app's resources, and the OpenAPI schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from partnership.api import problems, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regions", views.RegionViewSet, basename="region")
router.register("pdus", views.PduViewSet, basename="pdu")
router.register("service-categories", views.ServiceCategoryViewSet, basename="service-category")

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        # The page loads its start-up script from `?script`, so no inline script is needed.
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema",
            template_name="api/swagger_ui.html",
            permission_classes=[],
            authentication_classes=[],
        ),
        name="docs",
    ),
    # What each problem's `type` means, a page each.
    path("problems/<slug:name>", problems.problem_page, name="problem"),
    path("", include(router.urls)),
    path("", include("notifications.api.urls")),
    path("", include("providers.api.urls")),
    path("", include("referrals.api.urls")),
    path("", include("commissioning.api.urls")),
    path("", include("capacity.api.urls")),
    path("", include("intelligence.api.urls")),
    path("", include("integrations.api.urls")),
]
