"""The demand drill-down's fast paths give what the plain ones gave: the history table's cells
written in Python (`history_cells`), the services table's texts made in the view, and each
agreement's month counted in SQL (`utilisation_by_agreement`)."""

import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import FilteredRelation, OuterRef, Subquery, Sum
from django.template import engines
from django.utils import timezone

from capacity import utilisation
from capacity.tests.factories import funding_agreement, sent_referrals
from capacity.views.demand import _agreement_rows, _service_rows, history_cells
from commissioning.models import Agreement, AgreementService
from partnership.models import Role
from partnership.months import month_bounds, month_start
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals.selectors import referral_demand_counts, referral_demand_window

# The templates' markup as it was, a cell and a row at a time.
HISTORY_CELLS = engines["django"].from_string(
    "{% load figures %}"
    '{% for month in months %}<td class="govuk-table__cell app-heat--{{ month.heat }}" '
    'data-band="{{ month.band }}">{{ month.label }}{% if month.capacity is not None %}'
    '<span class="govuk-visually-hidden"> ({{ month.sent|number }} sent, capacity '
    "{{ month.capacity|number }})</span>{% endif %}</td>{% endfor %}"
)
SERVICE_ROW = engines["django"].from_string(
    "{% load figures %}"
    "{% url 'providers:service' row.service_id %}|{{ row.service_name }}|"
    "{{ row.organisation_name }}|{{ row.sent|number }}|{{ row.capacity|number }}|"
    "{% if row.percent is not None %}{{ row.percent|floatformat:0|number }}%"
    "{% else %}No capacity{% endif %}|"
    "{% if row.too_early_to_forecast %}Too early to forecast"
    "{% elif row.forecast_percent is not None %}{{ row.forecast_percent|floatformat:0|number }}%"
    "{% else %}No capacity{% endif %}"
)
MADE_ROW = engines["django"].from_string(
    "{{ row.path }}|{{ row.service_name }}|{{ row.organisation_name }}|{{ row.sent }}|"
    "{{ row.capacity }}|{{ row.used }}|{{ row.forecast }}"
)

AGREEMENT_ROW = engines["django"].from_string(
    "{% load figures %}"
    "{% url 'commissioning:agreement' row.agreement_public_id %}|{{ row.organisation_name }}: "
    "{{ row.lot_title }}|{{ row.sent|number }}|{{ row.capacity|number }}|"
    "{% if row.percent is not None %}{{ row.percent|floatformat:0|number }}%"
    "{% else %}No capacity{% endif %}"
)
MADE_AGREEMENT_ROW = engines["django"].from_string(
    "{{ row.path }}|{{ row.organisation_name }}: {{ row.lot_title }}|{{ row.sent }}|"
    "{{ row.capacity }}|{{ row.used }}"
)


def test_history_cells_are_the_templates_markup():
    month = date(2026, 3, 1)
    months = [
        utilisation.ServiceMonth(month=month, sent=sent, capacity=capacity, band=band, percent=None)
        for band in utilisation.BAND_LABELS
        for sent, capacity in ((0, None), (3, 14), (12_345, 1_000), (7, 0))
    ]
    assert str(history_cells(months)) == HISTORY_CELLS.render({"months": months})
    assert str(history_cells([])) == ""


def test_the_services_tables_texts_are_what_its_filters_wrote():
    row = utilisation.ServiceUtilisation(
        period=date(2026, 3, 1),
        sent=1_496,
        accepted=0,
        active=0,
        capacity=1_000,
        elapsed=0.5,
        service_id=1234,
        service_public_id="x",
        service_name="Women's <centre>",
        service_status="active",
        organisation_id=1,
        organisation_name="Hope & Co",
        declared_capacity=1_000,
        funded=True,
        wait_days=0,
    )
    rows = [
        row,
        replace(row, sent=5, capacity=3),  # 166.7% and a forecast of 333.3%: rounded up
        replace(row, sent=1, capacity=8),  # 12.5%: rounded half up, as floatformat does
        replace(row, capacity=0),  # no capacity
        replace(row, elapsed=0.1),  # too early to forecast
    ]
    made = [MADE_ROW.render({"row": made}) for made in _service_rows(rows)]
    assert made == [SERVICE_ROW.render({"row": row}) for row in rows]
    assert "Women&#x27;s &lt;centre&gt;|Hope &amp; Co|1,496|1,000|150%|299%" in made[0]
    assert made[1].endswith("|167%|333%") and made[2].endswith("|13%|25%")


