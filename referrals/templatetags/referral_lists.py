"""Template tags of the referral work lists and the home pages' work queues."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from partnership.links import ANY_PUBLIC_ID, address_maker
from partnership.lists import shown_count
from partnership.templatetags.dates import date
from referrals import rules, selectors
from referrals.models import Status

register = template.Library()

# A referral's status as a GOV.UK tag: its colour by status, grey for any other.
STATUS_TAG_COLOURS = {
    Status.SENT: "govuk-tag--blue",
    Status.RETURNED: "govuk-tag--orange",
    Status.ACCEPTED: "govuk-tag--green",
    Status.IN_PROGRESS: "govuk-tag--green",
    Status.DECLINED: "govuk-tag--red",
}


@register.simple_tag
def referral_status_tag(referral) -> SafeString:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        STATUS_TAG_COLOURS.get(referral.status, "govuk-tag--grey"),
        referral.get_status_display(),
    )


def _day(moment) -> str:
    return date(template_localtime(moment), "j M Y")


NOT_AWAITING = mark_safe(
    '<span aria-hidden="true">–</span>'
    '<span class="govuk-visually-hidden">Not awaiting a decision</span>'
)


def _decision_due(referral, today) -> SafeString:
    due = getattr(referral, "decision_due_on", None)
    if referral.status != Status.SENT or not due:
        return NOT_AWAITING
    if due < today:
        return format_html(
            '{}<br><strong class="govuk-tag govuk-tag--red">Overdue</strong>', _day(due)
        )
    return format_html("{}", _day(due))


def _row(referral, *, for_provider: bool, user, today, addresses) -> tuple:
    draft = referral.status == Status.DRAFT
    link = addresses["task-list" if draft else "detail"](referral.public_id)
    if for_provider:
        service, started = referral.service.name, _day(referral.sent_at)
    else:
        service = format_html(
            '{}<br><span class="govuk-body-s">{}</span>',
            referral.service.name,
            referral.service.organisation.name,
        )
        started = _day(referral.created_at)
    status = referral_status_tag(referral)
    if draft and not for_provider and rules.allows(user, "delete_draft", referral):
        status = format_html(
            '{}<br><a class="govuk-link govuk-body-s" href="{}">Delete'
            '<span class="govuk-visually-hidden"> draft {}</span></a>',
            status,
            addresses["draft-delete"](referral.public_id),
            referral.reference,
        )
    return (
        link,
        referral.reference,
        referral.person_name or referral.crn,
        referral.crn,
        service,
        started,
        _decision_due(referral, today),
        status,
    )


@register.simple_tag(takes_context=True)
def referral_table_rows(context, referrals, who: str) -> SafeString:
    """A work list's rows, written here rather than by the template engine a cell at a
    time: fifty rows of template were a third of the inbox page's time."""
    for_provider = who == "provider"
    user, today = context["user"], context["today"]
    addresses = {
        name: address_maker(f"referrals:{name}", stand_in=ANY_PUBLIC_ID)
        for name in ("detail", "task-list", "draft-delete")
    }
    return format_html_join(
        "\n",
        '<tr class="govuk-table__row">'
        '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>'
        '<td class="govuk-table__cell">{}<br><span class="govuk-body-s">{}</span></td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell" data-testid="decision-due">{}</td>'
        '<td class="govuk-table__cell">{}</td>'
        "</tr>",
        (
            _row(referral, for_provider=for_provider, user=user, today=today, addresses=addresses)
            for referral in referrals
        ),
    )


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
