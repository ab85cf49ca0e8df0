"""Pages of the provider registry, the service directory and the Open Referral feed."""

from providers.urls import commissioner, directory, openreferral, organisation, services, staff

app_name = "providers"
urlpatterns = [
    *directory.urlpatterns,
    *organisation.urlpatterns,
    *staff.urlpatterns,
    *services.urlpatterns,
    *commissioner.urlpatterns,
    *openreferral.urlpatterns,
]
