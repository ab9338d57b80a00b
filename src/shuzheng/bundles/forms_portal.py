"""Forms of the 一件事 portal pages: browsing filters, the combined application form (shared fields once, then
each item's own fields, from their JSON Schemas) and the one answer to several corrections."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.bundles import rules
from shuzheng.bundles.constants import Theme
from shuzheng.bundles.prefill import Prefill
from shuzheng.bundles.selectors import BundleGuide
from shuzheng.cases.forms_common import SchemaForm, new_idempotency_key


class BrowseForm(forms.Form):
    theme = forms.ChoiceField(label="主题", choices=[("", "全部"), *Theme.choices], required=False)
    q = forms.CharField(label="搜索", max_length=100, required=False)


class ApplyForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class CorrectionAnswerForm(forms.Form):
    note = forms.CharField(
        label="补正说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CombinedForm:
    """The shared fields (asked once) and, per member, the fields it asks itself."""

    def __init__(
        self, guide: BundleGuide, data: Any = None, *, identity: dict[str, str], prefill: Prefill
    ) -> None:
        version = guide.version
        self.apply = ApplyForm(data, initial={"idempotency_key": new_idempotency_key()})
        self.shared = SchemaForm(rules.shared_schema(version.shared_fields), data, prefix="shared")
        self.problems = list(prefill.problems.values())
        correctable = {f["name"] for f in version.shared_fields if f["schema"].get("x-correctable")}
        for name, filled in prefill.values.items():
            field = self.shared.fields.get(name)
            if field is None:
                continue
            field.initial = filled.value
            field.help_text = f"免填写：取自{filled.source}" + (
                "，如有变化可修改" if name in correctable else ""
            )
            field.disabled = name not in correctable
        self.own: list[tuple[Any, SchemaForm]] = []
        for member in guide.members:
            if member.live is None or not member.own_fields:
                continue
            schema = member.live.form_schema or {}
            props = schema.get("properties") or {}
            own_schema = {
                "type": "object",
                "properties": {n: props[n] for n in member.own_fields if n in props},
                "required": [n for n in schema.get("required") or [] if n in member.own_fields],
            }
            self.own.append(
                (member, SchemaForm(own_schema, data, prefix=f"own{member.position}", identity=identity))
            )

    def is_valid(self) -> bool:
        results = [self.apply.is_valid(), self.shared.is_valid(), *(f.is_valid() for _, f in self.own)]
        return all(results)

    def shared_data(self) -> dict[str, Any]:
        return self.shared.form_data()

    def own_data(self) -> dict[str, dict[str, Any]]:
        return {member.item_code: form.form_data() for member, form in self.own}

    def place(self, field: str, message: str) -> bool:
        """Put a service error on the input it names; False when no input does."""
        parts = field.split(".")
        if parts[0] == "shared" and len(parts) == 2 and parts[1] in self.shared.fields:
            self.shared.add_error(parts[1], message)
            return True
        if parts[0] in ("own", "children") and len(parts) >= 3:
            name = parts[-1]
            for member, form in self.own:
                if member.item_code == parts[1] and name in form.fields:
                    form.add_error(name, message)
                    return True
        return False


class EvaluationForm(forms.Form):
    level = forms.TypedChoiceField(
        label="整体满意度",
        coerce=int,
        choices=[(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")],
    )
    comment = forms.CharField(
        label="评价内容（可选）", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
