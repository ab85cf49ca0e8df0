"""The Django admin as service support uses it: it filters only by what each admin
declares, logs reads of referral data, and never shows a secret (a link to set a
password, a two-factor key, recovery codes, an API token)."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import models
from django.test import RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from notifications.models import Notification
from notifications.services import (
    TransientEmailError,
    notification_email_deliver,
    notification_send,
    password_reset_notify,
)
from notifications.tests.factories import NotificationFactory, emailed_link
from partnership import auth
from partnership.admin import DeclaredFiltersChangeList, SupportAdmin
from partnership.models import Role, User
from partnership.tests.factories import PASSWORD, UserFactory, issue_token
from providers.services import staff_invite
from referrals import services as referral_services
from referrals.admin import RiskInformationHistoryAdmin
from referrals.models import AccessLog, ReferralHistory, RiskInformationHistory, Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db

ADMIN = "/django-admin"
RISK_HISTORY = f"{ADMIN}/referrals/riskinformationhistory/"
HISTORY = f"{ADMIN}/referrals/referralhistory/"
NEW_PASSWORD = "plum-harbour-kettle-41"
# A portal path that carries a one-time token: `/<uidb64>/<timestamp>-<digest>/`.
TOKEN_PATH = re.compile(r"/(reset-password|invitations)/[\w-]+/[0-9a-z]+-[0-9a-f]{20,}")


@pytest.fixture
def support(client):
    user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def admin_url(model, view="changelist", *args) -> str:
    from django.urls import reverse

    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def refused(response) -> bool:
    """Django's admin refuses a lookup with a 400, or with a redirect to `?e=1`."""
    if response.status_code == 400:
        return True
    return response.status_code == 302 and "e=1" in response["Location"]


def declared_parameters(model_admin) -> set[str]:
    """The query-string parameters the admin's own filters and date hierarchy take."""
    request = RequestFactory().get("/")
    declared = set()
    if model_admin.date_hierarchy:
        declared |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
            declared.add(item.parameter_name)
            continue
        path, filter_class = item if isinstance(item, (list, tuple)) else (item, None)
        field = get_fields_from_path(model_admin.model, path)[-1]
        create = filter_class or admin.FieldListFilter.create
        spec = create(field, request, {}, model_admin.model, model_admin, field_path=path)
        declared |= set(spec.expected_parameters())
    return declared


def undeclared_lookups(model_admin) -> list[str]:
    """Lookups of every field of the admin's model, and of the fields of related rows,
    that none of its declared filters takes."""
    lookups = []
    for field in model_admin.model._meta.concrete_fields:
        lookups += [f"{field.name}__startswith", field.name]
        if isinstance(field, models.DateField):
            lookups.append(f"{field.name}__year")
        if field.is_relation:
            for related in field.related_model._meta.concrete_fields:
                if isinstance(related, (models.CharField, models.TextField, models.DateField)):
                    lookups.append(f"{field.name}__{related.name}__startswith")
    declared = declared_parameters(model_admin)
    return [lookup for lookup in lookups if lookup not in declared]


# Filters: only what each admin declares ---------------------------------------------------


def test_admin_lookup_every_registered_admin_is_built_on_the_support_base():
    request = RequestFactory().get("/")
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SupportAdmin), model._meta.label
        assert issubclass(model_admin.get_changelist(request), DeclaredFiltersChangeList)


def test_admin_lookup_hidden_risk_and_identity_values_cannot_be_counted_out(client, support):
    referral = referral_in(Status.SENT)
    referral_services.risk_update(
        referral=referral,
        by=referral.practitioner,
        data={"summary": "Violence towards staff in 2024."},
        amendment_reason="New information",
    )
    for url, query in [
        (RISK_HISTORY, {"summary__startswith": "Violence"}),
        (RISK_HISTORY, {"summary": "Violence towards staff in 2024."}),
        (RISK_HISTORY, {"referral__first_name__startswith": "J"}),
        (RISK_HISTORY, {"referral__date_of_birth__year": "1990"}),
        (HISTORY, {"first_name": "Jordan"}),
        (HISTORY, {"first_name__startswith": "J"}),
        (HISTORY, {"date_of_birth__year": "1990"}),
        (HISTORY, {"pgh_obj__crn": referral.crn}),
        (HISTORY, {"object": referral.pk, "address__icontains": "Example"}),
    ]:
        response = client.get(url, query)
        assert refused(response), (url, query, response.status_code)
        assert referral.reference not in response.content.decode()


