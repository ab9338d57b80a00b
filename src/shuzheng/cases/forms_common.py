"""Django forms of the case pages used by staff and applicants alike: the application form generated from
the item's JSON Schema, and the workflow action form base (withdrawal is both the applicant's and, on their
behalf, the clerk's).

The rules (the item's JSON Schema, which materials are needed, what each workflow action requires) live in
the services; these forms only turn posted text into the values the services take, and place the
services' Chinese field errors next to the right inputs.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from shuzheng.cases import form_privacy
from shuzheng.core.forms import ServiceErrorsForm


def new_idempotency_key() -> str:
    return f"web-{uuid.uuid4().hex}"


def _kind(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if "enum" in spec:
        return "enum"
    if kind == "string" and spec.get("format") == "date":
        return "date"
    return str(kind)


class SchemaForm(ServiceErrorsForm):
    """One input per property of the schema (string, enum, integer, number, date, boolean).

    Every field is optional here and only parsed: ``form_data()`` hands the values to the service, which
    validates them against the schema and names each bad field in Chinese ("必填", "应为整数" …).
    """

    def __init__(
        self,
        schema: dict[str, Any] | None,
        *args: Any,
        identity: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """`identity`: the applicant's values by column (``applicant_name`` …) to show in the read-only
        identity fields (免填写); None at the window, where they come from the applicant entered above."""
        kwargs.setdefault("prefix", "form")
        super().__init__(*args, **kwargs)
        schema = schema or {}
        self.kinds: dict[str, str] = {}
        self.enums: dict[str, dict[str, Any]] = {}
        self.bound_to_applicant = form_privacy.applicant_fields(schema)
        required = set(schema.get("required") or [])
        for name, spec in (schema.get("properties") or {}).items():
            spec = spec if isinstance(spec, dict) else {}
            kind = _kind(spec)
            self.kinds[name] = kind
            attrs: dict[str, Any] = {}
            if name in required:
                attrs["aria-required"] = "true"
            field: forms.Field
            if kind == "enum":
                values = list(spec.get("enum") or [])
                self.enums[name] = {str(v): v for v in values}
                field = forms.ChoiceField(
                    choices=[("", "请选择"), *((str(v), str(v)) for v in values)],
                    widget=forms.Select(attrs=attrs),
                )
            elif kind == "boolean":
                field = forms.BooleanField(widget=forms.CheckboxInput(attrs=attrs))
            elif kind in ("integer", "number"):
                attrs.update({"inputmode": "numeric" if kind == "integer" else "decimal"})
                for key, html in (("minimum", "min"), ("maximum", "max")):
                    if key in spec:
                        attrs[html] = spec[key]
                attrs["step"] = "1" if kind == "integer" else "any"
                field = forms.CharField(widget=forms.NumberInput(attrs=attrs))
            elif kind == "date":
                field = forms.CharField(widget=forms.DateInput(attrs={**attrs, "type": "date"}))
            else:
                max_length = spec.get("maxLength")
                if isinstance(max_length, int):
                    attrs["maxlength"] = max_length
                widget: forms.Widget = (
                    forms.Textarea(attrs={**attrs, "rows": 3})
                    if isinstance(max_length, int) and max_length > 100
                    else forms.TextInput(attrs=attrs)
                )
                field = forms.CharField(widget=widget, strip=True)
            field.required = False
            field.label = str(spec.get("title") or name)
            field.help_text = str(spec.get("description") or "")
            if "default" in spec:
                field.initial = spec["default"]
            setattr(field, "is_required", name in required)  # noqa: B010 - read by the template
            if name in self.bound_to_applicant:
                self._bind(
                    field, (identity or {}).get(self.bound_to_applicant[name]), online=identity is not None
                )
            self.fields[name] = field

    @staticmethod
    def _bind(field: forms.Field, value: str | None, *, online: bool) -> None:
        field.disabled = True
        field.initial = value or ""
        field.help_text = (
            "免填写：取自登录账号的实名信息。" if online else "免填写：按上方填写的申请人信息自动填入。"
        )

    def field_for(self, service_field: str) -> str | None:
        name = service_field.removeprefix("form_data.")
        return name if name in self.fields and name != service_field else None

    def form_data(self) -> dict[str, Any]:
        """The values to submit: empty inputs are left out, numbers parsed where they parse."""
        data: dict[str, Any] = {}
        cleaned = getattr(self, "cleaned_data", {})
        for name, kind in self.kinds.items():
            if name in self.bound_to_applicant:
                continue  # filled (and checked) by the service from the applicant's identity
            value: Any = cleaned.get(name)
            if kind == "boolean":
                data[name] = bool(value)
                continue
            if value in (None, ""):
                continue
            if kind == "enum":
                data[name] = self.enums[name].get(value, value)
            elif kind == "integer":
                try:
                    data[name] = int(value)
                except ValueError:
                    data[name] = value  # the schema names it: 应为整数
            elif kind == "number":
                try:
                    number = float(value)
                    data[name] = int(number) if number.is_integer() else number
                except ValueError:
                    data[name] = value
            else:
                data[name] = value
        return data


def note_field(label: str = "说明（可选）", rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": f"{label.split('（')[0]}不能超过2000个字。"},
    )


class ActionForm(ServiceErrorsForm):
    """One workflow action; ``data_for_service`` gives the data keyword arguments of its service."""

    passes: tuple[str, ...] = ("note",)

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.passes if name in self.cleaned_data}


class WithdrawForm(ActionForm):
    passes = ("reason",)
    reason = note_field("撤回原因（可选）", rows=2)
