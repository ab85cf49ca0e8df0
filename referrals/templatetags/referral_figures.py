"""Template tags that show referral figures on other apps' pages without those apps
importing referrals."""

from django import template
from django.core.cache import cache
from django.utils import timezone

from referrals.selectors import (
    MINIMUM_REFERRALS_FOR_FIGURES,
    referrals_needing_attention,
    service_track_record,
)

register = template.Library()


# How long a service's track record is kept once counted. It is the last 12 months, so a
# figure some minutes old says the same; counting it reads each referral's first session,
# thousands for the busiest services.
TRACK_RECORD_SECONDS = 15 * 60


@register.inclusion_tag("referrals/_track_record.html")
def track_record(service):
    key = f"track-record:{service.pk}:{timezone.localdate().isoformat()}"
    return {
        "record": cache.get_or_set(
            key, lambda: service_track_record(service=service), TRACK_RECORD_SECONDS
        ),
        "minimum": MINIMUM_REFERRALS_FOR_FIGURES,
    }


@register.inclusion_tag("referrals/_attention.html")
def needs_attention(user):
    return {"attention": referrals_needing_attention(user=user)}