def test_admin_lookup_undeclared_lookups_are_refused_on_every_admin(client, support):
    for model, model_admin in admin.site._registry.items():
        url = admin_url(model)
        for lookup in undeclared_lookups(model_admin):
            value = "1990" if lookup.endswith("__year") else "x"
            response = client.get(f"{url}?{urlencode({lookup: value})}")
            assert refused(response), (model._meta.label, lookup, response.status_code)


def test_admin_lookup_declared_filters_search_and_date_hierarchy_still_work(client, support):
    referral = referral_in(Status.SENT)
    referral_services.risk_read(
        referral=referral, by=referral.practitioner, channel="page", why="t"
    )
    access_log = admin_url(AccessLog)
    year = timezone.now().year
    for url, query in [
        (access_log, {"at__year": year, "outcome__exact": "granted", "channel": "page"}),
        (access_log, {"q": referral.crn}),
        (RISK_HISTORY, {"object": referral.risk.pk, "change": "update"}),
        (HISTORY, {"pgh_created_at__gte": "2000-01-01 00:00:00+00:00", "q": referral.reference}),
        (admin_url(User), {"role__exact": Role.PRACTITIONER, "is_active__exact": "1"}),
    ]:
        response = client.get(url, query)
        assert response.status_code == 200, (url, query)
    page = client.get(access_log, {"q": referral.crn}).content.decode()
    assert referral.crn in page
    # A date-hierarchy year with a bound of its own from the URL is not the declared filter.
    assert refused(client.get(access_log, {"at__year": year, "at__gte": "2000-01-01"}))


def test_admin_lookup_an_id_filter_given_no_ascii_number_is_ignored_not_a_500(client, support):
    for value in ("²", "٣", "12a", "9" * 30):
        for name in ("object", "changed_by"):
            response = client.get(HISTORY, {name: value})
            assert response.status_code == 200, (name, value)


def test_admin_lookup_search_never_reaches_a_hidden_value(client, support):
    for model, model_admin in admin.site._registry.items():
        assert model_admin._hidden_field_checks() == [], model._meta.label
        searched = {name.lstrip("=^@").split("__")[0] for name in model_admin.search_fields}
        assert not searched & model_admin.hidden_fields, model._meta.label

    class SearchingSummaries(RiskInformationHistoryAdmin):
        search_fields = ["summary"]

    (error,) = SearchingSummaries(RiskInformationHistory, admin.site)._hidden_field_checks()
    assert error.id == "partnership.E001"

    referral = referral_in(Status.SENT)
    page = client.get(RISK_HISTORY, {"q": "violence"}).content.decode()
    assert referral.reference not in page  # the summary says "violence"; search never reads it
    assert (
        referral.reference in client.get(RISK_HISTORY, {"q": referral.reference}).content.decode()
    )


# Reads of referral data are logged ----------------------------------------------------------


