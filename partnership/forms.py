"""GOV.UK form rendering and the shared forms (sign in, API tokens)."""

import html

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.http import Http404
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe

from partnership.errors import DomainError, InvalidInput, NotPermitted
from partnership.models import ApiToken
from partnership.validators import (
    INTEGER_MAX,
    LINE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    date_range_validator,
    multi_line,
    single_line,
)

_WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.FileInput: "govuk-file-upload",
    forms.CheckboxInput: "govuk-checkboxes__input",
}


class GovukFormRenderer(TemplatesSetting):
    """Renders `{{ form }}` and `{{ field.as_field_group }}` as GOV.UK form groups."""

    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


class GovukFormMixin:
    """Adds GOV.UK classes to widgets and marks fields with errors; bounds every field that
    does not bound itself, so that nothing typed reaches the database unchecked: text has a
    length (its column's, or `TEXT_MAX_LENGTH` in a box of several lines and
    `LINE_MAX_LENGTH` on one line), whole numbers fit an integer column and dates are in the
    years the pages take (a date of birth from 1900 to today)."""

    # Conditional reveals (GOV.UK radios with conditional content): {controlling radios:
    # (the answer that reveals, {revealed field: its message when left empty, or ""})}.
    # An answer that hides them clears what they hold; one that shows them asks for them.
    reveals: dict[str, tuple[str, dict[str, str]]] = {}
    # Boxes of several lines count their characters (GOV.UK character count).
    character_count = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.revealed_names = set()
        for controller, (answer, revealed) in self.reveals.items():
            if controller not in self.fields:
                continue
            old = self.fields[controller].widget
            radios = GovukRadios(attrs=old.attrs, choices=old.choices)
            radios.reveal = answer
            self.fields[controller].widget = radios
            self.fields[controller].revealed_names = [n for n in revealed if n in self.fields]
            self.revealed_names.update(self.fields[controller].revealed_names)
        for name, field in self.fields.items():
            _bound_field(name, field)
            if isinstance(field.widget, forms.NumberInput):
                # GOV.UK asks for text inputs with a numeric keyboard, not type=number.
                attrs = {
                    k: v for k, v in field.widget.attrs.items() if k not in ("min", "max", "step")
                }
                field.widget = forms.TextInput(attrs={**attrs, "inputmode": "numeric"})
            if type(field.widget) is forms.Select:
                field.widget = GovukSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            widget = field.widget
            css = next(
                (c for kind, c in _WIDGET_CLASSES.items() if isinstance(widget, kind)),
                "govuk-input",
            )
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            described = []
            if self.character_count and isinstance(widget, forms.Textarea) and field.max_length:
                field.character_count = True
                widget.attrs["class"] += " govuk-js-character-count"
                described.append(f"{self[name].auto_id}-info")
            if field.help_text:
                described.append(f"{self[name].auto_id}-hint")
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)

    def _clean_fields(self):
        super()._clean_fields()
        for controller, (answer, revealed) in self.reveals.items():
            if controller not in self.fields:
                continue
            shown = str(self[controller].data or "") == answer
            for name, message in revealed.items():
                if name not in self.fields:
                    continue
                if not shown:
                    # Hidden by the answer: what it held is ignored, and cleared.
                    self._errors.pop(name, None)
                    field = self.fields[name]
                    self.cleaned_data[name] = "" if isinstance(field, forms.CharField) else None
                elif (
                    message
                    and name not in self._errors
                    and self.cleaned_data.get(name) in (None, "")
                ):
                    self.add_error(name, message)

    def full_clean(self):
        # Fields a subclass adds after __init__ (an amendment reason) are bounded too.
        for name, field in self.fields.items():
            _bound_field(name, field)
        super().full_clean()
        self._mark_errors()

    def add_error(self, field, error):
        super().add_error(field, error)
        # An error a service adds after validation gets the red border and inline message too.
        if getattr(self, "cleaned_data", None) is not None:
            self._mark_errors()

    def _mark_errors(self):
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            base = widget.attrs["class"].split()[0]
            if f"{base}--error" not in widget.attrs["class"] and base in (
                "govuk-input",
                "govuk-textarea",
                "govuk-select",
            ):
                widget.attrs["class"] += f" {base}--error"
            described = widget.attrs.get("aria-describedby", "")
            error_id = f"{self[name].auto_id}-error"
            if error_id not in described:
                widget.attrs["aria-describedby"] = f"{described} {error_id}".strip()


def _noun(field: forms.Field, name: str) -> str:
    label = str(field.label or name.replace("_", " "))
    return label[0].upper() + label[1:]


