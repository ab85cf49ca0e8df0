"""A commissioner's view of the organisations working in their regions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from partnership.spreadsheets import csv_writer
from providers import rules, selectors, services
from providers.forms.organisation import VerificationForm
from providers.models import Organisation, SizeBand


def _market(request: HttpRequest):
    # Anyone but a commissioner gets 404.
    rules.require(request.user, "view_market", None)
    organisations = selectors.organisation_list_for_commissioner(user=request.user)
    size_band = request.GET.get("size_band", "")
    verification = request.GET.get("verification_status", "")
    if size_band in SizeBand.values:
        organisations = organisations.filter(size_band=size_band)
    if verification in Organisation.Verification.values:
        organisations = organisations.filter(verification_status=verification)
    return organisations, {"size_band": size_band, "verification_status": verification}


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations, chosen = _market(request)
    return render(
        request,
        "providers/commissioner/organisations.html",
        {
            "organisations": organisations,
            # Each organisation with what the user may do to it (verify it).
            "rows": [
                (organisation, rules.actions_for(request.user, organisation))
                for organisation in organisations
            ],
            "chosen": chosen,
            "size_bands": SizeBand.choices,
            "verification_choices": Organisation.Verification.choices,
            "query_string": request.GET.urlencode(),
        },
    )


@login_required
def organisation_csv(request: HttpRequest) -> HttpResponse:
    organisations, _ = _market(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="organisations.csv"'
    writer = csv_writer(response)
    writer.writerow(
        [
            "Organisation",
            "org-id",
            "Size band",
            "Annual income",
            "Head office region",
            "Reach",
            "Lived experience led",
            "Verification",
            "Services",
            "Active staff",
            "Staff with current risk training",
        ]
    )
    for organisation in organisations:
        writer.writerow(
            [
                organisation.name,
                organisation.org_id,
                organisation.size_band_label,
                "" if organisation.annual_income is None else organisation.annual_income,
                organisation.head_office_region.name if organisation.head_office_region else "",
                organisation.get_reach_display(),
                "yes" if organisation.lived_experience_led else "no",
                organisation.get_verification_status_display(),
                organisation.service_count,
                organisation.staff_count,
                organisation.trained_staff_count,
            ]
        )
    return response


@login_required
@require_POST
def organisation_verify(request: HttpRequest, pk: int) -> HttpResponse:
    organisations, _ = _market(request)
    organisation = get_object_or_404(organisations, pk=pk)
    form = VerificationForm(request.POST)
    if form.is_valid():
        services.organisation_set_verification(
            organisation=organisation,
            status=form.cleaned_data["verification_status"],
            by=request.user,
        )
        messages.success(
            request,
            f"{organisation.name}: {organisation.get_verification_status_display().lower()}",
        )
    else:
        messages.error(request, "Choose whether the organisation is verified")
    return redirect("providers:organisations")
