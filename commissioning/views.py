"""Funding round pages: the list and each round with its lots, applications and market health."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from commissioning import selectors
from commissioning.market import COUNTED, market_health
from partnership.models import Role


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    rounds = selectors.round_list_visible_to(user=request.user).annotate(
        lot_count=Count("lots", distinct=True)
    )
    return render(request, "commissioning/rounds.html", {"rounds": rounds})


@login_required
def round_detail(request: HttpRequest, public_id) -> HttpResponse:
    funding_round = get_object_or_404(
        selectors.round_list_visible_to(user=request.user), public_id=public_id
    )
    is_commissioner = request.user.role == Role.COMMISSIONER
    lots = funding_round.lots.select_related("category").annotate(
        bidders=Count("applications", filter=Q(applications__status__in=COUNTED))
    )
    return render(
        request,
        "commissioning/round.html",
        {
            "round": funding_round,
            "lots": lots,
            "applications": selectors.application_list_visible_to(user=request.user).filter(
                lot__funding_round=funding_round
            ),
            "health": market_health(funding_round=funding_round) if is_commissioner else None,
            "is_commissioner": is_commissioner,
        },
    )
