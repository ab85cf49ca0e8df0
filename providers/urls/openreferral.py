"""URLs: the Open Referral feed (no trailing slashes, as HSDS names them)."""

from django.urls import path

from providers.views import openreferral

urlpatterns = [
    path("openreferral/", openreferral.root, name="openreferral"),
    path("openreferral/openapi.json", openreferral.openapi, name="openreferral-openapi"),
    path("openreferral/services", openreferral.service_list, name="openreferral-services"),
    path(
        "openreferral/services/<uuid:public_id>",
        openreferral.service_detail,
        name="openreferral-service",
    ),
    path(
        "openreferral/organizations",
        openreferral.organization_list,
        name="openreferral-organizations",
    ),
    path(
        "openreferral/organizations/<uuid:public_id>",
        openreferral.organization_detail,
        name="openreferral-organization",
    ),
    path(
        "openreferral/taxonomy_terms",
        openreferral.taxonomy_term_list,
        name="openreferral-taxonomy-terms",
    ),
]
