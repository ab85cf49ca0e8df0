"""Reads shared by every app: users, their tokens, and the reference lists."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from partnership.models import ApiToken, Pdu, Region, ServiceCategory, User


def api_token_digest(raw_token: str) -> str:
    """The stored form of a token: its SHA-256 hex digest (tokens are long and random)."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


# Every API request starts with this lookup, so its statement is written once from the
# models' columns rather than compiled from a queryset each time. (Preparing it as well
# saved nothing measurable: see the README's Benchmark.)
_TOKEN_FIELDS = ApiToken._meta.concrete_fields
_USER_FIELDS = User._meta.concrete_fields
_TOKEN_ATTNAMES = [field.attname for field in _TOKEN_FIELDS]
_USER_ATTNAMES = [field.attname for field in _USER_FIELDS]
_TOKEN_COLUMNS = ", ".join(
    [
        *(f"t.{field.column}" for field in _TOKEN_FIELDS),
        *(f"u.{field.column}" for field in _USER_FIELDS),
    ]
)
_TOKEN_SQL = (
    f"SELECT {_TOKEN_COLUMNS} FROM partnership_apitoken t"  # noqa: S608 - the models' column names
    " JOIN partnership_user u ON u.id = t.user_id WHERE t.digest = %s"
)


def api_token_for_raw(*, raw_token: str) -> ApiToken | None:
    """The usable token matching a presented secret, with its user, or None if unknown,
    expired or revoked."""
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [api_token_digest(raw_token)])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_TOKEN_FIELDS)
    token = ApiToken.from_db(connection.alias, _TOKEN_ATTNAMES, row[:split])
    token.user = User.from_db(connection.alias, _USER_ATTNAMES, row[split:])
    if not token.is_usable(timezone.now()):
        return None
    return token


def user_with_context(*, user_id: int) -> User:
    """A user with their PDU, organisation and commissioning body loaded."""
    return User.objects.select_related("pdu__region", "organisation", "commissioning_body").get(
        pk=user_id
    )


def api_token_list_for(*, user: User) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first."""
    return ApiToken.objects.filter(user=user)


def region_list() -> QuerySet[Region]:
    """All probation regions; reference data is public to every signed-in user."""
    return Region.objects.all()


def pdu_list() -> QuerySet[Pdu]:
    """All PDUs with their region."""
    return Pdu.objects.select_related("region")


def service_category_list() -> QuerySet[ServiceCategory]:
    """All service categories with their complexity levels and desired outcomes."""
    return ServiceCategory.objects.prefetch_related("complexity_levels", "desired_outcomes")
