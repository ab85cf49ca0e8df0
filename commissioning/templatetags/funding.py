"""Which agreements fund a service, for the registry's pages (without providers importing
commissioning)."""

from django import template
from django.utils import timezone

from commissioning.models import Agreement, AgreementService
from partnership.templatetags.figures import money

register = template.Library()


@register.inclusion_tag("commissioning/_funded_by.html")
def funded_by(service):
    funding = (
        AgreementService.objects.filter(
            service=service,
            agreement__status__in=[Agreement.Status.MOBILISING, Agreement.Status.LIVE],
        )
        .select_related("agreement__lot__funding_round")
        .order_by("agreement__starts_on")
    )
    return {"funding": funding}


# Money is written one way across the portal: funding pages say it as the figures do.
pounds = register.filter("pounds", money)


@register.filter
def bar_width(value, scale=100) -> str:
    """A percentage of `scale` for a bar chart's width, within 0 to 100."""
    try:
        share = float(value) * 100 / float(scale or 1)
    except (TypeError, ValueError):
        return "0"
    return f"{max(0.0, min(100.0, share)):.1f}"


@register.filter
def govuk_time(value) -> str:
    """A date and time as GOV.UK writes them: 12pm is "midday", 3:30pm, 9am."""
    if not value:
        return "Not set"
    local = timezone.localtime(value)
    if local.hour == 12 and local.minute == 0:
        clock = "midday"
    elif local.hour == 0 and local.minute == 0:
        clock = "midnight"
    else:
        hour = local.hour % 12 or 12
        minutes = f":{local.minute:02d}" if local.minute else ""
        clock = f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
    return f"{clock} on {local.day} {local:%B %Y}"


@register.inclusion_tag("home/_assessor_work.html", takes_context=True)
def assessor_work(context):
    """The assessor's home: what they must declare and what they must score."""
    from commissioning import selectors

    return {"work": selectors.assessor_work(user=context["user"])}
