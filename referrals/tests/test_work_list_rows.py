"""A work list's rows are written in Python (`referral_table_rows`): they must be the rows the
template wrote a cell at a time, for the practitioner and the provider, in every status, a
deletable draft and a colleague's, overdue or not, a name or only a CRN."""

import re
from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals.models import Referral, Status
from referrals.reminders import decision_due_on
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db

# The rows as the template wrote them before (the plain path), status tag included.
PLAIN = """{% load referral_lists %}{% for referral in referrals %}
<tr class="govuk-table__row">
  <td class="govuk-table__cell"><a class="govuk-link" href="{% if referral.status == 'draft' %}{% url 'referrals:task-list' referral.public_id %}{% else %}{% url 'referrals:detail' referral.public_id %}{% endif %}">{{ referral.reference }}</a></td>
  <td class="govuk-table__cell">{{ referral.person_name|default:referral.crn }}<br><span class="govuk-body-s">{{ referral.crn }}</span></td>
  <td class="govuk-table__cell">{{ referral.service.name }}{% if who != "provider" %}<br><span class="govuk-body-s">{{ referral.service.organisation.name }}</span>{% endif %}</td>
  <td class="govuk-table__cell">{% if who == "provider" %}{{ referral.sent_at|date:"j M Y" }}{% else %}{{ referral.created_at|date:"j M Y" }}{% endif %}</td>
  <td class="govuk-table__cell" data-testid="decision-due">{% if referral.status == "sent" and referral.decision_due_on %}{{ referral.decision_due_on|date:"j M Y" }}{% if referral.decision_due_on < today %}<br><strong class="govuk-tag govuk-tag--red">Overdue</strong>{% endif %}{% else %}<span aria-hidden="true">–</span><span class="govuk-visually-hidden">Not awaiting a decision</span>{% endif %}</td>
  <td class="govuk-table__cell"><strong class="govuk-tag {% if referral.status == 'sent' %}govuk-tag--blue{% elif referral.status == 'returned' %}govuk-tag--orange{% elif referral.status == 'accepted' or referral.status == 'in_progress' %}govuk-tag--green{% elif referral.status == 'draft' %}govuk-tag--grey{% elif referral.status == 'declined' %}govuk-tag--red{% else %}govuk-tag--grey{% endif %}">{{ referral.get_status_display }}</strong>{% if who != "provider" and referral.status == "draft" %}{% referral_allows user "delete_draft" referral as may_delete %}{% if may_delete %}<br><a class="govuk-link govuk-body-s" href="{% url 'referrals:draft-delete' referral.public_id %}">Delete<span class="govuk-visually-hidden"> draft {{ referral.reference }}</span></a>{% endif %}{% endif %}</td>
</tr>
{% endfor %}"""
FAST = "{% load referral_lists %}{% referral_table_rows referrals who %}"
BETWEEN_TAGS = re.compile(r">\s+<")


def _rendered(source: str, **context) -> str:
    html = engines["django"].from_string(source).render(context)
    return BETWEEN_TAGS.sub("><", html.strip())


@pytest.fixture
def referrals():
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service("Housing <first> steps")
    made = [
        referral_in(status, practitioner=practitioner, service=service)
        for status in (
            Status.DRAFT,
            Status.SENT,
            Status.SENT,
            Status.ACCEPTED,
            Status.RETURNED,
            Status.DECLINED,
            Status.WITHDRAWN,
        )
    ]
    colleague = UserFactory(role=Role.PRACTITIONER, pdu=practitioner.pdu)
    made.append(referral_in(Status.DRAFT, practitioner=colleague))
    # One long overdue, one known only by its CRN, one sent late in a London evening.
    long_ago = timezone.now() - timedelta(days=30)
    Referral.objects.filter(pk=made[1].pk).update(sent_at=long_ago, created_at=long_ago)
    Referral.objects.filter(pk=made[2].pk).update(
        first_name="", last_name="", sent_at=timezone.now().replace(hour=23, minute=30)
    )
    rows = list(Referral.objects.filter(pk__in=[r.pk for r in made]).order_by("id"))
    for row in rows:
        row.decision_due_on = decision_due_on(row)
    return {"practitioner": practitioner, "admin": provider_admin_for(service), "rows": rows}


@pytest.mark.parametrize("who", ["practitioner", "provider"])
def test_the_rows_are_the_ones_the_template_wrote(referrals, who):
    user = referrals["practitioner"] if who == "practitioner" else referrals["admin"]
    context = {"referrals": referrals["rows"], "who": who, "user": user}
    context["today"] = timezone.localdate()
    fast = _rendered(FAST, **context)
    assert fast == _rendered(PLAIN, **context)
    assert fast.count("<tr") == len(referrals["rows"])
    assert "Housing &lt;first&gt; steps" in fast
    assert "Overdue" in fast
    assert ("Delete<span" in fast) == (who == "practitioner")


def test_the_detail_pages_status_tag_is_the_same_tag():
    referral = Referral(status=Status.RETURNED)
    tag = _rendered(
        "{% load referral_lists %}{% referral_status_tag referral %}", referral=referral
    )
    assert tag == '<strong class="govuk-tag govuk-tag--orange">Returned for information</strong>'
