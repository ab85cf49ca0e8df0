"""The portal's URLs. Each app adds its pages under its own prefix and its API under /api/v1/."""

from django.contrib import admin
from django.urls import include, path

from partnership import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("", include("partnership.auth_urls")),
    path("", include("notifications.urls")),
    path("account/api-tokens/", views.api_token_list, name="api-tokens"),
    path("account/api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include("partnership.api.urls")),
    path("", include("providers.urls")),
    # Before referrals: its referral pages (equality monitoring) sit under /referrals/<id>/.
    path("", include("intelligence.urls")),
    path("", include("referrals.urls")),
    path("", include("commissioning.urls")),
    path("", include("capacity.urls")),
    path("", include("integrations.urls")),
    path("", include("support.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "partnership.views.error_400"
handler404 = "partnership.views.error_404"
handler403 = "partnership.views.error_403"
handler500 = "partnership.views.error_500"
