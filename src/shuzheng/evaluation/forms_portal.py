"""Forms of the 好差评 portal pages (the public hall/window QR page)."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.evaluation.constants import EvaluationChannel
from shuzheng.evaluation.forms_common import RatingForm


class QrRatingForm(RatingForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, channel=EvaluationChannel.QR, **kwargs)
        self.fields["phone"] = forms.CharField(
            label="联系电话（可选）",
            required=False,
            max_length=20,
            help_text="留下手机号码，便于我们就您的意见回访；号码加密保存，仅用于回访。",
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "numeric"}),
            error_messages={"max_length": "手机号码过长。"},
        )