def test_admin_lookup_every_admin_read_of_referral_data_is_logged(client, support):
    referral = referral_in(Status.SENT)
    other = referral_in(Status.SENT)
    NotificationFactory(recipient=support, link=f"/referrals/{referral.public_id}/")
    referral_services.risk_read(
        referral=referral, by=referral.practitioner, channel="page", why="t"
    )
    risk_event = RiskInformationHistory.objects.filter(referral=referral).latest("pgh_id")
    event = ReferralHistory.objects.filter(pgh_obj=referral).latest("pgh_id")
    notification = Notification.objects.get(recipient=support)
    access_row = AccessLog.objects.filter(referral=referral).latest("pk")

    def logged(url) -> set[int]:
        before = AccessLog.objects.filter(user=support).values_list("pk", flat=True)
        before = set(before)
        assert client.get(url).status_code == 200, url
        new = AccessLog.objects.filter(user=support).exclude(pk__in=before)
        assert {row.channel for row in new} == {"admin"}
        assert all(row.what.startswith("admin_") and row.why for row in new)
        assert {row.outcome for row in new} == {AccessLog.Outcome.GRANTED}
        return set(new.values_list("referral_id", flat=True))

    assert logged(f"{RISK_HISTORY}?object={referral.risk.pk}") == {referral.pk}
    assert logged(admin_url(RiskInformationHistory, "change", risk_event.pgh_id)) == {referral.pk}
    assert logged(HISTORY) == {referral.pk, other.pk}
    assert logged(admin_url(ReferralHistory, "change", event.pgh_id)) == {referral.pk}
    assert logged(admin_url(ReferralHistory, "history", event.pgh_id)) == {referral.pk}
    assert logged(f"{admin_url(AccessLog)}?q={referral.crn}") == {referral.pk}
    assert logged(admin_url(AccessLog, "change", access_row.pk)) == {referral.pk}
    assert logged(admin_url(Notification)) == {referral.pk}
    assert logged(admin_url(Notification, "change", notification.pk)) == {referral.pk}
    row = AccessLog.objects.filter(user=support, referral=referral).latest("pk")
    assert (row.crn, row.user_email) == (referral.crn, support.email)
    assert row.what == "admin_detail:notifications.notification"
    # A refused lookup shows nothing, so logs nothing.
    count = AccessLog.objects.count()
    assert refused(client.get(RISK_HISTORY, {"summary__startswith": "P"}))
    assert AccessLog.objects.count() == count


# Secrets ----------------------------------------------------------------------------------


@pytest.fixture
def invited_and_reset(support):
    """A member of staff invited and a user who asked for a password reset, both emails
    sent; and a notification written before links were minted at sending, with its link."""
    provider_admin = UserFactory(role=Role.PROVIDER_ADMIN)
    invited = staff_invite(
        organisation=provider_admin.organisation,
        by=provider_admin,
        email="ray.patel@example.org",
        full_name="Ray Patel",
        role=Role.CASEWORKER,
    )
    resetting = UserFactory(email="ann.lee@example.org")
    assert password_reset_notify(user=resetting)
    links = {
        "invitation": emailed_link(invited, "staff_invited"),
        "reset": emailed_link(resetting, "password_reset"),
    }
    legacy = NotificationFactory(recipient=resetting, kind="password_reset")
    legacy_link = f"/sign-in/reset-password/Mg/{default_token_generator.make_token(resetting)}/"
    Notification.objects.filter(pk=legacy.pk).update(link=legacy_link)
    links["legacy"] = legacy_link
    return invited, resetting, links


def admin_pages_of_every_row(client) -> dict[str, str]:
    """Every admin change list, and the change page of every row of every admin."""
    pages = {}
    for model in admin.site._registry:
        url = admin_url(model)
        pages[url] = client.get(url).content.decode()
        for pk in model._default_manager.values_list("pk", flat=True)[:50]:
            url = admin_url(model, "change", pk)
            pages[url] = client.get(url, follow=True).content.decode()
    return pages


def test_admin_secret_no_admin_page_shows_a_link_to_set_a_password(
    client, support, invited_and_reset
):
    _, _, links = invited_and_reset
    tokens = [link.rstrip("/").rsplit("/", 1)[-1] for link in links.values()]
    assert Notification.objects.filter(kind__in=["staff_invited", "password_reset"]).count() == 3

    pages = admin_pages_of_every_row(client)

    assert any("Reset your password" in page for page in pages.values())
    assert any("a one-time link, sent by email only" in page for page in pages.values())
    for url, page in pages.items():
        assert not TOKEN_PATH.search(page), url
        for token in tokens:
            assert token not in page, url
    stored = Notification.objects.filter(kind__in=["staff_invited", "password_reset"])
    assert list(stored.exclude(link="").values_list("link", flat=True)) == [links["legacy"]]


