"""Referral pages: the practitioner's task list and lists, the provider's inbox, decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from caserecord.sources import case_record_enabled
from notifications.services import notifications_mark_read_for
from partnership import lists
from partnership.errors import DomainError, StateConflict
from partnership.forms import apply_domain_error
from partnership.models import User
from partnership.rules import is_practitioner, is_provider_staff
from providers.models import Service
from providers.selectors import service_list_visible_to
from referrals import (
    decision_extras,
    documents,
    filters,
    forms,
    prefill,
    rules,
    selectors,
    services,
)
from referrals.models import Referral, Status
from referrals.reminders import decision_due_on

WHY_PAGE = "viewed the referral page"
REFERRALS_PER_PAGE = 50
SECTIONS = {
    "person": ("Person on probation", forms.PersonForm),
    "sentence": ("Sentence", forms.SentenceForm),
    "needs": ("Needs and outcomes", forms.NeedsForm),
    "risk": ("Risk information", forms.RiskForm),
}


def _referral(request: HttpRequest, public_id) -> Referral:
    return get_object_or_404(
        selectors.referral_list_visible_to(user=request.user), public_id=public_id
    )


def _editable(request: HttpRequest, public_id) -> Referral:
    """A referral the user may change now; the pages of changing it are not there otherwise
    (a closed referral's too)."""
    referral = _referral(request, public_id)
    if not rules.allows(request.user, "edit", referral):
        raise Http404("Not editable")
    return referral


@login_required
def start(request: HttpRequest, service_pk: int) -> HttpResponse:
    if not rules.is_pdu_practitioner(request.user):
        raise Http404("Only practitioners make referrals")
    service = get_object_or_404(
        service_list_visible_to(user=request.user), pk=service_pk, status=Service.Status.ACTIVE
    )
    form = forms.StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral, _ = services.referral_start(
                practitioner=request.user, service=service, crn=form.cleaned_data["crn"]
            )
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            # With a case record connected, the person and their risk come from it first.
            first = "referrals:case-record" if case_record_enabled() else "referrals:task-list"
            return redirect(first, public_id=referral.public_id)
    return render(request, "referrals/start.html", {"form": form, "service": service})


# What a section's fields are, to tell whether anyone has started it: any of them saved.
STARTED_BY = {
    "person": [
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "phone",
        "address",
        "prison",
        "expected_release_date",
    ],
    "sentence": ["sentence_type", "sentence_end_date", "rar_days"],
    "needs": [
        "complexity_level_id",
        "reason",
        "accessibility_needs",
        "interpreter_language",
        "availability",
        "consent_basis",
    ],
}
NOT_STARTED, OPTIONAL, INCOMPLETE, COMPLETED = (
    "Not yet started",
    "Optional",
    "Incomplete",
    "Completed",
)
# Where a Change link may return to once its section is saved: nothing else is followed.
RETURN_TO = {"check": "referrals:check-answers"}


def _started(referral: Referral, section: str) -> bool:
    if section == "risk":
        risk = referral.risk
        return any(getattr(risk, name) not in (None, "") for name in services.RISK_FIELDS)
    saved = any(getattr(referral, name) not in (None, "") for name in STARTED_BY[section])
    if section == "person":
        saved = saved or referral.setting == Referral.Setting.CUSTODY
    if section == "needs":
        saved = saved or referral.desired_outcomes.exists()
    return saved


def section_statuses(referral: Referral, missing: dict) -> dict[str, str]:
    """Each task's status, as the GOV.UK task list words it: "Not yet started" until any of
    its answers is saved, "Incomplete" while it lacks what the referral needs, "Completed"
    when it has it all. Risk documents are "Optional" unless the service asks for one."""
    # What each section needs beyond what sending asks for: a sentence has a type and an end.
    own = {"sentence": bool(referral.sentence_type and referral.sentence_end_date)}
    status = {}
    for key in SECTIONS:
        if not _started(referral, key):
            status[key] = NOT_STARTED
        elif key in missing or not own.get(key, True):
            status[key] = INCOMPLETE
        else:
            status[key] = COMPLETED
    if referral.documents.exists():
        status["documents"] = INCOMPLETE if "documents" in missing else COMPLETED
    elif "risk_documents" in referral.service.referral_requirements:
        status["documents"] = NOT_STARTED
    else:
        status["documents"] = OPTIONAL
    return status


def _return_to(request: HttpRequest) -> str:
    """The allowed place a section returns to (`?return=check`), or ""."""
    value = request.GET.get("return", "")
    return value if value in RETURN_TO else ""


@login_required
def task_list(request: HttpRequest, public_id) -> HttpResponse:
    referral = _editable(request, public_id)
    missing = services.referral_missing(referral)
    status = section_statuses(referral, missing)
    tasks = [(key, title, status[key]) for key, (title, _) in SECTIONS.items()]
    return render(
        request,
        "referrals/task_list.html",
        {
            "referral": referral,
            "tasks": tasks,
            "status": status,
            "completed": sum(state == COMPLETED for state in status.values()),
            "total": len(status),
            "documents": referral.documents.all(),
            "missing": missing,
            "case_record_status": prefill.task_status(referral),
        },
    )


@login_required
def section(request: HttpRequest, public_id, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("No such section")
    referral = _editable(request, public_id)
    title, form_class = SECTIONS[section]
    instance = referral.risk if section == "risk" else referral
    needs_reason = referral.status not in (Status.DRAFT, Status.RETURNED)
    back = _return_to(request)
    form = form_class(request.POST or None, instance=instance, needs_reason=needs_reason)
    if request.method == "POST" and form.is_valid():
        data = {
            name: form.cleaned_data[name] for name in form.Meta.fields if name != "desired_outcomes"
        }
        reason = form.cleaned_data.get("amendment_reason", "")
        fresh = _editable(request, public_id)
        try:
            if section == "risk":
                services.risk_update(
                    referral=fresh, by=request.user, data=data, amendment_reason=reason
                )
            else:
                services.referral_update(
                    referral=fresh,
                    by=request.user,
                    data=data,
                    amendment_reason=reason,
                    desired_outcomes=form.cleaned_data.get("desired_outcomes"),
                )
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            if back:
                return redirect(RETURN_TO[back], public_id=referral.public_id)
            if needs_reason:
                messages.success(request, f"{title} updated")
                return redirect("referrals:detail", public_id=referral.public_id)
            return redirect("referrals:task-list", public_id=referral.public_id)
    if section == "risk":
        # The page shows the saved risk to the practitioner: a read of risk data too.
        risk = services.risk_read(
            referral=referral, by=request.user, channel="page", why="editing the referral's risk"
        )
        sources = prefill.sources(referral, person=False, risk=risk)
    else:
        sources = [row for row in prefill.sources(referral) if row["name"] in form.fields]
    return render(
        request,
        "referrals/section.html",
        {"referral": referral, "form": form, "title": title, "back": back, "sources": sources},
    )


def _documents_url(referral: Referral, back: str) -> str:
    """The documents page, still returning where a Change link came from (`RETURN_TO`)."""
    url = reverse("referrals:documents", kwargs={"public_id": referral.public_id})
    return f"{url}?{urlencode({'return': back})}" if back in RETURN_TO else url


@login_required
def document_list(request: HttpRequest, public_id) -> HttpResponse:
    referral = _editable(request, public_id)
    back = _return_to(request)
    form = forms.DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # An oversized body never gets here (RequestBodyLimitMiddleware); this is the
            # file itself, refused before it is read into memory.
            if upload.size > settings.RISK_DOCUMENT_MAX_BYTES:
                raise documents.DocumentRejected(
                    "The selected file must be smaller than "
                    f"{documents.size_label(settings.RISK_DOCUMENT_MAX_BYTES)}"
                )
            services.document_add(
                referral=referral, by=request.user, name=upload.name, content=upload.read()
            )
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{upload.name} has been uploaded")
            return redirect(_documents_url(referral, back))
    return render(
        request,
        "referrals/documents.html",
        {
            "referral": referral,
            "form": form,
            "documents": referral.documents.all(),
            "back": back,
        },
    )


@login_required
@require_POST
def document_remove(request: HttpRequest, public_id, document_id) -> HttpResponse:
    referral = _editable(request, public_id)
    document = get_object_or_404(referral.documents, public_id=document_id)
    services.document_remove(document=document, by=request.user)
    messages.success(request, f"{document.original_name} has been removed")
    return redirect(_documents_url(referral, _return_to(request)))


@login_required
def document_download(request: HttpRequest, public_id, document_id) -> HttpResponse:
    referral = _referral(request, public_id)
    document = get_object_or_404(referral.documents, public_id=document_id)
    # Refused, the read is logged and the page answers 404 (NotPermitted).
    content = services.document_read(
        document=document, by=request.user, channel="page", why="downloaded the document"
    )
    return documents.download_response(document, content)


@login_required
def check_answers(request: HttpRequest, public_id) -> HttpResponse:
    referral = _editable(request, public_id)
    missing = services.referral_missing(referral)
    if request.method == "POST":
        try:
            services.referral_send(referral=referral, by=request.user)
        except services.ReferralIncomplete as exc:
            missing = exc.missing
        except StateConflict as exc:
            messages.error(request, str(exc))
            return redirect("referrals:check-answers", public_id=referral.public_id)
        else:
            return redirect("referrals:confirmation", public_id=referral.public_id)
    risk = services.risk_read(
        referral=referral, by=request.user, channel="page", why="checking answers before sending"
    )
    return render(
        request,
        "referrals/check_answers.html",
        {
            "referral": referral,
            "actions": rules.actions_for(request.user, referral),
            "risk": risk,
            "missing": missing,
            "documents": referral.documents.all(),
            "outcomes": referral.desired_outcomes.all(),
            "sources": prefill.sources(referral, risk=risk),
            "case_record": case_record_enabled(),
        },
    )


@login_required
def confirmation(request: HttpRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    return render(request, "referrals/confirmation.html", {"referral": referral})


# The search term is kept in the session, not the address (post/redirect/get): a CRN or a
# name in a URL would reach logs, browser history and other sites' referrer headers. The
# redirect keeps reloading, the back button and paging through the results working.
SEARCH_SESSION_KEY = "referrals:search:{}"


def _work_list(request: HttpRequest, *, name: str, tabs: dict, default_tab: str, statuses):
    """A work list's search, filters, tab counts and page, or a redirect after a search."""
    key = SEARCH_SESSION_KEY.format(name)
    search = request.session.get(key, "")
    if request.method == "POST":
        search_form = filters.WorkListSearchForm(request.POST)
        if "clear" in request.POST:
            request.session.pop(key, None)
            return redirect(f"{request.path}?{_query_without(request, 'page')}")
        if search_form.is_valid():
            request.session[key] = " ".join(search_form.cleaned_data["q"].split())
            return redirect(f"{request.path}?{_query_without(request, 'page')}")
    else:
        search_form = filters.WorkListSearchForm(initial={"q": search})
    tab = request.GET.get("tab", default_tab)
    if tab not in tabs:
        tab = default_tab
    filter_form = filters.WorkListFilterForm(
        request.GET,
        statuses=statuses,
        services=selectors.referral_service_options(user=request.user),
    )
    filter_form.is_valid()
    work_filters = filter_form.filters(search=search)
    counts = selectors.referral_work_list_counts(user=request.user, tabs=tabs, filters=work_filters)
    referrals = selectors.referral_work_list(
        user=request.user, tab=tab, filters=work_filters, sort=filter_form.ordering()
    )
    page = lists.capped_page(
        referrals, count=counts[tab], per_page=REFERRALS_PER_PAGE, number=request.GET.get("page")
    )
    for referral in page.object_list:
        referral.decision_due_on = decision_due_on(referral)
    return {
        "page": page,
        "tab": tab,
        "tabs": [(key, label, counts[key]) for key, label in tabs.items()],
        "overdue": counts["overdue"],
        "total": counts[tab],
        "beyond_limit": counts[tab] > lists.COUNT_LIMIT,
        "search": search,
        "search_form": search_form,
        "filter_form": filter_form,
        "filtered": bool(search or work_filters.status or work_filters.service_id),
        "today": timezone.localdate(),
        "query_string": _query_without(request, "page"),
        "filter_query": _query_without(request, "page", "tab"),
    }


def _query_without(request: HttpRequest, *names: str) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k not in names])


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    if not is_practitioner(request.user):
        raise Http404("Practitioners only")
    context = _work_list(
        request,
        name="practitioner",
        tabs=selectors.PRACTITIONER_TABS,
        default_tab="mine",
        statuses=Status.choices,
    )
    if isinstance(context, HttpResponse):
        return context
    return render(request, "referrals/list.html", context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not is_provider_staff(request.user):
        raise Http404("Provider staff only")
    context = _work_list(
        request,
        name="inbox",
        tabs=selectors.INBOX_TABS,
        default_tab="new",
        statuses=[(value, label) for value, label in Status.choices if value != Status.DRAFT],
    )
    if isinstance(context, HttpResponse):
        return context
    return render(request, "referrals/inbox.html", context)


@login_required
def draft_delete(request: HttpRequest, public_id) -> HttpResponse:
    """Delete a draft: a page asking to confirm (GET), the deletion itself (POST only)."""
    referral = _referral(request, public_id)
    if not rules.allows(request.user, "delete_draft", referral):
        raise Http404("Not the user's draft")
    if request.method == "POST":
        reference = services.referral_draft_delete(referral=referral, by=request.user)
        messages.success(request, f"Draft referral {reference} has been deleted")
        return redirect("referrals:list")
    return render(request, "referrals/draft_delete.html", {"referral": referral})


@login_required
@require_http_methods(["GET", "HEAD"])
def detail(request: HttpRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    response = _detail_page(request, referral)
    # Opening the page reads what was new about it: once it was shown, and never on HEAD,
    # which asks for nothing to change.
    if request.method != "HEAD":
        notifications_mark_read_for(user=request.user, subject=referral)
    return response


def _detail_page(request: HttpRequest, referral: Referral) -> HttpResponse:
    actions = rules.actions_for(request.user, referral)
    # Risk is shown, and its read logged, only to those who may read it: for anyone else
    # the page simply leaves it out, and nothing is logged, since nothing was asked for.
    risk_readable = "read_risk" in actions
    risk = None
    if risk_readable:
        risk = services.risk_read(referral=referral, by=request.user, channel="page", why=WHY_PAGE)
    # The provider's decision is due while the referral waits for it.
    decision_due = decision_due_on(referral) if referral.status == Status.SENT else None
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "risk": risk,
            "actions": actions,
            "documents": referral.documents.all() if risk_readable else [],
            # The page's risk read above is logged; its timeline shows risk notes only then.
            "events": selectors.referral_events_visible_to(
                user=request.user, referral=referral, risk_readable=risk_readable
            ),
            "outcomes": referral.desired_outcomes.all(),
            "decision_due": decision_due,
            "decision_overdue": decision_due is not None and decision_due < timezone.localdate(),
            "sessions": referral.sessions.select_related("recorded_by"),
            "concerns": referral.concerns.select_related("raised_by", "acknowledged_by"),
            "report": getattr(referral, "end_of_service_report", None),
        },
    )


@dataclass(frozen=True)
class Decision:
    """A decision's page: its form, template, the service it calls and what it says after."""

    form: Callable[[Referral, dict | None], django_forms.Form]
    template: str
    call: Callable[[Referral, User, dict], Referral]
    done: str


DECISIONS = {
    "accept": Decision(
        form=lambda referral, data: forms.ConfirmForm(data),
        template="referrals/decision_accept.html",
        call=lambda referral, by, data: services.referral_accept(referral=referral, by=by),
        done="Referral {reference} accepted: the probation practitioner has been told",
    ),
    "return": Decision(
        form=lambda referral, data: forms.ReturnForm(data),
        template="referrals/decision_return.html",
        call=lambda referral, by, data: services.referral_return(
            referral=referral, by=by, reason=data["reason"]
        ),
        done="Referral {reference} returned for more information",
    ),
    "decline": Decision(
        form=lambda referral, data: forms.DeclineForm(data),
        template="referrals/decision_decline.html",
        call=lambda referral, by, data: services.referral_decline(referral=referral, by=by, **data),
        done="Referral {reference} declined: the probation practitioner has been told",
    ),
    "withdraw": Decision(
        form=lambda referral, data: forms.WithdrawForm(data),
        template="referrals/decision_withdraw.html",
        call=lambda referral, by, data: services.referral_withdraw(
            referral=referral, by=by, **data
        ),
        done="Referral {reference} withdrawn",
    ),
    "assign": Decision(
        form=lambda referral, data: forms.AssignForm(
            data, organisation_id=referral.service.organisation_id
        ),
        template="referrals/decision_assign.html",
        call=lambda referral, by, data: services.referral_assign(
            referral=referral, by=by, caseworker=data["caseworker"]
        ),
        done="Referral {reference} assigned to {assignee}",
    ),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def act(request: HttpRequest, public_id, action: str) -> HttpResponse:
    """A decision's own page (accept, return, decline, withdraw, assign): it shows its form
    on GET and HEAD, and only a POST writes. Not there (404) for anyone the decision is not
    for; a page saying it cannot be done now (409) when the referral's state forbids it."""
    decision = DECISIONS.get(action)
    if decision is None:
        raise Http404("No such decision")
    referral = _referral(request, public_id)
    rules.require(request.user, action, referral)
    data = request.POST if request.method == "POST" else None
    form = decision.form(referral, data)
    # Other apps' optional questions (`decision_extras`): saved once the decision is made.
    extras = decision_extras.extras_for(action, referral, data)
    valid = [form.is_valid(), *(extra.form.is_valid() for extra in extras)]
    if request.method == "POST" and all(valid):
        try:
            updated = decision.call(referral, request.user, form.cleaned_data)
            for extra in extras:
                extra.save(updated, request.user, action)
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            assignee = updated.assigned_to.full_name if updated.assigned_to_id else ""
            messages.success(
                request, decision.done.format(reference=updated.reference, assignee=assignee)
            )
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(
        request,
        decision.template,
        {
            "referral": referral,
            "form": form,
            "action": action,
            "extras": extras,
            "decision_due": decision_due_on(referral) if referral.status == Status.SENT else None,
        },
    )


def _record(request, public_id, action, form_class, template, save, *, form_kwargs=None):
    """A form of the provider's work on a referral (a session, a concern, the report). It
    opens only when the action is allowed: 404 for anyone it is not for, and a page saying
    it cannot be done now when the referral's state forbids it (409)."""
    referral = _referral(request, public_id)
    rules.require(request.user, action, referral)
    form = form_class(request.POST or None, **(form_kwargs(referral) if form_kwargs else {}))
    if request.method == "POST" and form.is_valid():
        try:
            message = save(referral, form)
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, message)
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(request, template, {"referral": referral, "form": form})


@login_required
def session_add(request: HttpRequest, public_id) -> HttpResponse:
    def save(referral, form):
        services.session_record(referral=referral, by=request.user, **form.cleaned_data)
        return "Session recorded"

    return _record(
        request, public_id, "record_session", forms.SessionForm, "referrals/session_form.html", save
    )


@login_required
def session_change(request: HttpRequest, public_id, session_id) -> HttpResponse:
    """Correct a recorded session: the form prefilled with it, and a reason required."""
    referral = _referral(request, public_id)
    rules.require(request.user, "record_session", referral)
    session = get_object_or_404(referral.sessions, public_id=session_id)
    form = forms.SessionCorrectionForm.for_session(
        session, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_correct(session=session, by=request.user, **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Session corrected")
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(
        request,
        "referrals/session_change.html",
        {"referral": referral, "form": form, "session": session},
    )


@login_required
def concern_add(request: HttpRequest, public_id) -> HttpResponse:
    def save(referral, form):
        services.concern_raise(referral=referral, by=request.user, **form.cleaned_data)
        return "Concern raised: the probation practitioner has been told"

    return _record(
        request, public_id, "raise_concern", forms.ConcernForm, "referrals/concern_form.html", save
    )


@login_required
def report_send(request: HttpRequest, public_id) -> HttpResponse:
    def save(referral, form):
        services.report_send(
            referral=referral,
            by=request.user,
            closing_reason=form.cleaned_data["closing_reason"],
            summary=form.cleaned_data["summary"],
            outcomes=form.outcome_results(),
        )
        return "End-of-service report sent: the referral is complete"

    return _record(
        request,
        public_id,
        "write_report",
        forms.ReportForm,
        "referrals/report_form.html",
        save,
        form_kwargs=lambda referral: {"outcomes": referral.desired_outcomes.all()},
    )


@login_required
@require_POST
def concern_acknowledge(request: HttpRequest, public_id, concern_id) -> HttpResponse:
    referral = _referral(request, public_id)
    concern = get_object_or_404(referral.concerns, public_id=concern_id)
    # Anyone but the referring PDU gets 404 (NotPermitted).
    services.concern_acknowledge(concern=concern, by=request.user)
    messages.success(request, "Concern acknowledged")
    return redirect("referrals:detail", public_id=referral.public_id)
