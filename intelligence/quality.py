"""The provider's rating of a referral's information, asked on the decision pages that read
it (accept, return, decline) as an optional part of the decision's form."""

from __future__ import annotations

from intelligence import forms, services
from referrals.decision_extras import DecisionExtra


def _form(referral, data):
    return forms.QualityRatingForm(data, prefix="quality")


def _save(form, referral, by, action) -> None:
    rating = form.cleaned_data.get("rating")
    if not rating:
        return  # optional: a decision without a rating is a decision all the same
    services.quality_rate(
        referral=referral,
        by=by,
        decision=action,
        rating=rating,
        missing=form.cleaned_data.get("missing") or [],
    )


RATING_EXTRA = DecisionExtra(
    actions=frozenset({"accept", "return", "decline"}),
    form=_form,
    save=_save,
    template="intelligence/_quality_rating.html",
)
