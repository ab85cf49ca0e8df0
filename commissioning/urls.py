"""Commissioning pages: rounds, applications, assessment, agreements and market health."""

from django.urls import path

from commissioning.views import (
    agreements,
    applications,
    assessment,
    market,
    rounds,
)

app_name = "commissioning"
urlpatterns = [
    path("funding-rounds/", rounds.round_list, name="rounds"),
    path("funding-rounds/new/", rounds.round_create, name="round-create"),
    path("funding-rounds/<uuid:public_id>/", rounds.round_detail, name="round"),
    path("funding-rounds/<uuid:public_id>/edit/", rounds.round_edit, name="round-edit"),
    path(
        "funding-rounds/<uuid:public_id>/steps/<slug:step>/", rounds.round_step, name="round-step"
    ),
    path("funding-rounds/<uuid:public_id>/lots/new/", rounds.lot_add, name="lot-add"),
    path(
        "funding-rounds/<uuid:public_id>/lots/<int:lot_pk>/edit/", rounds.lot_edit, name="lot-edit"
    ),
    path(
        "funding-rounds/<uuid:public_id>/lots/<int:lot_pk>/remove/",
        rounds.lot_remove,
        name="lot-remove",
    ),
    path(
        "funding-rounds/<uuid:public_id>/criteria/<int:pk>/edit/",
        rounds.criterion_edit,
        name="criterion-edit",
    ),
    path(
        "funding-rounds/<uuid:public_id>/criteria/<int:pk>/remove/",
        rounds.criterion_remove,
        name="criterion-remove",
    ),
    path(
        "funding-rounds/<uuid:public_id>/criteria/new/",
        rounds.criterion_add,
        name="criterion-add",
    ),
    path("funding-rounds/<uuid:public_id>/comment/", rounds.comment_add, name="comment-add"),
    path("funding-rounds/<uuid:public_id>/moderation/", assessment.moderation, name="moderation"),
    path(
        "funding-rounds/lots/<int:lot_pk>/assessors/",
        assessment.lot_assessors,
        name="lot-assessors",
    ),
    path("funding/", rounds.round_list, name="opportunities"),
    path("funding/lots/<int:lot_pk>/apply/", applications.lot_apply, name="lot-apply"),
    path(
        "funding/applications/<uuid:public_id>/",
        applications.application_detail,
        name="application",
    ),
    path(
        "funding/applications/<uuid:public_id>/check/",
        applications.application_check,
        name="application-check",
    ),
    path(
        "funding/applications/<uuid:public_id>/withdraw/",
        applications.application_withdraw,
        name="application-withdraw",
    ),
    path(
        "funding/applications/<uuid:public_id>/assessors/new/",
        assessment.assessor_assign,
        name="assessor-assign",
    ),
    path(
        "funding/applications/<uuid:public_id>/decision/",
        assessment.application_decide,
        name="application-decide",
    ),
    path(
        "funding/applications/<uuid:public_id>/agreement/",
        agreements.agreement_create,
        name="agreement-create",
    ),
    path("assessments/", assessment.assignment_list, name="assessments"),
    path("assessments/<int:pk>/", assessment.assignment_detail, name="assessment"),
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements/<uuid:public_id>/", agreements.agreement_detail, name="agreement"),
    path(
        "agreements/<uuid:public_id>/status/", agreements.agreement_status, name="agreement-status"
    ),
    path("market-health/", market.market_overview, name="market-health"),
]
