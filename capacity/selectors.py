"""Reads of capacity, each scoped to the user asking: alerts, and whose figures they see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from capacity.models import Alert
from capacity.rules import (
    has_alert_centre,
    is_organisation_admin,
    is_regional_commissioner,
    sees_demand,
    sees_every_figure,
)
from commissioning.models import Agreement
from commissioning.selectors import agreement_list_visible_to
from partnership import lists
from partnership.models import Region, User
from providers.models import Service


def alert_list_visible_to(*, user: User) -> QuerySet[Alert]:
    """Commissioners: alerts in their body's regions. Provider admins: their organisation's.
    Nobody else has an alert centre (practitioners see capacity in the directory instead)."""
    # What the lists show of each alert's subject comes in a query per relation for the
    # page's alerts: joined instead, the planner joins every alert in the country to its
    # subject before narrowing to the user's regions.
    alerts = Alert.objects.prefetch_related(
        "service", "agreement__lot", "agreement__organisation", "organisation"
    )
    if is_regional_commissioner(user):
        return alerts.filter(
            pk__in=Alert.regions.through.objects.filter(
                region__in=user.commissioning_body.regions.all()
            ).values("alert_id")
        )
    if is_organisation_admin(user):
        return alerts.filter(organisation_id=user.organisation_id)
    return alerts.none()


def alert_open_count(*, user: User) -> int:
    """How many of the alerts a user sees nobody has acknowledged yet, counted to a limit
    (`partnership.lists`)."""
    return lists.capped_count(alert_list_visible_to(user=user).filter(status=Alert.Status.OPEN))


def capacity_services_visible_to(*, user: User) -> QuerySet[Service]:
    """Services whose capacity figures a user may see: commissioners, those covering a PDU
    in their body's regions; provider admins, their own organisation's; service support, all.
    Practitioners see only the directory's indicator, not the figures."""
    if is_regional_commissioner(user):
        covering = Service.pdus.through.objects.filter(
            service_id=OuterRef("pk"),
            pdu__region__commissioning_bodies=user.commissioning_body_id,
        )
        return Service.objects.filter(Exists(covering))
    if is_organisation_admin(user):
        return Service.objects.filter(organisation_id=user.organisation_id)
    if sees_every_figure(user):
        return Service.objects.all()
    return Service.objects.none()


def capacity_agreements_visible_to(*, user: User) -> QuerySet[Agreement]:
    """Agreements whose figures a user may see: as the agreements pages (a provider admin's
    own organisation's, a commissioner's rounds'), and all for service support."""
    if sees_every_figure(user):
        return Agreement.objects.all()
    if has_alert_centre(user):
        return agreement_list_visible_to(user=user)
    return Agreement.objects.none()


def demand_regions_for(*, user: User) -> QuerySet[Region] | None:
    """The regions whose demand a user may see: a commissioner's body's regions. None for
    anyone else, who is answered as if the demand view did not exist."""
    if not sees_demand(user):
        return None
    return user.commissioning_body.regions.all()
