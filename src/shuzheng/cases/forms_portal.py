"""Django forms of the citizen portal: online application and the answer to a correction request."""

from __future__ import annotations

from django import forms

from shuzheng.cases.forms_common import note_field
from shuzheng.core.forms import ServiceErrorsForm


class ApplyForm(ServiceErrorsForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class CorrectionResponseForm(ServiceErrorsForm):
    note = note_field("补正说明", rows=3)
