"""Who may do what in the provider registry (django-rules predicates)."""

import rules

from partnership.models import Role


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
