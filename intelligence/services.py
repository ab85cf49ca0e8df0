"""Writes of intelligence: recording an unmet need, a referral's equality monitoring, and a
provider's rating of a referral's information. Each asks `rules` first."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intelligence import rules, selectors
from intelligence.models import CHARACTERISTICS, EqualityMonitoring, QualityRating, UnmetNeed
from partnership.models import Pdu, ServiceCategory, User
from referrals.models import Referral

RATED_DECISIONS = frozenset(QualityRating.Decision.values)


@transaction.atomic
def unmet_need_record(
    *,
    by: User,
    category: ServiceCategory,
    pdu: Pdu,
    reason: str,
    source: str = UnmetNeed.Source.OTHER,
    age_band: str = "",
    sex: str = "",
    flags: list[str] | None = None,
) -> UnmetNeed:
    """Record a need nothing could meet, in the practitioner's own PDU, with the person's
    broad characteristics only."""
    rules.require(by, "record_unmet_need", None)
    if not selectors.unmet_need_pdus_for(user=by).filter(pk=pdu.pk).exists():
        raise ValidationError({"pdu": ["Unmet need is recorded for your own PDU"]})
    if reason not in UnmetNeed.Reason.values:
        raise ValidationError({"reason": ["Select why nothing suitable was found"]})
    flags = sorted(set(flags or []))
    unknown = set(flags) - set(UnmetNeed.Flag.values)
    if unknown:
        raise ValidationError({"flags": ["Select only the characteristics listed"]})
    need = UnmetNeed(
        category=category,
        pdu=pdu,
        reason=reason,
        source=source if source in UnmetNeed.Source.values else UnmetNeed.Source.OTHER,
        age_band=age_band,
        sex=sex,
        flags=flags,
        recorded_by=by,
    )
    need.full_clean(exclude=["recorded_by", "category", "pdu"])
    need.save()
    return need


@transaction.atomic
def equality_record(*, referral: Referral, by: User, answers: dict[str, str]) -> EqualityMonitoring:
    """Record or change the person's equality monitoring answers on the referral; each is
    optional, and a question left unanswered is kept empty."""
    rules.require(by, "record_equality", referral)
    unknown = set(answers) - set(CHARACTERISTICS)
    if unknown:
        raise ValidationError(f"Not monitored: {', '.join(sorted(unknown))}")
    monitoring = EqualityMonitoring.objects.select_for_update().filter(referral=referral).first()
    monitoring = monitoring or EqualityMonitoring(referral=referral)
    for name in CHARACTERISTICS:
        setattr(monitoring, name, answers.get(name, "") or "")
    monitoring.recorded_by = by
    monitoring.updated_at = timezone.now()
    monitoring.full_clean(exclude=["referral", "recorded_by"])
    monitoring.save()
    return monitoring


@transaction.atomic
def quality_rate(
    *, referral: Referral, by: User, decision: str, rating: str, missing: list[str] | None = None
) -> QualityRating:
    """The provider's rating of the information the referral came with, as they accept,
    return or decline it; a later decision's rating replaces an earlier one."""
    rules.require(by, "rate_quality", referral)
    if decision not in RATED_DECISIONS:
        raise ValidationError(f"A referral is rated on {', '.join(sorted(RATED_DECISIONS))}")
    missing = sorted(set(missing or []))
    if rating not in QualityRating.Rating.values:
        raise ValidationError({"rating": ["Select how complete the referral's information was"]})
    if set(missing) - set(QualityRating.Missing.values):
        raise ValidationError({"missing": ["Select only what is listed"]})
    if rating == QualityRating.Rating.COMPLETE and missing:
        raise ValidationError(
            {"missing": ["Say what was missing only when the information was not complete"]}
        )
    if rating == QualityRating.Rating.MISSING and not missing:
        raise ValidationError({"missing": ["Select what was missing"]})
    rated, _ = QualityRating.objects.update_or_create(
        referral=referral,
        defaults={
            "rating": rating,
            "missing": missing,
            "decision": decision,
            "rated_by": by,
            "rated_at": timezone.now(),
        },
    )
    return rated
