"""Referral pages. Referrals are named by their public UUID: no CRN or name in any URL."""

from django.urls import path

from referrals import prefill_views, views

app_name = "referrals"
urlpatterns = [
    path("services/<int:service_pk>/refer/", views.start, name="start"),
    path("referrals/", views.referral_list, name="list"),
    path("referrals/inbox/", views.inbox, name="inbox"),
    path("referrals/<uuid:public_id>/", views.detail, name="detail"),
    path("referrals/<uuid:public_id>/tasks/", views.task_list, name="task-list"),
    path(
        "referrals/<uuid:public_id>/tasks/case-record/",
        prefill_views.case_record,
        name="case-record",
    ),
    path(
        "referrals/<uuid:public_id>/tasks/case-record/by-hand/",
        prefill_views.by_hand,
        name="case-record-by-hand",
    ),
    path("referrals/<uuid:public_id>/tasks/documents/", views.document_list, name="documents"),
    path(
        "referrals/<uuid:public_id>/tasks/documents/<uuid:document_id>/remove/",
        views.document_remove,
        name="document-remove",
    ),
    path("referrals/<uuid:public_id>/tasks/<slug:section>/", views.section, name="section"),
    path("referrals/<uuid:public_id>/check/", views.check_answers, name="check-answers"),
    path("referrals/<uuid:public_id>/sent/", views.confirmation, name="confirmation"),
    path(
        "referrals/<uuid:public_id>/documents/<uuid:document_id>/",
        views.document_download,
        name="document",
    ),
    path("referrals/<uuid:public_id>/sessions/add/", views.session_add, name="session-add"),
    path(
        "referrals/<uuid:public_id>/sessions/<uuid:session_id>/change/",
        views.session_change,
        name="session-change",
    ),
    path("referrals/<uuid:public_id>/concerns/add/", views.concern_add, name="concern-add"),
    path(
        "referrals/<uuid:public_id>/concerns/<uuid:concern_id>/acknowledge/",
        views.concern_acknowledge,
        name="concern-acknowledge",
    ),
    path("referrals/<uuid:public_id>/end-of-service-report/", views.report_send, name="report"),
    path("referrals/<uuid:public_id>/delete/", views.draft_delete, name="draft-delete"),
    # A decision's page: accept, return, decline, withdraw or assign.
    path("referrals/<uuid:public_id>/<slug:action>/", views.act, name="act"),
]
