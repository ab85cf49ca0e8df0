"""OCDS releases are recorded when a contract round's data changes, once the change is
committed: a read of the export never writes. Each receiver names the rounds a saved row
belongs to; `exports.record_releases` then records a release for each whose state differs
from its latest (and nothing for the rest)."""

from __future__ import annotations

import logging

from django.db import transaction

from commissioning.models import Mechanism

logger = logging.getLogger(__name__)


def _record_after_commit(round_ids) -> None:
    round_ids = set(round_ids)
    if not round_ids:
        return

    def record() -> None:
        from commissioning.exports import record_releases

        try:
            record_releases(round_ids=round_ids)
        except Exception:
            # The change itself stands; the release follows with the round's next change.
            logger.exception("OCDS releases not recorded for rounds %s", sorted(round_ids))

    transaction.on_commit(record)


def _contract_rounds(queryset) -> list[int]:
    return list(queryset.filter(mechanism=Mechanism.CONTRACT).values_list("pk", flat=True))


def round_changed(sender, instance, **kwargs) -> None:
    if instance.mechanism == Mechanism.CONTRACT:
        _record_after_commit([instance.pk])


def round_part_changed(sender, instance, **kwargs) -> None:
    """A lot, a step, an application or an agreement of a round."""
    from commissioning.models import FundingRound

    round_id = getattr(instance, "funding_round_id", None)
    if round_id is None:
        lot = getattr(instance, "lot", None)
        round_id = lot.funding_round_id if lot else None
    if round_id is not None:
        _record_after_commit(_contract_rounds(FundingRound.objects.filter(pk=round_id)))


def organisation_changed(sender, instance, **kwargs) -> None:
    """A supplier's name or org-id is in the releases of the rounds it won."""
    from commissioning.models import Application, FundingRound

    won = Application.objects.filter(
        organisation=instance, status=Application.Status.SUCCESSFUL
    ).values("lot__funding_round")
    _record_after_commit(_contract_rounds(FundingRound.objects.filter(pk__in=won)))


def body_changed(sender, instance, **kwargs) -> None:
    """A buyer's name or org-id is in the releases of the rounds it leads."""
    from commissioning.models import FundingRound

    _record_after_commit(_contract_rounds(FundingRound.objects.filter(lead_body=instance)))
