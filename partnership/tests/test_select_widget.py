"""Selects are written out in Python (`GovukSelect`), with the same HTML as Django's own
select, so a list of a thousand services costs no template per option."""

from html.parser import HTMLParser

import pytest
from django import forms

from partnership.forms import GovukFormMixin, GovukSelect

CHOICES = [
    ("", "Any service"),
    (1, "Housing <first> steps"),
    (2, 'Women\'s "space" & more'),
    ("Group", [(3, "In a group"), (4, "Also in it")]),
    (5, "Last"),
]


class Elements(HTMLParser):
    """The elements and text in order, whitespace between tags left out."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def handle_starttag(self, tag, attrs):
        self.seen.append(("start", tag, sorted(attrs)))

    def handle_endtag(self, tag):
        self.seen.append(("end", tag))

    def handle_data(self, data):
        if data.strip():
            self.seen.append(("text", data))


def elements(html: str) -> list:
    parser = Elements()
    parser.feed(str(html))
    return parser.seen


@pytest.mark.parametrize("value", [None, "", 2, "3", 99])
def test_the_same_html_as_djangos_select(value):
    attrs = {"id": "id_service", "class": "govuk-select", "aria-describedby": "hint"}
    ours = GovukSelect(choices=CHOICES).render("service", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("service", value, attrs=attrs)
    assert elements(ours) == elements(django)
    # Labels and values are escaped, never markup.
    assert "<first>" not in ours and "&lt;first&gt;" in ours


def test_a_form_of_ours_uses_it_and_marks_the_chosen_service():
    class Filter(GovukFormMixin, forms.Form):
        service = forms.TypedChoiceField(required=False, coerce=int, choices=CHOICES)

    form = Filter({"service": "4"})
    assert isinstance(form.fields["service"].widget, GovukSelect)
    html = str(form["service"])
    assert '<option value="4" selected>Also in it</option>' in html
    assert html.count(" selected") == 1
    assert 'class="govuk-select"' in html and 'name="service"' in html


def test_ready_choices_are_used_as_given_and_validated_as_any_others():
    from partnership.forms import ReadyChoices

    class Filter(GovukFormMixin, forms.Form):
        service = forms.TypedChoiceField(required=False, coerce=int)

    form = Filter({"service": "4"})
    form.fields["service"].choices = ReadyChoices(CHOICES)
    assert form.is_valid() and form.cleaned_data["service"] == 4
    assert '<option value="4" selected>Also in it</option>' in str(form["service"])
    refused = Filter({"service": "99"})
    refused.fields["service"].choices = ReadyChoices(CHOICES)
    assert not refused.is_valid() and "service" in refused.errors
