"""The GOV.UK error summary (`includes/error_summary.html`), as every form page shows it:
each item links to an element the page has, never to "#" nor to an id no element holds. A
refusal of the whole page (a non-field error) links to the form's first question, or to the
main content when the form asks none (a confirmation)."""

import re

import pytest
from django import forms
from django.template import Context, Template

from partnership.forms import GovukDateField, GovukFormMixin

PAGE = Template(
    '<main id="main-content">{% include "includes/error_summary.html" %}'
    "<form>{{ form }}</form></main>"
)


def _summary_links(form) -> tuple[list[str], str]:
    html = PAGE.render(Context({"form": form}))
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]*)">', summary), html


class Confirm(GovukFormMixin, forms.Form):
    pass


class Hidden(GovukFormMixin, forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class Text(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name", required=False)


class Radios(GovukFormMixin, forms.Form):
    choice = forms.ChoiceField(
        label="Choice", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )


class Dated(GovukFormMixin, forms.Form):
    when = GovukDateField(label="Date", required=False)


class Boxes(GovukFormMixin, forms.Form):
    picks = forms.MultipleChoiceField(
        label="Picks", choices=[("a", "A")], widget=forms.CheckboxSelectMultiple, required=False
    )


@pytest.mark.parametrize(
    ("form_class", "data", "target"),
    [
        (Confirm, {}, "main-content"),
        (Hidden, {}, "main-content"),
        (Text, {}, "id_name"),
        (Radios, {"choice": "a"}, "id_choice_0"),
        (Dated, {}, "id_when_0"),
        (Boxes, {}, "id_picks_0"),
    ],
)
def test_a_page_level_error_links_to_an_element_the_page_has(form_class, data, target):
    form = form_class(data)
    assert form.is_valid()
    form.add_error(None, "A colleague has already decided on this referral")
    links, html = _summary_links(form)
    assert links == [f"#{target}"]
    assert f'id="{target}"' in html


def test_a_field_error_links_to_its_field_and_a_page_error_still_to_an_element():
    form = Radios({})
    assert not form.is_valid()
    form.add_error(None, "Something about the whole page")
    links, html = _summary_links(form)
    assert links == ["#id_choice_0", "#id_choice_0"]
    assert all(f'id="{link[1:]}"' in html for link in links)
    assert 'href="#"' not in html
