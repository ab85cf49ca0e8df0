"""Forms people fill in about capacity: acknowledging an alert."""

from __future__ import annotations

from django import forms

from capacity.services import NOTE_MAX_LENGTH, NOTE_REQUIRED
from partnership.forms import GovukFormMixin


class AcknowledgeForm(GovukFormMixin, forms.Form):
    note = forms.CharField(
        label="What is being done about it?",
        help_text="Everyone who sees this alert will read this.",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": NOTE_REQUIRED},
    )
