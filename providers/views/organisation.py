"""The organisation profile and the information-sharing agreement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from partnership.forms import apply_validation_error
from providers import rules, selectors, services
from providers.forms.organisation import AgreementSignForm, OrganisationProfileForm
from providers.models import Organisation


def _own_organisation(user) -> Organisation:
    """The organisation of provider staff; anyone else has none (404)."""
    return get_object_or_404(selectors.organisation_list_own(user=user))


def _profile_context(request: HttpRequest, organisation: Organisation) -> dict:
    return {
        "organisation": organisation,
        "actions": rules.actions_for(request.user, organisation),
        "services": selectors.service_list_visible_to(user=request.user).filter(
            organisation=organisation
        ),
        "signature": selectors.agreement_signature_current(organisation=organisation),
    }


@login_required
def organisation_own(request: HttpRequest) -> HttpResponse:
    organisation = _own_organisation(request.user)
    return render(
        request, "providers/organisation/profile.html", _profile_context(request, organisation)
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        selectors.organisation_list_visible_to(user=request.user), pk=pk
    )
    return render(
        request, "providers/organisation/profile.html", _profile_context(request, organisation)
    )


@login_required
def organisation_edit(request: HttpRequest) -> HttpResponse:
    # Always the user's own organisation, and only for its admins: anyone else 404s.
    organisation = _own_organisation(request.user)
    rules.require(request.user, "edit_profile", organisation)
    form = OrganisationProfileForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        # A failed ModelForm validation may have changed the instance in memory.
        fresh = _own_organisation(request.user)
        try:
            services.organisation_update(
                organisation=fresh,
                by=request.user,
                data={name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except ValidationError as exc:
            # Another organisation took the org-id between the form's check and the save.
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Your organisation's profile has been updated")
            return redirect("providers:organisation")
    return render(
        request, "providers/organisation/edit.html", {"form": form, "organisation": organisation}
    )


@login_required
def agreement(request: HttpRequest) -> HttpResponse:
    organisation = _own_organisation(request.user)
    current = selectors.agreement_current()
    if current is None:
        raise Http404("No agreement has been published")
    signature = selectors.agreement_signature_current(organisation=organisation)
    # There is something to sign until the organisation has signed this version.
    signing = "sign_agreement" in rules.actions_for(request.user, organisation) and not signature
    form = AgreementSignForm(
        request.POST or None, initial={"signatory_name": request.user.full_name}
    )
    if request.method == "POST":
        if not signing:
            raise Http404("Nothing to sign")
        if form.is_valid():
            services.agreement_sign(
                organisation=organisation,
                by=request.user,
                signatory_name=form.cleaned_data["signatory_name"],
                signatory_position=form.cleaned_data["signatory_position"],
            )
            messages.success(request, f"You have signed version {current.version} of the agreement")
            return redirect("providers:agreement")
    previous = organisation.agreement_signatures.select_related("agreement", "signed_by").exclude(
        agreement=current
    )
    return render(
        request,
        "providers/organisation/agreement.html",
        {
            "organisation": organisation,
            "agreement": current,
            "signature": signature,
            "previous_signatures": previous,
            "form": form if signing else None,
        },
    )
