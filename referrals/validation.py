"""The rules a referral's details keep, in one place.

The services (`referral_update`, `risk_update`) keep them for every caller, the API
included, and refuse with a Django `ValidationError` by field (a 400 problem document in
the API, an error on its field on a page). The section pages (`referrals.forms`) ask them
too, so that their error summary lists every problem at once. Messages are GOV.UK's
wording, one a field. Parsing (a real date, a whole number, the years a page takes) stays
with the form or the serializer that reads the input."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

PHONE_MESSAGE = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
# What a person in custody is asked (GOV.UK conditional reveal): required when in custody,
# cleared by an answer that hides them, refused when given for anyone else.
CUSTODY_FIELDS = {
    "prison": ("Enter the prison the person is in", "Only give a prison for a person in custody"),
    "expected_release_date": (
        "Enter the expected release date",
        "Only give an expected release date for a person in custody",
    ),
}
CUSTODY = "custody"
NEW_STATUSES = ("draft", "returned")


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def born_in_the_past(born: date) -> None:
    if born >= timezone.localdate():
        raise ValidationError("Date of birth must be in the past", code="past")


def old_enough(born: date, service) -> None:
    if age_on(born, timezone.localdate()) < service.minimum_age:
        raise ValidationError(
            f"The person must be at least {service.minimum_age} years old for this service",
            code="too_young",
        )


def phone_number(phone: str) -> None:
    """Digits, spaces, brackets and hyphens, with a leading + for an international number:
    10 to 15 digits."""
    if not re.fullmatch(r"\+?[0-9 ()\-]+", phone) or not (
        10 <= len(re.sub(r"[^0-9]", "", phone)) <= 15
    ):
        raise ValidationError(PHONE_MESSAGE, code="phone")


def sentence_still_running(ends: date, referral) -> None:
    """A new referral (a draft, or returned for more information) is for a sentence still
    running; a date already saved stays, and once sent the date may be corrected."""
    if (
        referral.status in NEW_STATUSES
        and ends != referral.sentence_end_date
        and ends <= timezone.localdate()
    ):
        raise ValidationError("Sentence end date must be in the future", code="future")


def assessed_by_today(assessed: date) -> None:
    if assessed > timezone.localdate():
        raise ValidationError(
            "Date of the last risk assessment must be today or in the past", code="today_or_past"
        )


def _first_error(errors: dict[str, str], name: str, check, *args) -> None:
    if name in errors:
        return
    try:
        check(*args)
    except ValidationError as exc:
        errors[name] = exc.messages[0]


def of_the_services_categories(referral, level=None, outcomes=()) -> dict[str, str]:
    """A complexity level and desired outcomes come from the categories of the referral's
    service (as `GET /api/v1/services/{id}/` lists them), never from another category."""
    categories = set(referral.service.categories.values_list("pk", flat=True))
    errors = {}
    if level is not None and level.category_id not in categories:
        errors["complexity_level"] = "Choose a complexity level of this service's categories"
    if any(outcome.category_id not in categories for outcome in outcomes):
        errors["desired_outcomes"] = "Choose desired outcomes of this service's categories"
    return errors


def referral_errors(referral, data: dict, desired_outcomes=None) -> dict[str, str]:
    """What in `data`, a change to `referral` as it is stored, breaks a rule: a message a
    field. Only the fields in `data` are checked, with what depends on them (a person in
    custody has a prison and an expected release date), and the desired outcomes if given."""
    errors: dict[str, str] = {}
    if data.get("complexity_level") is not None or desired_outcomes:
        errors.update(
            of_the_services_categories(
                referral, data.get("complexity_level"), desired_outcomes or ()
            )
        )
    born = data.get("date_of_birth")
    if born:
        _first_error(errors, "date_of_birth", born_in_the_past, born)
        _first_error(errors, "date_of_birth", old_enough, born, referral.service)
    if data.get("phone"):
        _first_error(errors, "phone", phone_number, data["phone"])
    if data.get("sentence_end_date"):
        _first_error(
            errors, "sentence_end_date", sentence_still_running, data["sentence_end_date"], referral
        )
    if "setting" in data or CUSTODY_FIELDS.keys() & data.keys():
        in_custody = data.get("setting", referral.setting) == CUSTODY
        for name, (needed, refused) in CUSTODY_FIELDS.items():
            value = data[name] if name in data else getattr(referral, name)
            if in_custody and value in (None, ""):
                errors.setdefault(name, needed)
            elif not in_custody and data.get(name) not in (None, ""):
                errors.setdefault(name, refused)
    return errors


def referral_cleared(referral, data: dict) -> dict:
    """`data` as it is saved: an answer that the person is not in custody clears the
    prison and the release date."""
    if "setting" in data and data["setting"] != CUSTODY:
        return {**data, "prison": "", "expected_release_date": None}
    return data


def risk_errors(data: dict) -> dict[str, str]:
    """What in `data`, a change to a referral's risk information, breaks a rule."""
    errors: dict[str, str] = {}
    if data.get("last_assessed_on"):
        _first_error(errors, "last_assessed_on", assessed_by_today, data["last_assessed_on"])
    return errors


def raise_errors(errors: dict[str, str], **more: str) -> None:
    """Refuse with every message, by field, if there is any."""
    found = {**more, **errors}
    if found:
        raise ValidationError({name: [message] for name, message in found.items()})
