"""API resources of intelligence: unmet need, surveys and the partnership report."""

from rest_framework.routers import DefaultRouter

from intelligence.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("unmet-needs", views.UnmetNeedViewSet, basename="unmet-need")
router.register("surveys", views.SurveyViewSet, basename="survey")
router.register(
    "partnership-reports", views.PartnershipReportViewSet, basename="partnership-report"
)

urlpatterns = router.urls
