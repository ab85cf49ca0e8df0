"""What an unmet need form can be started with, from where the need was found: a directory
search's filters, or a referral that was declined or given up. Only broad characteristics
are carried over, never who the person is."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from intelligence.models import AgeBand, UnmetNeed
from referrals.models import DeclineReason, Referral, Status

# Why a referral's decline means nothing suitable could be found.
REASON_OF_DECLINE = {
    DeclineReason.NO_CAPACITY: UnmetNeed.Reason.FULL,
    DeclineReason.OUTSIDE_ELIGIBILITY: UnmetNeed.Reason.INELIGIBLE,
}
SOURCE_OF_STATUS = {
    Status.DECLINED: UnmetNeed.Source.DECLINED,
    Status.WITHDRAWN: UnmetNeed.Source.WITHDRAWN,
    Status.DRAFT: UnmetNeed.Source.DRAFT_DELETED,
}


def age_band(born: date | None, *, on: date | None = None) -> str:
    """The age band of someone born on `born`, today (or `on`); "" when not known."""
    if born is None:
        return ""
    on = on or timezone.localdate()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for limit, band in (
        (25, AgeBand.UNDER_25),
        (35, AgeBand.FROM_25),
        (50, AgeBand.FROM_35),
        (65, AgeBand.FROM_50),
    ):
        if age < limit:
            return band if age >= 18 else ""
    return AgeBand.OVER_64


def prompts_for(referral: Referral) -> bool:
    """Whether the referral's story is one of a need not met: declined for no capacity or
    eligibility, withdrawn, or a draft being given up."""
    if referral.status == Status.DECLINED:
        return referral.decline_reason in REASON_OF_DECLINE
    return referral.status in (Status.WITHDRAWN, Status.DRAFT)


def from_referral(referral: Referral) -> dict:
    """The form's starting answers from a referral the user may see."""
    categories = list(referral.service.categories.order_by("name")[:1])
    initial = {
        "pdu": referral.pdu_id,
        "age_band": age_band(referral.date_of_birth),
        "sex": referral.sex if referral.sex in UnmetNeed.Sex.values else "",
        "source": SOURCE_OF_STATUS.get(referral.status, UnmetNeed.Source.OTHER),
    }
    if categories:
        initial["category"] = categories[0].pk
    reason = (
        REASON_OF_DECLINE.get(referral.decline_reason)
        if referral.status == Status.DECLINED
        else None
    )
    if reason:
        initial["reason"] = reason
    flags = []
    if referral.setting == Referral.Setting.CUSTODY:
        flags.append(UnmetNeed.Flag.LEAVING_CUSTODY)
    if referral.interpreter_language:
        flags.append(UnmetNeed.Flag.INTERPRETER)
    if flags:
        initial["flags"] = flags
    return initial
