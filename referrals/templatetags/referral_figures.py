"""Template tags that show referral figures on other apps' pages without those apps
importing referrals."""

from django import template

from referrals.selectors import (
    MINIMUM_REFERRALS_FOR_FIGURES,
    referrals_needing_attention,
    service_track_record,
)

register = template.Library()


@register.inclusion_tag("referrals/_track_record.html")
def track_record(service):
    return {
        "record": service_track_record(service=service),
        "minimum": MINIMUM_REFERRALS_FOR_FIGURES,
    }


@register.inclusion_tag("referrals/_attention.html")
def needs_attention(user):
    return {"attention": referrals_needing_attention(user=user)}
