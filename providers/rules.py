"""Who may do what in the provider registry (django-rules predicates)."""

from datetime import date

import rules
from django.db.models import Q
from django.utils import timezone

from partnership.models import Role, User
from providers.models import TrainingRecord


@rules.predicate
def is_provider_admin(user) -> bool:
    return getattr(user, "role", None) == Role.PROVIDER_ADMIN


@rules.predicate
def is_provider_staff(user) -> bool:
    return getattr(user, "role", None) in (Role.PROVIDER_ADMIN, Role.CASEWORKER)


@rules.predicate
def is_commissioner(user) -> bool:
    return getattr(user, "role", None) == Role.COMMISSIONER


@rules.predicate
def is_admin_of(user, organisation) -> bool:
    return (
        is_provider_admin(user)
        and organisation is not None
        and user.organisation_id == organisation.pk
    )


rules.add_perm("providers.change_organisation", is_admin_of)
rules.add_perm("providers.manage_staff", is_admin_of)
rules.add_perm("providers.manage_services", is_admin_of)
rules.add_perm("providers.sign_agreement", is_admin_of)
rules.add_perm("providers.view_market", is_commissioner)
rules.add_perm("providers.verify_organisation", is_commissioner)


# Risk training: what reading a referral's risk information needs (with the organisation's
# signed information-sharing agreement). The rule is written here once.


def current_risk_training_q(prefix: str = "", on: date | None = None) -> Q:
    """A filter for users holding risk-awareness training that is current on a date (today
    by default): completed by then and not yet expired. `prefix` reaches the users through a
    relation ("staff__" from an organisation)."""
    on = on or timezone.localdate()
    p = f"{prefix}training_records__"
    return Q(**{f"{p}kind": TrainingRecord.Kind.RISK_AWARENESS, f"{p}completed_on__lte": on}) & (
        Q(**{f"{p}expires_on__isnull": True}) | Q(**{f"{p}expires_on__gte": on})
    )


@rules.predicate
def has_current_risk_training(user, *, on: date | None = None) -> bool:
    """Whether the user holds risk-awareness training current today (or `on` a date)."""
    if not getattr(user, "pk", None):
        return False
    return User.objects.filter(current_risk_training_q(on=on), pk=user.pk).exists()
