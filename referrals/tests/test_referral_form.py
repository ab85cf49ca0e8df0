"""The practitioner's referral form: task statuses, validation a practitioner expects, check
answers with a Change link on every row, conditional reveals and character counts."""

import re
from datetime import date, timedelta

import pytest
from django import forms
from django.utils import timezone

from partnership.forms import GovukDateField, GovukFormMixin, MoneyField
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import services
from referrals.forms import PHONE_MESSAGE
from referrals.models import Status
from referrals.tests.factories import referral_in, trained_caseworker_for
from referrals.views import section_statuses

pytestmark = pytest.mark.django_db


def dated(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _page(response) -> str:
    return response.content.decode()


def _status(page: str, key: str) -> str:
    match = re.search(rf'id="status-{key}">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _errors(page: str) -> list[tuple[str, str]]:
    """The error summary's links: (href, message)."""
    summary = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]*)">([^<]*)</a>', summary)


@pytest.fixture
def draft(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service(minimum_age=21)
    referral, _ = services.referral_start(practitioner=practitioner, service=service, crn="X654321")
    client.force_login(practitioner)
    return referral


def _url(referral, section=""):
    return f"/referrals/{referral.public_id}/tasks/{section + '/' if section else ''}"


# Task list statuses --------------------------------------------------------------------------


def test_untouched_sections_are_not_yet_started_and_documents_optional(client, draft):
    page = _page(client.get(_url(draft)))
    for key in ("person", "sentence", "needs", "risk"):
        assert _status(page, key) == "Not yet started", key
    assert _status(page, "documents") == "Optional"
    assert "You have completed 0 of 5 sections" in page
    assert "What makes a good referral" in page and "govuk-grid-column-one-third" in page


def test_documents_are_not_started_when_the_service_requires_one(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service(referral_requirements=["risk_documents"])
    referral, _ = services.referral_start(practitioner=practitioner, service=service, crn="X111111")
    assert section_statuses(referral, services.referral_missing(referral))["documents"] == (
        "Not yet started"
    )


def test_a_section_started_but_missing_answers_is_incomplete_then_completed(client, draft):
    client.post(_url(draft, "sentence"), {"sentence_type": "Community order"})
    page = _page(client.get(_url(draft)))
    assert _status(page, "sentence") == "Incomplete"
    client.post(
        _url(draft, "sentence"),
        {
            "sentence_type": "Community order",
            **dated("sentence_end_date", timezone.localdate() + timedelta(days=200)),
            "rar_days": "20",
        },
    )
    page = _page(client.get(_url(draft)))
    assert _status(page, "sentence") == "Completed"
    assert _status(page, "person") == "Not yet started"
    client.post(_url(draft, "person"), {"first_name": "Sam", "setting": "community"})
    assert _status(_page(client.get(_url(draft))), "person") == "Incomplete"


def test_a_returned_referral_without_the_sentence_end_date_is_not_completed(client):
    referral = referral_in(Status.RETURNED)
    referral.refresh_from_db()
    assert referral.sentence_end_date is None
    statuses = section_statuses(referral, services.referral_missing(referral))
    assert statuses["sentence"] == "Not yet started"
    services.referral_update(
        referral=referral, by=referral.practitioner, data={"sentence_type": "Licence"}
    )
    statuses = section_statuses(referral, services.referral_missing(referral))
    assert statuses["sentence"] == "Incomplete"
    assert statuses["person"] == "Completed" and statuses["risk"] == "Completed"
    client.force_login(referral.practitioner)
    page = _page(client.get(_url(referral)))
    assert _status(page, "sentence") == "Incomplete"
    assert "Please add the sentence details." in page


# Save and continue: nothing invalid stored, one linked error a field --------------------------


def test_an_invalid_date_gives_one_linked_error_keeps_what_was_typed_and_saves_nothing(
    client, draft
):
    response = client.post(
        _url(draft, "person"),
        {
            "first_name": "Sam",
            "setting": "community",
            "date_of_birth_0": "32",
            "date_of_birth_1": "13",
            "date_of_birth_2": "1990",
        },
    )
    page = _page(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert _errors(page) == [("#id_date_of_birth_0", "Date of birth must be a real date")]
    assert page.count("Date of birth must be a real date") == 2  # summary and field
    assert "Ensure this value" not in page
    assert 'value="32"' in page and 'value="Sam"' in page
    assert re.search(
        r'class="govuk-input govuk-input--error govuk-date-input__input[^"]*" '
        r'id="id_date_of_birth_0"',
        page,
    )
    assert "<title>Error:" in page
    draft.refresh_from_db()
    assert draft.first_name == "" and draft.date_of_birth is None


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "3", "1990"), "Date of birth must include a day"),
        (("2", "", "1990"), "Date of birth must include a month"),
        (("2", "", ""), "Date of birth must include a month and year"),
        (("31", "2", "1990"), "Date of birth must be a real date"),
        (("2", "3", "90"), "Year must include 4 numbers"),
        (("a", "3", "1990"), "Date of birth must be a real date"),
    ],
)
def test_date_of_birth_messages_follow_the_govuk_date_input(client, draft, parts, message):
    data = {"setting": "community", **{f"date_of_birth_{i}": p for i, p in enumerate(parts)}}
    page = _page(client.post(_url(draft, "person"), data))
    assert _errors(page) == [("#id_date_of_birth_0", message)]


