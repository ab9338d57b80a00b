"""Django forms of the case pages: parsing, labels and accessibility only.

The rules (the item's JSON Schema, which materials are needed, what each workflow action requires) live in
the services; these forms only turn posted text into the values the services take, and place the
services' Chinese field errors next to the right inputs.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from shuzheng.cases import form_privacy
from shuzheng.cases.constants import (
    ApplicantKind,
    CaseChannel,
    CaseStatus,
    DeadlineState,
    DeliveryMethod,
    SuspensionKind,
)
from shuzheng.core.forms import ServiceErrorsForm

CORRECTION_ROWS = 5


def new_idempotency_key() -> str:
    return f"web-{uuid.uuid4().hex}"


# --- the application form, generated from the item version's JSON Schema ---------------------------


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


# --- intake at the window and online application --------------------------------------------------


class ApplyForm(ServiceErrorsForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class IntakeForm(ServiceErrorsForm):
    field_map = {
        "applicant": "applicant_name",
        "applicant.kind": "applicant_kind",
        "applicant.name": "applicant_name",
        "applicant.id_number": "id_number",
        "applicant.uscc": "uscc",
        "applicant.mobile": "mobile",
        "hall_id": "hall",
        "window_id": "window",
    }

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    applicant_kind = forms.ChoiceField(
        label="申请人类型",
        choices=ApplicantKind.choices,
        initial=ApplicantKind.PERSON,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择申请人类型。", "invalid_choice": "申请人类型应为自然人或法人。"},
    )
    applicant_name = forms.CharField(
        label="申请人姓名或单位名称", required=False, max_length=128, strip=True,
        error_messages={"max_length": "姓名或名称不能超过128个字。"},
    )  # fmt: skip
    id_number = forms.CharField(
        label="身份证号码",
        required=False,
        max_length=18,
        strip=True,
        help_text="自然人填写本人号码；法人填写经办人号码（可选）。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "身份证号码应为18位。"},
    )
    uscc = forms.CharField(
        label="统一社会信用代码",
        required=False,
        max_length=18,
        strip=True,
        help_text="法人申请时填写。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "统一社会信用代码应为18位。"},
    )
    mobile = forms.CharField(
        label="联系电话", required=False, max_length=11, strip=True,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        error_messages={"max_length": "手机号码应为11位。"},
    )  # fmt: skip
    cross_region = forms.BooleanField(
        label="跨省通办代收（为外地收件，受理后转办至目标地区）", required=False
    )
    target_region = forms.CharField(
        label="目标地区行政区划代码",
        required=False,
        max_length=12,
        strip=True,
        help_text="跨省通办代收时填写，如 510104（四川省成都市锦江区）。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        error_messages={"max_length": "行政区划代码最多12位。"},
    )
    hall = forms.TypedChoiceField(label="受理大厅", required=False, coerce=int, empty_value=None)
    window = forms.TypedChoiceField(label="受理窗口", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, halls: list[Any], windows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hall_field: Any = self.fields["hall"]
        window_field: Any = self.fields["window"]
        hall_field.choices = [("", "请选择"), *((h.pk, h.name) for h in halls)]
        window_field.choices = [
            ("", "不指定窗口"),
            *((w.pk, f"{w.hall.name} {w.number}号 {w.name}（{w.get_kind_display()}）") for w in windows),
        ]
        for name in ("hall", "window"):
            self.fields[name].error_messages["invalid_choice"] = "请从列表中选择。"


# --- the queue --------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=64,
        strip=True,
        help_text="办件编号、申请人身份证号码、统一社会信用代码或姓名全称（精确匹配）。",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "搜索内容过长。"},
    )
    item = forms.CharField(
        label="事项实施编码",
        required=False,
        max_length=64,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "实施编码过长。"},
    )
    state = forms.ChoiceField(
        label="时限状态",
        required=False,
        choices=[("", "全部"), *((v, label) for v, label in DeadlineState.choices if v != "closed")],
        error_messages={"invalid_choice": "时限状态无效。"},
    )
    status = forms.ChoiceField(
        label="办件状态",
        required=False,
        choices=[("", "待办（不含已送达）"), *CaseStatus.choices],
        error_messages={"invalid_choice": "办件状态无效。"},
    )
    channel = forms.ChoiceField(
        label="申请渠道",
        required=False,
        choices=[("", "全部"), *CaseChannel.choices],
        error_messages={"invalid_choice": "申请渠道无效。"},
    )
    mine = forms.BooleanField(label="只看我经办的", required=False)


# --- workflow actions -------------------------------------------------------------------------------


def _note(label: str = "说明（可选）", rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": f"{label.split('（')[0]}不能超过2000个字。"},
    )


class ActionForm(ServiceErrorsForm):
    """One workflow action; ``data_for_service`` gives the keyword arguments of `case_transition`."""

    passes: tuple[str, ...] = ("note",)

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.passes if name in self.cleaned_data}


class NoteForm(ActionForm):
    note = _note()


class AcceptWithDeferralForm(ActionForm):
    passes = ("note", "deferred", "deferred_due")
    deferred = forms.MultipleChoiceField(
        label="容缺的材料", required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "请从列表中选择容缺的材料。"},
    )  # fmt: skip
    deferred_due = forms.DateField(
        label="补交期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "补交期限格式应为 年-月-日。"},
    )
    note = _note()

    def __init__(self, *args: Any, choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["deferred"]
        field.choices = choices or []

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        data["deferred"] = list(data.get("deferred") or [])
        return data


class ReasonsForm(ActionForm):
    passes = ("reasons", "legal_basis")
    reasons = _note("理由", rows=3)
    legal_basis = _note("法律依据", rows=2)


class CorrectionForm(ActionForm):
    passes = ("note",)
    respond_days = forms.IntegerField(
        label="补正期限（工作日）",
        required=False,
        initial=5,
        min_value=1,
        max_value=60,
        error_messages={
            "invalid": "补正期限应为整数（工作日）。",
            "min_value": "补正期限至少1个工作日。",
            "max_value": "补正期限最多60个工作日。",
        },
    )
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(CORRECTION_ROWS):
            self.fields[f"target_{index}"] = forms.CharField(
                label=f"第{index + 1}项：需补正的材料或事项", required=False, max_length=200, strip=True,
                error_messages={"max_length": "最多200个字。"},
            )  # fmt: skip
            self.fields[f"reason_{index}"] = forms.CharField(
                label=f"第{index + 1}项：补正要求", required=False, max_length=500, strip=True,
                error_messages={"max_length": "最多500个字。"},
            )  # fmt: skip

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"target_{i}"], self[f"reason_{i}"]) for i in range(CORRECTION_ROWS)]

    def field_for(self, service_field: str) -> str | None:
        if service_field.startswith("items["):
            index, _, part = service_field[6:].partition("]")
            name = f"{part.lstrip('.') or 'target'}_{index}"
            return name if name in self.fields else None
        if service_field == "items":
            return "target_0"
        return super().field_for(service_field)

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        items = []
        for index in range(CORRECTION_ROWS):
            target = self.cleaned_data.get(f"target_{index}") or ""
            reason = self.cleaned_data.get(f"reason_{index}") or ""
            if target or reason:
                items.append({"target": target, "reason": reason})
        data["items"] = items
        if self.cleaned_data.get("respond_days") is not None:
            data["respond_days"] = self.cleaned_data["respond_days"]
        return data


class SuspendForm(ActionForm):
    passes = ("kind", "reason")
    kind = forms.ChoiceField(
        label="特别程序", choices=[("", "请选择"), *SuspensionKind.choices], required=False,
        error_messages={"invalid_choice": "请从列表中选择特别程序。"},
    )  # fmt: skip
    reason = _note("原因", rows=2)


class DeliverForm(ActionForm):
    field_map = {"result_upload_id": "result_file"}
    passes = ("method", "note")
    method = forms.ChoiceField(
        label="送达方式", choices=[("", "请选择"), *DeliveryMethod.choices], required=False,
        error_messages={"invalid_choice": "请从列表中选择送达方式。"},
    )  # fmt: skip
    result_file = forms.FileField(
        label="办理结果文件（电子送达时上传，可选）",
        required=False,
        help_text="PDF、JPG、PNG 或 OFD。",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}),
    )
    note = _note()


class WithdrawForm(ActionForm):
    passes = ("reason",)
    reason = _note("撤回原因（可选）", rows=2)


class RemoteReferenceForm(ServiceErrorsForm):
    reference = forms.CharField(
        label="对方受理编号", required=False, max_length=64, strip=True,
        error_messages={"max_length": "对方受理编号不能超过64个字符。"},
    )  # fmt: skip


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": NoteForm,
    "accept_with_deferral": AcceptWithDeferralForm,
    "reject": ReasonsForm,
    "request_correction": CorrectionForm,
    "forward": NoteForm,
    "start_review": NoteForm,
    "complete_step": NoteForm,
    "suspend": SuspendForm,
    "resume": NoteForm,
    "approve": ReasonsForm,
    "refuse": ReasonsForm,
    "deliver": DeliverForm,
    "conclude": NoteForm,
    "withdraw": WithdrawForm,
}


class CorrectionResponseForm(ServiceErrorsForm):
    note = _note("补正说明", rows=3)
