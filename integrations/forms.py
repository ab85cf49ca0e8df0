"""The form a provider admin or a practitioner adds a webhook endpoint with."""

from django import forms

from integrations.addresses import url_refusal
from integrations.events import EVENT_TYPE_LABELS
from integrations.rules import PDU, Owner
from partnership.forms import GovukFormMixin


class WebhookEndpointForm(GovukFormMixin, forms.Form):
    url = forms.URLField(
        label="URL",
        help_text="The HTTPS address of your case management system that receives the events",
        max_length=500,
        assume_scheme="https",
        error_messages={
            "required": "Enter the URL events are sent to",
            "invalid": "Enter a URL, like https://example.org/webhooks",
        },
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        help_text="Select every event your system wants to be told of",
        choices=list(EVENT_TYPE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the events to be told of"},
    )
    description = forms.CharField(
        label="Description (optional)",
        help_text="For example, the name of the system",
        max_length=200,
        required=False,
    )

    def __init__(self, *args, owner: Owner, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the events the user's side may choose.
        self.fields["event_types"].choices = [
            (event_type, EVENT_TYPE_LABELS[event_type]) for event_type in owner.event_types
        ]
        if owner is PDU:
            self.fields[
                "url"
            ].help_text = (
                "The HTTPS address of your PDU's case management system that receives the events"
            )

    def clean_url(self) -> str:
        # Asked here too, so the page says everything wrong at once; the service asks again.
        url = self.cleaned_data["url"]
        refusal = url_refusal(url)
        if refusal:
            raise forms.ValidationError(refusal)
        return url