def test_the_agreements_tables_texts_are_what_its_filters_wrote():
    row = utilisation.AgreementUtilisation(
        period=date(2026, 3, 1),
        sent=1_496,
        accepted=0,
        active=0,
        capacity=1_000,
        elapsed=0.5,
        agreement_id=7,
        agreement_public_id=uuid.UUID("0b8a2f4e-3c1d-4e5f-8a9b-0c1d2e3f4a5b"),
        agreement_status="live",
        organisation_id=1,
        organisation_name="Hope & Co",
        lot_title="Women's <lot>",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 1, 1),
    )
    rows = [row, replace(row, sent=5, capacity=3), replace(row, sent=1, capacity=8)]
    rows.append(replace(row, capacity=0))
    made = [MADE_AGREEMENT_ROW.render({"row": made}) for made in _agreement_rows(rows)]
    assert made == [AGREEMENT_ROW.render({"row": row}) for row in rows]
    assert "|Hope &amp; Co: Women&#x27;s &lt;lot&gt;|1,496|1,000|150%" in made[0]
    assert made[2].endswith("|13%") and made[3].endswith("|No capacity")


def _plain_utilisation_by_agreement(agreements) -> list[tuple]:
    """Each agreement's month as the ORM counted it before: every referral of each funded
    service joined through a filtered relation and counted per agreement."""
    first = month_start()
    start, end = month_bounds(first)
    contracted = (
        AgreementService.objects.filter(agreement=OuterRef("pk"))
        .values("agreement")
        .annotate(total=Sum("contracted_monthly_referrals"))
        .values("total")[:1]
    )
    funded = "funded_services__service__referrals"
    rows = (
        Agreement.objects.filter(pk__in=agreements)
        .annotate(
            month_referrals=FilteredRelation(
                funded, condition=referral_demand_window(start=start, path=funded)
            )
        )
        .annotate(
            contracted=Subquery(contracted),
            **referral_demand_counts(start=start, end=end, path="month_referrals"),
        )
        .order_by("organisation__name", "lot__title", "pk")
    )
    return [
        (row.pk, row.contracted or 0, row.sent, row.accepted, row.active, row.lot.title)
        for row in rows
    ]


@pytest.mark.django_db
def test_each_agreements_month_is_what_the_plain_count_gave():
    commissioner = UserFactory(role=Role.COMMISSIONER)
    shared = make_service("Shared", monthly_capacity=10)
    own = make_service("Own", organisation=shared.organisation, monthly_capacity=10)
    unfunded = make_service("Unfunded", monthly_capacity=10)
    both = funding_agreement(shared, 10, by=commissioner)
    AgreementService.objects.create(agreement=both, service=own, contracted_monthly_referrals=4)
    alone = funding_agreement(shared, 6, by=commissioner)  # the shared service counts in both
    empty = funding_agreement(own, 2, by=commissioner)
    empty.funded_services.all().delete()  # funds nothing: no capacity, no demand
    now = timezone.now()
    last_month = timezone.make_aware(datetime.combine(month_start() - timedelta(days=20), time(12)))
    sent_referrals(shared, 4)
    sent_referrals(shared, 1, status="withdrawn")
    sent_referrals(own, 2, status="accepted", decided_at=now)
    sent_referrals(own, 3, status="in_progress", sent_at=last_month, decided_at=last_month)
    sent_referrals(shared, 2, status="completed", sent_at=last_month, decided_at=last_month)
    sent_referrals(unfunded, 5)

    ids = [both.pk, alone.pk, empty.pk]
    rows = utilisation.utilisation_by_agreement(agreements=Agreement.objects.filter(pk__in=ids))
    fast = [
        (row.agreement_id, row.capacity, row.sent, row.accepted, row.active, row.lot_title)
        for row in rows
    ]
    assert fast == _plain_utilisation_by_agreement(ids)
    assert {row[0]: row[1:5] for row in fast} == {
        both.pk: (14, 6, 2, 5),
        alone.pk: (6, 4, 0, 0),
        empty.pk: (0, 0, 0, 0),
    }
    # Narrowed by ids the same; none asked for, none given.
    assert [row.agreement_id for row in utilisation.utilisation_by_agreement(agreements=ids)] == [
        row[0] for row in fast
    ]
    assert utilisation.utilisation_by_agreement(agreements=[]) == []