def test_date_of_birth_is_in_the_past_and_old_enough_for_the_service(client, draft):
    today = timezone.localdate()
    page = _page(
        client.post(
            _url(draft, "person"), {"setting": "community", **dated("date_of_birth", today)}
        )
    )
    assert _errors(page) == [("#id_date_of_birth_0", "Date of birth must be in the past")]
    future = date(today.year + 5, 1, 1)
    page = _page(
        client.post(
            _url(draft, "person"), {"setting": "community", **dated("date_of_birth", future)}
        )
    )
    assert _errors(page) == [("#id_date_of_birth_0", "Date of birth must be in the past")]
    young = today.replace(year=today.year - 20)
    page = _page(
        client.post(
            _url(draft, "person"), {"setting": "community", **dated("date_of_birth", young)}
        )
    )
    assert _errors(page) == [
        ("#id_date_of_birth_0", "The person must be at least 21 years old for this service")
    ]
    old_enough = today.replace(year=today.year - 22)
    response = client.post(
        _url(draft, "person"), {"setting": "community", **dated("date_of_birth", old_enough)}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.date_of_birth == old_enough


def test_a_phone_number_of_letters_is_refused(client, draft):
    page = _page(client.post(_url(draft, "person"), {"setting": "community", "phone": "call me"}))
    assert _errors(page) == [("#id_phone", PHONE_MESSAGE)]
    assert "<title>Error: Person on probation" in page and "Error: Error:" not in page
    assert PHONE_MESSAGE.startswith("Enter a telephone number, like 01632 960 001")
    response = client.post(
        _url(draft, "person"), {"setting": "community", "phone": "+44 808 157 0192"}
    )
    assert response.status_code == 302


def test_sentence_end_date_is_in_the_future_for_a_new_referral(client, draft):
    yesterday = timezone.localdate() - timedelta(days=1)
    page = _page(
        client.post(
            _url(draft, "sentence"),
            {"sentence_type": "Licence", **dated("sentence_end_date", yesterday)},
        )
    )
    assert _errors(page) == [("#id_sentence_end_date_0", "Sentence end date must be in the future")]
    draft.refresh_from_db()
    assert draft.sentence_type == ""


def test_risk_assessment_date_is_today_or_in_the_past(client, draft):
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = _page(client.post(_url(draft, "risk"), dated("last_assessed_on", tomorrow)))
    assert _errors(page) == [
        ("#id_last_assessed_on_0", "Date of the last risk assessment must be today or in the past")
    ]
    response = client.post(_url(draft, "risk"), dated("last_assessed_on", timezone.localdate()))
    assert response.status_code == 302


def test_risk_fields_have_hints(client, draft):
    page = _page(client.get(_url(draft, "risk")))
    assert 'id="id_rosh_children-hint"' in page and 'id="id_summary-hint"' in page
    assert "Who is at risk" in page


def test_the_date_field_is_generic_one_message_each():
    class Form(GovukFormMixin, forms.Form):
        starts_on = GovukDateField(label="Start date")

    form = Form({"starts_on_0": "40", "starts_on_1": "40", "starts_on_2": "40000"})
    assert form.errors == {"starts_on": ["Year must include 4 numbers"]}
    form = Form({})
    assert form.errors == {"starts_on": ["Enter the start date"]}
    form = Form({"starts_on_0": "1", "starts_on_1": "1", "starts_on_2": "1850"})
    assert form.errors == {"starts_on": ["Enter a date from 1900 to 2200"]}
    form = Form({"starts_on_0": " 1", "starts_on_1": "02", "starts_on_2": "2027"})
    assert form.is_valid() and form.cleaned_data["starts_on"] == date(2027, 2, 1)


# Check answers ---------------------------------------------------------------------------------


def test_check_answers_shows_everything_with_a_change_link_on_every_row(client):
    referral = referral_in(Status.DRAFT)
    services.referral_update(
        referral=referral,
        by=referral.practitioner,
        data={"rar_days": 15, "availability": "Weekday mornings; signs on Tuesdays"},
    )
    client.force_login(referral.practitioner)
    page = _page(client.get(f"/referrals/{referral.public_id}/check/"))
    assert "15 days" in page and "Weekday mornings; signs on Tuesdays" in page
    rows = re.findall(r'<div class="govuk-summary-list__row(?! govuk-summary-list__row--no)', page)
    changes = re.findall(
        r'<a class="govuk-link" href="([^"]+)">Change<span class="govuk-visually-hidden"> '
        r"([^<]+)</span></a>",
        page,
    )
    assert len(rows) == len(changes) >= 20
    names = [name for _, name in changes]
    assert len(set(names)) == len(names)  # each names its own row
    assert {"RAR days", "availability", "date of birth", "phone number"} <= set(names)
    assert all("?return=check" in href for href, _ in changes)
    assert all("X" not in href.split("?")[1] for href, _ in changes)  # no CRN in the URLs


def test_rar_days_and_availability_are_on_the_referral_page_for_the_provider(client):
    referral = referral_in(Status.DRAFT)
    services.referral_update(
        referral=referral,
        by=referral.practitioner,
        data={"rar_days": 12, "availability": "Afternoons after 2pm"},
    )
    services.referral_send(referral=referral, by=referral.practitioner)
    client.force_login(trained_caseworker_for(referral.service))
    page = _page(client.get(f"/referrals/{referral.public_id}/"))
    assert "12 days" in page and "Afternoons after 2pm" in page


def test_change_from_check_answers_returns_to_check_answers(client, draft):
    check = f"/referrals/{draft.public_id}/check/"
    response = client.post(
        _url(draft, "needs") + "?return=check",
        {"availability": "Mornings", "consent_basis": "consent"},
    )
    assert response.status_code == 302 and response["Location"] == check
    page = _page(client.get(_url(draft, "needs") + "?return=check"))
    assert f'href="{check}" class="govuk-back-link"' in page
    # An invalid save stays on the page, still returning to check answers.
    response = client.post(_url(draft, "needs") + "?return=check", {"consent_basis": "nope"})
    assert response.status_code == 200
    # Anything but the allowed value is ignored: no open redirect.
    for value in ("https://evil.example/", "//evil.example", "check/../../x"):
        response = client.post(
            _url(draft, "needs") + f"?return={value}", {"consent_basis": "consent"}
        )
        assert response["Location"] == _url(draft), value
    response = client.get(_url(draft, "documents") + "?return=check")
    assert f'href="{check}"' in _page(response)


# Conditional reveals and character counts -----------------------------------------------------


def test_prison_and_release_date_are_revealed_by_custody(client, draft):
    page = _page(client.get(_url(draft, "person")))
    custody = re.search(r'<input[^>]*value="custody"[^>]*>', page).group(0)
    assert 'data-aria-controls="conditional-id_setting_1"' in custody
    conditional = page.split('id="conditional-id_setting_1"', 1)[1].split("</fieldset>")[0]
    assert 'id="id_prison"' in conditional and 'id="id_expected_release_date_0"' in conditional
    assert (
        "govuk-radios__conditional--hidden" in page.split('id="conditional-id_setting_1"')[0][-80:]
    )

    # In custody: both are asked for.
    page = _page(client.post(_url(draft, "person"), {"setting": "custody"}))
    assert _errors(page) == [
        ("#id_prison", "Enter the prison the person is in"),
        ("#id_expected_release_date_0", "Enter the expected release date"),
    ]
    # In the community: what the hidden questions held is cleared, even if invalid.
    draft.prison = "HMP Manchester"
    draft.save()
    response = client.post(
        _url(draft, "person"),
        {"setting": "community", "prison": "HMP Leeds", "expected_release_date_0": "99"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.prison == "" and draft.expected_release_date is None


def test_a_conflict_of_interest_reveals_its_details():
    from commissioning.forms import DeclarationForm

    form = DeclarationForm({"has_conflict": "no", "details": "My cousin works there"})
    assert form.is_valid() and form.cleaned_data["details"] == ""
    form = DeclarationForm({"has_conflict": "yes", "details": " "})
    assert form.errors == {"details": ["Describe the conflict of interest"]}
    html = str(DeclarationForm())
    assert 'data-aria-controls="conditional-id_has_conflict_1"' in html
    assert 'id="id_details"' in html.split('id="conditional-id_has_conflict_1"')[1]


def test_long_text_boxes_count_their_characters(client, draft):
    page = _page(client.get(_url(draft, "needs")))
    group = re.search(
        r'<div class="govuk-form-group govuk-character-count"[^>]*>\s*'
        r'<label class="govuk-label" for="id_reason">',
        page,
    )
    assert group and 'data-maxlength="10000"' in group.group(0)
    assert 'id="id_reason-info"' in page
    assert re.search(
        r'<textarea[^>]*class="[^"]*govuk-js-character-count[^"]*"[^>]*'
        r'aria-describedby="id_reason-info id_reason-hint"',
        page,
    ) or re.search(
        r'<textarea[^>]*aria-describedby="id_reason-info id_reason-hint"[^>]*'
        r"govuk-js-character-count",
        page,
    )


# Money -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["£150,000", "150000", "150,000.00", " £150000 "])
def test_money_is_taken_as_people_write_it(typed):
    assert MoneyField(label="Budget (£)").clean(typed) == 150000


@pytest.mark.parametrize("typed", ["£150,000.50", "lots", "-5"])
def test_money_that_is_not_whole_pounds_is_refused(typed):
    with pytest.raises(forms.ValidationError):
        MoneyField(label="Budget (£)").clean(typed)


def test_commissioning_amounts_are_money_with_a_pound_prefix():
    from commissioning import forms as commissioning_forms

    assert isinstance(commissioning_forms.RoundForm.base_fields["budget"], MoneyField)
    assert isinstance(commissioning_forms.LotForm.base_fields["income_ceiling"], MoneyField)
    assert isinstance(commissioning_forms.AgreementForm.base_fields["value"], MoneyField)
    application = commissioning_forms.ApplicationForm.base_fields
    assert isinstance(application["amount_requested"], MoneyField)
    assert isinstance(application["staff_training_budget"], MoneyField)

    class Form(GovukFormMixin, forms.Form):
        value = MoneyField(label="Value (£)")

    html = str(Form())
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in html
    assert Form({"value": "£1,250"}).is_valid()
    assert Form({"value": "x"}).errors == {
        "value": ["The value must be a whole number of pounds, like £75,000"]
    }


def test_removing_a_document_keeps_the_return_to_check_answers(client, draft, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    check = f"/referrals/{draft.public_id}/check/"
    documents_url = _url(draft, "documents")
    pdf = b"%PDF-1.7\n1 0 obj\n<</Type /Catalog>>\nendobj\n%%EOF\n"
    first, second = (
        services.document_add(referral=draft, by=draft.practitioner, name=name, content=pdf)
        for name in ("one.pdf", "two.pdf")
    )
    remove = f"/referrals/{draft.public_id}/tasks/documents/{first.public_id}/remove/"
    page = _page(client.get(documents_url + "?return=check"))
    assert f'action="{remove}?return=check"' in page
    response = client.post(remove + "?return=check")
    assert response.status_code == 302
    assert response["Location"] == documents_url + "?return=check"
    page = _page(client.get(response["Location"]))
    assert f'href="{check}" class="govuk-back-link"' in page
    assert "one.pdf has been removed" in page
    # Without the flag, or with anything but the allowed value, it returns to the task list.
    other = f"/referrals/{draft.public_id}/tasks/documents/{second.public_id}/remove/"
    response = client.post(other + "?return=https://evil.example/")
    assert response["Location"] == documents_url
    assert not draft.documents.exists()
