"""Template tags of the referral work lists and the home pages' work queues."""

from django import template

from partnership.lists import shown_count
from referrals import rules, selectors

register = template.Library()


register.filter("list_count", shown_count)


@register.simple_tag
def referral_allows(user, action: str, referral) -> bool:
    """Whether the user may take the action on the referral now (asked of the rules)."""
    return rules.allows(user, action, referral)


@register.inclusion_tag("home/_provider_queue.html", takes_context=True)
def provider_admin_queue(context):
    return {"queue": selectors.provider_admin_work_queue(user=context["user"])}


@register.inclusion_tag("home/_caseworker_cases.html", takes_context=True)
def caseworker_cases(context):
    return {"cases": selectors.caseworker_cases(user=context["user"])}
