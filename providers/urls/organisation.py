"""URLs: the organisation profile and the information-sharing agreement."""

from django.urls import path

from providers.views import organisation

urlpatterns = [
    path("organisation/", organisation.organisation_own, name="organisation"),
    path("organisation/edit/", organisation.organisation_edit, name="organisation-edit"),
    path("organisation/agreement/", organisation.agreement, name="agreement"),
    path("organisations/<int:pk>/", organisation.organisation_detail, name="organisation-detail"),
]
