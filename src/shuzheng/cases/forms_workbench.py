"""Django forms of the staff workbench: intake at the window (一窗受理), the queue filter, and one form per
workflow action (parsing and labels only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.cases.constants import (
    ApplicantKind,
    CaseChannel,
    CaseStatus,
    DeadlineState,
    DeliveryMethod,
    SuspensionKind,
)
from shuzheng.cases.forms_common import ActionForm, WithdrawForm, note_field
from shuzheng.core.forms import ServiceErrorsForm

CORRECTION_ROWS = 5


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


class NoteForm(ActionForm):
    note = note_field()


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
    note = note_field()

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
    reasons = note_field("理由", rows=3)
    legal_basis = note_field("法律依据", rows=2)


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
    note = note_field()

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
    reason = note_field("原因", rows=2)


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
    note = note_field()


class RevokeDecisionForm(ActionForm):
    passes = ("reason",)
    reason = note_field("撤销理由", rows=2)


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
    "revoke_decision": RevokeDecisionForm,
}
