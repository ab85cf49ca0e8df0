"""Open data is recorded when the data in it changes, once the change is committed: a read of
an export never writes. Each receiver names the rounds a saved row is published in; after the
commit, `exports.record_grants` rewrites the 360Giving grants of those that are grant rounds
and `exports.record_releases` records an OCDS release for each contract round whose state
differs from its latest (each leaves the other mechanism's rounds alone, and does nothing for
what did not change)."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _record_after_commit(round_ids) -> None:
    round_ids = set(round_ids)
    if not round_ids:
        return

    def record() -> None:
        from commissioning.exports import record_grants, record_releases

        # Both, whatever the rounds' mechanism: each picks its own rounds, and a round moved
        # from grant to contract has its grants taken down.
        for recorder in (record_grants, record_releases):
            try:
                recorder(round_ids=round_ids)
            except Exception:
                # The change itself stands; the record follows with the round's next change
                # (or `manage.py giving_grants_record` or `ocds_releases_record`).
                logger.exception(
                    "Open data not recorded by %s for rounds %s",
                    recorder.__name__,
                    sorted(round_ids),
                )

    transaction.on_commit(record)


def _rounds_with_awards() -> list[int]:
    from commissioning.models import Application

    return list(
        Application.objects.filter(status=Application.Status.SUCCESSFUL)
        .values_list("lot__funding_round", flat=True)
        .distinct()
    )


def _round_of(instance) -> int | None:
    """A round's own id, or the round of a lot, a step, an application or an agreement."""
    from commissioning.models import FundingRound

    if isinstance(instance, FundingRound):
        return instance.pk
    round_id = getattr(instance, "funding_round_id", None)
    if round_id is None:
        lot = getattr(instance, "lot", None)
        round_id = lot.funding_round_id if lot else None
    return round_id


def round_changed(sender, instance, **kwargs) -> None:
    """A round, or a lot, a step, an application or an agreement of one."""
    round_id = _round_of(instance)
    _record_after_commit([] if round_id is None else [round_id])


def round_links_changed(sender, instance, action, reverse, **kwargs) -> None:
    """A round's co-funders, or the PDUs of a lot or an application, added or taken away.
    Changed from the other side (a body's or a PDU's), which nothing in the portal does,
    every round with awards is recorded."""
    if action.startswith("post_"):
        if reverse:
            _record_after_commit(_rounds_with_awards())
        else:
            round_changed(sender, instance)


def organisation_changed(sender, instance, **kwargs) -> None:
    """A recipient's or supplier's name, numbers, website or region is in the grants and
    releases of the rounds it won."""
    from commissioning.models import Application

    _record_after_commit(
        Application.objects.filter(organisation=instance, status=Application.Status.SUCCESSFUL)
        .values_list("lot__funding_round", flat=True)
        .distinct()
    )


def body_changed(sender, instance, **kwargs) -> None:
    """A funder's or buyer's name or org-id is in the grants and releases of the rounds it
    leads or co-funds."""
    from django.db.models import Q

    from commissioning.models import FundingRound

    _record_after_commit(
        FundingRound.objects.filter(Q(lead_body=instance) | Q(co_funders=instance))
        .values_list("pk", flat=True)
        .distinct()
    )


def reference_changed(sender, instance, **kwargs) -> None:
    """A region, PDU or service category: grants name them in their locations and
    classifications. Reference data changes rarely, so every round with awards is recorded."""
    _record_after_commit(_rounds_with_awards())
