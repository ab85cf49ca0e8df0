"""URLs: the Open Referral feed (no trailing slashes, as HSDS names them). Ids are taken as
text so that one that is not a UUID is the feed's own JSON 404, as is any other address."""

from django.urls import path, re_path

from providers.views import openreferral

urlpatterns = [
    path("openreferral/", openreferral.root, name="openreferral"),
    path("openreferral/openapi.json", openreferral.openapi, name="openreferral-openapi"),
    path("openreferral/services", openreferral.service_list, name="openreferral-services"),
    path(
        "openreferral/services/<str:public_id>",
        openreferral.service_detail,
        name="openreferral-service",
    ),
    path(
        "openreferral/organizations",
        openreferral.organization_list,
        name="openreferral-organizations",
    ),
    path(
        "openreferral/organizations/<str:public_id>",
        openreferral.organization_detail,
        name="openreferral-organization",
    ),
    path("openreferral/taxonomies", openreferral.taxonomy_list, name="openreferral-taxonomies"),
    path(
        "openreferral/taxonomies/<str:public_id>",
        openreferral.taxonomy_detail,
        name="openreferral-taxonomy",
    ),
    path(
        "openreferral/taxonomy_terms",
        openreferral.taxonomy_term_list,
        name="openreferral-taxonomy-terms",
    ),
    path(
        "openreferral/taxonomy_terms/<str:public_id>",
        openreferral.taxonomy_term_detail,
        name="openreferral-taxonomy-term",
    ),
    re_path(r"^openreferral/(?P<rest>.*)$", openreferral.not_found, name="openreferral-not-found"),
]
