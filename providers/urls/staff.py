"""URLs: a provider's staff and their training."""

from django.urls import path

from providers.views import staff

urlpatterns = [
    path("organisation/staff/", staff.staff_list, name="staff"),
    path("organisation/staff/invite/", staff.staff_invite, name="staff-invite"),
    path("organisation/staff/<int:pk>/", staff.staff_member, name="staff-member"),
    path("organisation/staff/<int:pk>/active/", staff.staff_set_active, name="staff-set-active"),
    path("organisation/staff/<int:pk>/training/add/", staff.training_add, name="training-add"),
    path(
        "organisation/staff/<int:pk>/training/<int:record_pk>/delete/",
        staff.training_delete,
        name="training-delete",
    ),
    path(
        "invitations/<uidb64>/<token>/",
        staff.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
]