def test_admin_secret_the_emailed_links_set_the_password(client, invited_and_reset):
    invited, resetting, links = invited_and_reset
    client.logout()
    for user, link in [(invited, links["invitation"]), (resetting, links["reset"])]:
        page = client.get(link, follow=True)
        form_url = page.redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response.status_code == 302, link
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)


def test_admin_secret_a_retried_email_still_carries_a_working_link(client, monkeypatch):
    user = UserFactory(email="ann.lee@example.org")
    assert password_reset_notify(user=user)
    notification = Notification.objects.get(recipient=user, kind="password_reset")
    assert notification.link == ""

    def down(self, messages):
        raise OSError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", down)
        with pytest.raises(TransientEmailError):
            notification_email_deliver(notification_id=notification.pk)
    assert not mail.outbox

    link = emailed_link(user, "password_reset")  # the retry
    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_admin_secret_a_lapsed_or_deactivated_link_is_not_sent():
    user = UserFactory(email="ann.lee@example.org")
    with time_machine.travel(timezone.now() - timedelta(days=4)):
        assert password_reset_notify(user=user)
    lapsed = Notification.objects.get(recipient=user)
    inactive = UserFactory(email="gone@example.org")
    assert password_reset_notify(user=inactive)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    deactivated = Notification.objects.get(recipient=inactive)

    for notification in (lapsed, deactivated):
        assert not notification_email_deliver(notification_id=notification.pk)
        notification.refresh_from_db()
        assert notification.email_status == Notification.EmailStatus.FAILED
    assert not mail.outbox
    assert user.check_password(PASSWORD)


def test_admin_secret_a_link_with_a_token_is_never_stored():
    user = UserFactory()
    token = default_token_generator.make_token(user)
    for link in (f"/sign-in/reset-password/MQ/{token}/", f"/invitations/MQ/{token}/"):
        with pytest.raises(ValueError, match="one-time token"):
            notification_send(recipients=[user], kind="anything", title="Hello", link=link)
    assert not Notification.objects.exists()


def test_admin_secret_stored_links_are_cleared_by_the_migration():
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = import_module("partnership.migrations.0007_notification_secrets")
    # The models as they were at that migration (Notification was then partnership's).
    state = MigrationLoader(connection).project_state(("partnership", "0007_notification_secrets"))
    user = UserFactory()
    stored = NotificationFactory(recipient=user, kind="staff_invited", link="/invitations/MQ/x-1/")
    kept = NotificationFactory(recipient=user, kind="concern", link="/referrals/x/")

    migration.clear_stored_secret_links(state.apps, None)

    stored.refresh_from_db()
    kept.refresh_from_db()
    assert (stored.link, kept.link) == ("", "/referrals/x/")


def test_admin_secret_two_factor_and_api_token_secrets_are_not_in_the_admin(client, support):
    user = UserFactory(email="casey@example.org")
    totp = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = ["k7q2m9x4", "p3z8w1r6"]
    for code in codes:
        StaticToken.objects.create(device=static, token=code)
    token, raw = issue_token(user)
    secrets = [totp.key, auth.totp_secret_for_display(totp), *codes, raw, token.digest]

    pages = admin_pages_of_every_row(client)

    assert any("Authenticator app" in page for page in pages.values())
    for url, page in pages.items():
        for secret in secrets:
            assert secret not in page, url
    for url in (
        f"{admin_url(TOTPDevice)}{totp.pk}/config/",
        f"{admin_url(TOTPDevice)}{totp.pk}/qrcode/",
        admin_url(TOTPDevice, "add"),
        admin_url(StaticDevice, "add"),
    ):
        assert client.get(url).status_code in (302, 403, 404), url
    # Removing a lost device stays possible.
    response = client.post(admin_url(TOTPDevice, "delete", totp.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=totp.pk).exists()
