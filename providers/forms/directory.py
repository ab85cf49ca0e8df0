"""The directory's search form: every filter optional, each checked with a specific message."""

from django import forms

from partnership.forms import GovukFormMixin, ReadyChoices
from partnership.models import Pdu, Region, ServiceCategory
from providers.models import Population, Service, SizeBand
from providers.selectors import DirectoryFilters

ANY = ""


def _pdu_choices() -> list:
    """PDUs grouped by region, for a select with optgroups."""
    groups: dict[str, list] = {}
    pdus = Pdu.objects.order_by("region__name", "name").values_list("pk", "name", "region__name")
    for pk, name, region in pdus:
        groups.setdefault(region, []).append((str(pk), name))
    return [(ANY, "Any PDU"), *groups.items()]


class DirectorySearchForm(GovukFormMixin, forms.Form):
    q = forms.CharField(
        label="Search services",
        required=False,
        max_length=200,
        help_text="For example housing, mentoring or the name of an organisation",
    )
    category = forms.ChoiceField(label="Category", required=False)
    pdu = forms.ChoiceField(label="Probation Delivery Unit (PDU)", required=False)
    region = forms.ChoiceField(label="Region", required=False)
    sex = forms.ChoiceField(
        label="The person is",
        required=False,
        widget=forms.RadioSelect,
        choices=[(ANY, "Any"), (Service.Sex.FEMALE, "A woman"), (Service.Sex.MALE, "A man")],
    )
    age = forms.IntegerField(
        label="The person's age",
        required=False,
        min_value=18,
        max_value=120,
        error_messages={
            "invalid": "Enter the person's age as a whole number, like 34",
            "min_value": "Services here are for adults: enter an age of 18 or more",
            "max_value": "Enter an age of 120 or less",
        },
    )
    setting = forms.ChoiceField(
        label="Setting", required=False, choices=[(ANY, "Any setting"), *Service.Setting.choices]
    )
    population = forms.ChoiceField(
        label="Population served",
        required=False,
        choices=[(ANY, "Any population"), *Population.choices],
    )
    size_band = forms.ChoiceField(
        label="Organisation size",
        required=False,
        choices=[(ANY, "Any size"), *[c for c in SizeBand.choices if c[0] != SizeBand.UNKNOWN]],
    )
    include_paused = forms.BooleanField(label="Include paused services", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Given as they are (ReadyChoices): Django would normalise each list twice a request.
        self.fields["category"].choices = ReadyChoices(
            [
                (ANY, "Any category"),
                *ServiceCategory.objects.order_by("name").values_list("slug", "name"),
            ]
        )
        self.fields["pdu"].choices = ReadyChoices(_pdu_choices())
        self.fields["region"].choices = ReadyChoices(
            [(ANY, "Any region"), *Region.objects.order_by("name").values_list("code", "name")]
        )
        self.fields["category"].error_messages["invalid_choice"] = "Choose a category from the list"
        self.fields["pdu"].error_messages["invalid_choice"] = "Choose a PDU from the list"
        self.fields["region"].error_messages["invalid_choice"] = "Choose a region from the list"
        self.fields["age"].widget.attrs.update(
            {"class": "govuk-input govuk-input--width-3", "inputmode": "numeric"}
        )

    def filters(self) -> DirectoryFilters:
        data = self.cleaned_data
        return DirectoryFilters(
            q=data["q"],
            category=data["category"],
            pdu=int(data["pdu"]) if data["pdu"] else None,
            region=data["region"],
            sex=data["sex"],
            age=data["age"],
            setting=data["setting"],
            population=data["population"],
            size_band=data["size_band"],
            include_paused=data["include_paused"],
        )

    def selected(self) -> list[dict]:
        """The filters in use, each with its label and the query string that removes it."""
        if not self.is_valid():
            return []
        chosen = []
        for name in [
            "category",
            "pdu",
            "region",
            "sex",
            "age",
            "setting",
            "population",
            "size_band",
        ]:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            field = self.fields[name]
            label = _choice_label(field, str(value)) if hasattr(field, "choices") else str(value)
            remaining = self.data.copy()
            remaining[name] = ""
            remaining.pop("page", None)
            chosen.append({"field": field.label, "label": label, "remove": remaining.urlencode()})
        return chosen


def _choice_label(field, value: str) -> str:
    for key, label in field.choices:
        if isinstance(label, (list, tuple)):
            for inner_key, inner_label in label:
                if str(inner_key) == value:
                    return inner_label
        elif str(key) == value:
            return str(label)
    return value