def _bound_field(name: str, field: forms.Field) -> None:
    """Give a form field the bounds it does not declare itself (once)."""
    if getattr(field, "bounded", False):
        return
    field.bounded = True
    if isinstance(field, forms.CharField):
        # Line breaks only where the box takes several lines: a name with "\r\nBcc:"
        # would break the email about that person.
        field.validators.append(
            multi_line if isinstance(field.widget, forms.Textarea) else single_line
        )
    if isinstance(field, forms.CharField) and not any(
        isinstance(v, MaxLengthValidator) for v in field.validators
    ):
        # A max_length set after the field was made (as Django's sign-in form does) has no
        # validator of its own.
        multiline = isinstance(field.widget, forms.Textarea)
        field.max_length = field.max_length or (TEXT_MAX_LENGTH if multiline else LINE_MAX_LENGTH)
        field.validators.append(
            MaxLengthValidator(
                field.max_length,
                message=f"{_noun(field, name)} must be {field.max_length:,} characters or fewer",
            )
        )
    elif isinstance(field, forms.IntegerField):
        noun = _noun(field, name)
        if field.max_value is None:
            field.max_value = INTEGER_MAX
            field.validators.append(
                MaxValueValidator(INTEGER_MAX, message=f"{noun} must be {INTEGER_MAX:,} or less")
            )
        if field.min_value is None:
            field.min_value = -INTEGER_MAX
            field.validators.append(
                MinValueValidator(-INTEGER_MAX, message=f"{noun} must be {-INTEGER_MAX:,} or more")
            )
    elif isinstance(field, (forms.DateField, GovukDateField)) and not isinstance(
        field, forms.DateTimeField
    ):
        validator = date_range_validator(name)
        if validator not in field.validators:
            field.validators.append(validator)


class SignInForm(GovukFormMixin, AuthenticationForm):
    """Email and password; the error never says whether the account exists."""

    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "Enter a correct email address and password",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "class": "govuk-input"}
        )
        self.fields["username"].error_messages = {"required": "Enter your email address"}
        self.fields["password"].error_messages = {"required": "Enter your password"}
        self.fields["password"].widget.attrs["class"] = (
            "govuk-input govuk-password-input__input govuk-js-password-input-input"
        )

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, username=email.strip(), password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ApiTokenForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Name",
        help_text="What the token is for, such as the name of your case management system",
        max_length=100,
        error_messages={"required": "Enter a name for the token"},
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=ApiToken.Scope.choices,
        widget=forms.RadioSelect,
        initial=ApiToken.Scope.READ,
        error_messages={"required": "Select what the token may do"},
    )
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        max_value=365,
        initial=90,
        error_messages={
            "required": "Enter how many days the token lasts",
            "invalid": "Days until it expires must be a whole number, like 90",
            "min_value": "A token must last at least 1 day",
            "max_value": "A token can last at most 365 days",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].widget.attrs.update(
            {"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"}
        )


class ReadyChoices(BaseChoiceIterator):
    """Choices already as (value, label) pairs, given to a field as they are: Django
    normalises a plain list twice on every form (field and widget), a pass over each of a
    thousand services in a work list's service filter."""

    def __init__(self, choices: list[tuple]):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


class GovukSelect(forms.Select):
    """A select written out in Python rather than by a template an option: the service
    filter of a large provider's referrals lists over a thousand services, and their option
    templates were most of the page's time. The same HTML as Django's own select."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        escape = html.escape
        marked: list[str] = []  # a single select marks its first match only, as Django's

        def option(option_value, label) -> str:
            text = "" if option_value is None else str(option_value)
            selected = text in chosen and (self.allow_multiple_selected or not marked)
            if selected:
                marked.append(text)
            flag = " selected" if selected else ""
            # The standard library's escape, as Django's own does, without its lazy-string
            # wrapper: a call per option of a thousand.
            return f'<option value="{escape(text)}"{flag}>{escape(str(label))}</option>'

        parts = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                inner = "".join(option(value, text) for value, text in label)
                parts.append(f'<optgroup label="{escape(str(option_value))}">{inner}</optgroup>')
            else:
                parts.append(option(option_value, label))
        # Every value, label and attribute above is escaped.
        return mark_safe(f"<select{flatatt(final)}>{''.join(parts)}</select>")  # noqa: S308


class GovukRadios(forms.RadioSelect):
    """Radios whose `reveal` answer shows conditional content (GOV.UK conditional reveal)."""

    reveal: str | None = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self.reveal is not None and str(value) == self.reveal:
            option["conditional_id"] = f"conditional-{option['attrs']['id']}"
            option["attrs"]["data-aria-controls"] = option["conditional_id"]
        return option


class GovukDateWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes."""

    template_name = "forms/govuk_date_input.html"

    def __init__(self, attrs=None):
        part = {"inputmode": "numeric"}
        super().__init__(
            [forms.TextInput(part), forms.TextInput(part), forms.TextInput(part)], attrs
        )

    def decompress(self, value):
        if value:
            return [value.day, value.month, value.year]
        return [None, None, None]


