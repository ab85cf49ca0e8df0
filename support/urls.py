from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("support/", views.index, name="index"),
    path("support/users/", views.users, name="users"),
    path("support/users/invite/", views.invite, name="invite"),
    path("support/users/<int:pk>/", views.user, name="user"),
    path("support/users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("support/users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path(
        "support/users/<int:pk>/two-factor/reset/",
        views.user_reset_two_factor,
        name="user-reset-two-factor",
    ),
    path("support/users/<int:pk>/lockout/lift/", views.user_lift_lockout, name="user-lift-lockout"),
    path("support/users/<int:pk>/sessions/end/", views.user_end_sessions, name="user-end-sessions"),
    path("support/access-log/", views.access_log, name="access-log"),
    path("support/access-log/download/", views.access_log_export, name="access-log-export"),
    path("support/organisations/", views.organisations, name="organisations"),
    path(
        "support/organisations/<int:pk>/verify/",
        views.organisation_verify,
        name="organisation-verify",
    ),
]
