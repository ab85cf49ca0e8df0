"""Intelligence pages. A referral is named by its public UUID; nothing about the person is
in any URL."""

from django.urls import path

from intelligence import report_views, views

app_name = "intelligence"
urlpatterns = [
    path("unmet-need/", views.unmet_need_overview, name="unmet-need"),
    path("unmet-need/new/", views.unmet_need_new, name="unmet-need-new"),
    path("unmet-need/recorded/", views.unmet_need_recorded, name="unmet-need-recorded"),
    path("equality/", views.equality_overview, name="equality"),
    path(
        "referrals/<uuid:public_id>/equality-monitoring/",
        views.equality_record,
        name="equality-record",
    ),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/new/", report_views.report_new, name="report-new"),
    path("reports/<uuid:public_id>/", report_views.report_detail, name="report"),
    path("reports/<uuid:public_id>/pdf/", report_views.report_pdf, name="report-pdf"),
    path(
        "open-data/partnership/<str:code>/<int:year>-Q<int:quarter>.csv",
        report_views.report_open_csv,
        name="report-open-csv",
    ),
]
urlpatterns += [
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/new/", views.survey_new, name="survey-new"),
    path("surveys/for-you/", views.surveys_for_you, name="surveys-for-you"),
    path("surveys/<uuid:public_id>/", views.survey_results, name="survey-results"),
    path("surveys/<uuid:public_id>/close/", views.survey_close, name="survey-close"),
    path("surveys/<uuid:public_id>/answer/", views.survey_answer, name="survey-answer"),
    path("surveys/<uuid:public_id>/answered/", views.survey_answered, name="survey-answered"),
]