DATE_PARTS = ("day", "month", "year")
# When a date must be: the words after "<Label> must be".
DATE_WHEN = {
    "past": "in the past",
    "future": "in the future",
    "today_or_past": "today or in the past",
    "today_or_future": "today or in the future",
}


class GovukDateField(forms.Field):
    """A date entered as day, month and year, with the GOV.UK date input's error messages,
    one a field, named by the field's label: "Enter the date of birth", "Date of birth must
    include a month", "Date of birth must be a real date", "Year must include 4 numbers",
    and, with `when` ("past", "future", "today_or_past", "today_or_future"), "Date of birth
    must be in the past". A form may change `when` on its own copy of the field."""

    widget = GovukDateWidget

    def __init__(self, *, label: str, when: str | None = None, **kwargs):
        self.noun = label[0].lower() + label[1:]
        self.title = label[0].upper() + label[1:]
        self.when = when
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter the {self.noun}")
        kwargs["error_messages"].setdefault("invalid", f"{self.title} must be a real date")
        super().__init__(label=label, **kwargs)

    def _error(self, message: str, code: str) -> forms.ValidationError:
        return forms.ValidationError(message, code=code)

    def to_python(self, value):
        import datetime

        if isinstance(value, datetime.date):
            return value
        parts = [str(part).strip() if part is not None else "" for part in (value or [])]
        parts = (parts + ["", "", ""])[:3]
        if not any(parts):
            return None
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            raise self._error(
                f"{self.title} must include a {' and '.join(missing)}", code="incomplete"
            )
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise self._error(self.error_messages["invalid"], code="invalid")
        if len(parts[2]) != 4:
            raise self._error("Year must include 4 numbers", code="year_digits")
        day, month, year = (int(part) for part in parts)
        try:
            return datetime.date(year, month, day)
        except (ValueError, OverflowError) as exc:
            raise self._error(self.error_messages["invalid"], code="invalid") from exc

    def validate(self, value):
        super().validate(value)
        if value is None or not self.when:
            return
        from django.utils import timezone

        today = timezone.localdate()
        allowed = {
            "past": value < today,
            "future": value > today,
            "today_or_past": value <= today,
            "today_or_future": value >= today,
        }[self.when]
        if not allowed:
            raise self._error(f"{self.title} must be {DATE_WHEN[self.when]}", code=self.when)

    def run_validators(self, value):
        # One message a field: the first bound the date breaks.
        if value in self.empty_values:
            return
        for validator in self.validators:
            try:
                validator(value)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.messages[0], code=exc.code) from exc

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True


class MoneyField(forms.IntegerField):
    """An amount of whole pounds as people write it: "£150,000", "150000" or "150,000.00".
    The page shows it with GOV.UK's "£" prefix (`prefix`)."""

    prefix = "£"

    def __init__(self, *, label: str, **kwargs):
        noun = label.removesuffix(" (£)")
        noun = noun[0].lower() + noun[1:]
        kwargs.setdefault("min_value", 0)
        messages = {
            "required": f"Enter the {noun}",
            "invalid": f"The {noun} must be a whole number of pounds, like £75,000",
            "min_value": f"The {noun} cannot be negative",
            "max_value": f"The {noun} must be £%(limit_value)s or less",
        }
        messages.update(kwargs.pop("error_messages", {}) or {})
        super().__init__(label=label, error_messages=messages, **kwargs)
        self.widget.attrs.setdefault("spellcheck", "false")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("£", "", 1).replace(",", "").replace(" ", "")
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("min", None)
        attrs.pop("max", None)
        attrs.pop("step", None)
        return attrs


def apply_domain_error(form: forms.Form, exc, *, fields: dict[str, str] | None = None) -> None:
    """Put a service's refusal on the form, for the GOV.UK error summary: a Django
    `ValidationError` field by field (see `apply_validation_error`), an `InvalidInput` on its
    field, any other `DomainError` (a state conflict) at the top of the summary.

    `NotPermitted` is not shown on a form: the page answers 404, as for anything out of the
    user's scope (DESIGN, Access rules)."""
    if isinstance(exc, NotPermitted):
        raise Http404("Not permitted") from exc
    if isinstance(exc, InvalidInput):
        field = (fields or {}).get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
    elif isinstance(exc, DomainError):
        for reason in exc.reasons:
            form.add_error(None, reason)
    else:
        apply_validation_error(form, exc, fields=fields)


def apply_validation_error(form: forms.Form, exc, *, fields: dict[str, str] | None = None) -> None:
    """Put a service layer's ValidationError on the form: on its field where the form has
    one (`fields` names the form's field for a model field it asks for differently), at
    the top of the error summary where it has not."""
    for field, errors in (
        exc.message_dict if hasattr(exc, "message_dict") else {None: exc.messages}
    ).items():
        field = (fields or {}).get(field, field)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
