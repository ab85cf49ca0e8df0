"""Template tags of intelligence: the prompt to record an unmet need where one is found, a
PDU's referral quality panel, practitioners' confidence in a service, and surveys waiting
for an answer."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from intelligence import figures, prefill, rules, selectors

register = template.Library()

QUALITY_MONTHS = 6


@register.inclusion_tag("intelligence/_unmet_need_prompt.html", takes_context=True)
def unmet_need_prompt(context, referral=None, category=None, pdu=None, wording="link"):
    """A link to record an unmet need, prefilled from where the user is: a referral (its
    own prompt only when its story is one of a need not met) or a search's category and
    PDU. Nothing for anyone who does not record unmet need."""
    user = context["request"].user
    if not rules.allows(user, "record_unmet_need", None):
        return {"href": None}
    query = {}
    if referral is not None:
        if not prefill.prompts_for(referral):
            return {"href": None}
        query["referral"] = str(referral.public_id)
    else:
        query["source"] = "search"
        if category:
            query["category"] = category
        if pdu:
            query["pdu"] = pdu
    return {
        "href": f"{reverse('intelligence:unmet-need-new')}?{urlencode(query)}",
        "wording": wording,
    }


@register.inclusion_tag("intelligence/_quality_panel.html", takes_context=True)
def pdu_quality_panel(context):
    """How providers rated the information in the user's PDU's referrals, lately."""
    user = context["request"].user
    pdu = selectors.quality_pdu_for(user=user)
    if pdu is None:
        return {"quality": None}
    months = figures.unmet_need_months(months=QUALITY_MONTHS)
    return {
        "quality": figures.referral_quality(pdus=[pdu], months=months),
        "pdu": pdu,
        "months": QUALITY_MONTHS,
    }


@register.filter
def published(value):
    """A figure as published: "withheld" where suppression took it out."""
    return "withheld" if value is None else value


@register.inclusion_tag("intelligence/_service_confidence.html")
def service_confidence(service):
    """Practitioners' confidence in the service, from surveys, beside its track record."""
    return {"confidence": figures.service_confidence(service=service)}


@register.inclusion_tag("intelligence/_surveys_waiting.html", takes_context=True)
def surveys_waiting(context):
    """A prompt to the surveys open to the user that they have not answered yet."""
    user = context["request"].user
    waiting = selectors.survey_open_list_addressed_to(user=user).exclude(responses__respondent=user)
    return {"waiting": list(waiting[:3])}
