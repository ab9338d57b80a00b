"""Django forms of the appeals workbench (hotline intake, dispatch centre, department work orders).

Parsing, labels and accessibility only: the rules (what a valid appeal is, who may act, which move the
workflow allows) live in the services, whose Chinese field errors these forms place next to the inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse

from shuzheng.appeals.constants import AppealChannel, AppealStatus, AppealType, Urgency, VisitResult
from shuzheng.appeals.forms_common import (
    MultipleFileInput,
    category_choices,
    division_choices,
    publish_consent_field,
)
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

MAX_FILES = 9
TEXTAREA = {"rows": 3}


def active_departments() -> Any:
    """Active departments in tree order: the choices of every department field."""
    return orgs_selectors.department_queryset().order_by("path")


class MultipleFileField(forms.FileField):
    """Several files in one input; the view reads them from ``request.FILES.getlist``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class DepartmentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _picker_label(department: Department) -> str:
    return f"{department.name}（{department.code}）"


class DepartmentPicker(forms.TextInput):
    """A text input with a datalist of every active department: the browser filters it as one types."""

    template_name = "appeals/widgets/department_picker.html"

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["options"] = dispatch_selectors.department_picker_labels()
        return context

    def format_value(self, value: Any) -> str | None:
        if orgs_selectors.is_department(value):
            return _picker_label(value)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            found = active_departments().filter(pk=int(value)).first()
            return _picker_label(found) if found else str(value)
        return super().format_value(value)


class DepartmentPickerField(forms.Field):
    """A department typed or picked by name: "名称（编码）" from the list, a unique name, a code, or an id."""

    widget = DepartmentPicker

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "输入部门名称的任意部分，从列表中选择")
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Department | None:
        text = str(value or "").replace("\x00", "").strip()
        if not text:
            if self.required:
                raise forms.ValidationError(f"请选择{self.label}")
            return None
        departments = active_departments()
        if text.isdigit():
            found = list(departments.filter(pk=int(text)))
        else:
            code = text[text.rfind("（") + 1 : -1] if text.endswith("）") and "（" in text else text
            found = list(departments.filter(code=code)) or list(departments.filter(name=text))
        if len(found) != 1:
            raise forms.ValidationError(f"{self.label}：没有名为“{text[:40]}”的启用部门，请从列表中选择")
        return found[0]


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


# --- hotline intake ---------------------------------------------------------------------------------


class IntakeForm(ServiceErrorsForm):
    """诉求登记: every field is passed to ``appeal_intake``, which validates and names bad fields."""

    channel = forms.ChoiceField(label="渠道", choices=AppealChannel.choices, initial=AppealChannel.HOTLINE)
    appeal_type = forms.ChoiceField(label="诉求类型", choices=AppealType.choices, initial=AppealType.CONSULT)
    # Select widgets over plain text: an unknown category or a division outside the city is refused by
    # the service with its own message (which names the division), not by a generic "invalid choice".
    category_code = forms.CharField(
        label="诉求分类", required=False, widget=forms.Select, help_text="留空则由派单规则或智能分类判定"
    )
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    title = forms.CharField(label="标题", required=False, max_length=200)
    text = forms.CharField(
        label="诉求内容",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="边录入边在右侧显示知识库答案与相似诉求",
    )
    division_code = forms.CharField(
        label="所在区划（镇街 / 村居）",
        widget=forms.Select,
        error_messages={"required": "请选择诉求所在的行政区划"},
    )
    grid_code = forms.CharField(
        label="网格编码", required=False, max_length=64, help_text="选填；村居的网格自动带出"
    )
    address = forms.CharField(label="详细地址", required=False, max_length=300)
    latitude = forms.CharField(label="纬度", required=False, max_length=32)
    longitude = forms.CharField(label="经度", required=False, max_length=32)
    is_anonymous = forms.BooleanField(label="匿名", required=False)
    publish_consent = publish_consent_field("诉求人同意公开诉求内容（须当面或电话中询问）")
    reporter_name = forms.CharField(label="诉求人姓名", required=False, max_length=64)
    reporter_phone = forms.CharField(label="联系电话", required=False, max_length=32)
    is_enterprise = forms.BooleanField(label="企业诉求（中小微企业快速响应）", required=False)
    enterprise_uscc = forms.CharField(label="统一社会信用代码", required=False, max_length=32)
    enterprise_name = forms.CharField(label="企业名称", required=False, max_length=200)
    direct_answer = forms.CharField(
        label="直接答复内容",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="咨询等当场答复的诉求：选用右侧知识库答案或填写答复后点“直接答复办结”",
    )
    knowledge_article_id = forms.IntegerField(
        label="引用知识库条目", required=False, widget=forms.HiddenInput
    )
    photos = MultipleFileField(
        label="现场照片（选填）",
        required=False,
        help_text=f"JPEG、PNG、WebP 或 GIF，最多{MAX_FILES}张",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_code"].widget.choices = category_choices(blank="（不选，由规则或智能分类判定）")
        self.fields["division_code"].widget.choices = division_choices(blank="请选择镇街或村（社区）")
        self.fields["reporter_phone"].widget.attrs.update(
            {
                "hx-get": reverse("appeals:workbench_intake_history"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#caller-history",
                "hx-swap": "outerHTML",
                "aria-controls": "caller-history",
                "inputmode": "tel",
            }
        )

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("direct_answer", None)
        data.pop("knowledge_article_id", None)
        data.pop("photos", None)
        data["category_code"] = data.get("category_code") or None
        data["grid_code"] = data.get("grid_code") or None
        return data


def read_files(files: list[UploadedFile], *, limit_bytes: int) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(name, content) of uploaded files, and the Chinese errors of those too many or too big."""
    found: list[tuple[str, bytes]] = []
    problems: list[str] = []
    if len(files) > MAX_FILES:
        problems.append(f"最多上传{MAX_FILES}个文件（当前{len(files)}个）")
        return found, problems
    for upload in files:
        name = upload.name or "photo"
        if (upload.size or 0) > limit_bytes:
            problems.append(f"“{name}”超过{limit_bytes // 1024}KB")
            continue
        found.append((name, upload.read()))
    return found, problems


# --- dispatch centre ------------------------------------------------------------------------------------


class DispatchForm(ServiceErrorsForm):
    """人工派单: a lead department, optional assisting departments, optionally a corrected category."""

    field_map = {"department_id": "department", "assist_department_ids": "assists"}

    department = DepartmentPickerField(label="主办部门")
    assists = DepartmentsField(label="协办部门", queryset=None, required=False, help_text="可多选")
    category_code = forms.ChoiceField(label="更正分类", required=False)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assists"].queryset = active_departments()  # type: ignore[attr-defined]
        self.fields["category_code"].choices = category_choices(blank="（不更正）")  # type: ignore[attr-defined]


class MergeForm(ServiceErrorsForm):
    field_map = {"into_id": "into"}

    into = forms.IntegerField(label="并入诉求", widget=forms.HiddenInput)


# --- work-order actions ---------------------------------------------------------------------------------


class NoteForm(ServiceErrorsForm):
    note = forms.CharField(
        label="说明", required=False, max_length=1000, widget=forms.Textarea(attrs=TEXTAREA)
    )


class AcceptForm(ServiceErrorsForm):
    pass


class ReplyForm(ServiceErrorsForm):
    field_map = {"file": "attachments", "kind": "attachments"}

    reply_text = forms.CharField(
        label="答复内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "答复内容不能为空"},
    )
    attachments = MultipleFileField(
        label="答复附件（照片，选填）",
        required=False,
        help_text=f"JPEG、PNG、WebP 或 GIF，最多{MAX_FILES}张",
    )


class ForwardForm(ServiceErrorsForm):
    field_map = {"department_id": "department"}

    department = DepartmentField(label="下级单位", queryset=None, empty_label="请选择")
    note = forms.CharField(
        label="下转说明", required=False, max_length=1000, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args: Any, targets: list[Department] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [d.pk for d in targets or []]
        self.fields["department"].queryset = active_departments().filter(pk__in=ids)  # type: ignore[attr-defined]


class ReturnForm(ServiceErrorsForm):
    field_map = {"suggested_department_id": "suggested_department"}

    reason = forms.CharField(
        label="退单理由",
        max_length=1000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": "退单须填写理由"},
    )
    suggested_department = DepartmentField(
        label="建议承办部门", queryset=None, required=False, empty_label="（不建议）"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["suggested_department"].queryset = active_departments()  # type: ignore[attr-defined]


class ExtensionForm(ServiceErrorsForm):
    working_days = forms.IntegerField(
        label="延期工作日",
        error_messages={"required": "请填写延期天数", "invalid": "延期天数应为整数"},
        help_text="1至30个工作日，由调度中心审核",
    )
    reason = forms.CharField(
        label="延期理由",
        max_length=1000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": "延期须填写理由"},
    )


class ReassignForm(ServiceErrorsForm):
    field_map = {"department_id": "department"}

    department = DepartmentPickerField(label="改派部门")
    note = forms.CharField(
        label="改派说明", required=False, max_length=1000, widget=forms.Textarea(attrs=TEXTAREA)
    )


class VisitForm(ServiceErrorsForm):
    result = forms.ChoiceField(
        label="回访结果",
        choices=[("", "请选择"), *VisitResult.choices],
        error_messages={"required": "请选择回访结果"},
    )
    note = forms.CharField(
        label="回访记录 / 不满意理由 / 未成功原因",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="不满意须记录诉求人的理由；回访未成功须说明原因",
    )


class SuperviseForm(ServiceErrorsForm):
    note = forms.CharField(
        label="督办意见",
        max_length=1000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": "督办须填写督办意见"},
    )


#: The form of each action on the work-order page.
ACTION_FORMS: dict[str, type[ServiceErrorsForm]] = {
    "accept": AcceptForm,
    "reply": ReplyForm,
    "forward": ForwardForm,
    "request_return": ReturnForm,
    "request_extension": ExtensionForm,
    "reassign": ReassignForm,
    "visit": VisitForm,
    "close": NoteForm,
    "remind": NoteForm,
    "supervise": SuperviseForm,
}

ACTION_LABELS: dict[str, str] = {
    "accept": "签收",
    "reply": "答复诉求人",
    "forward": "下转下级单位",
    "request_return": "申请退单",
    "request_extension": "申请延期",
    "reassign": "改派",
    "visit": "回访",
    "close": "办结（免回访）",
    "remind": "催办",
    "supervise": "督办",
}


# --- reviews by the centre and the assisting department's feedback --------------------------------------


class ReturnReviewForm(ServiceErrorsForm):
    field_map = {"department_id": "department"}

    decision = forms.ChoiceField(
        label="审核结果",
        choices=[("approve", "同意退单并改派"), ("reject", "驳回退单")],
        error_messages={"required": "请选择审核结果"},
    )
    department = DepartmentPickerField(label="改派部门", required=False)
    note = forms.CharField(label="审核意见", required=False, max_length=1000)


class ExtensionReviewForm(ServiceErrorsForm):
    decision = forms.ChoiceField(
        label="审核结果",
        choices=[("approve", "同意延期"), ("reject", "驳回延期")],
        error_messages={"required": "请选择审核结果"},
    )
    note = forms.CharField(label="审核意见", required=False, max_length=1000)


class AssistReplyForm(ServiceErrorsForm):
    reply_text = forms.CharField(
        label="协办意见",
        max_length=5000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": "协办意见不能为空"},
    )


class QueueFilterForm(forms.Form):
    """Filters of the department queue (all optional; unknown values are ignored)."""

    status = forms.ChoiceField(label="状态", required=False)
    sla = forms.ChoiceField(
        label="时限",
        required=False,
        choices=[("", "全部"), ("warning", "即将超时"), ("overdue", "已超时")],
    )
    supervised = forms.BooleanField(label="只看督办件", required=False)

    def __init__(self, *args: Any, status_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部未办结"), *status_choices]  # type: ignore[attr-defined]


class AppealSearchForm(forms.Form):
    """诉求列表 search: number or words, the caller's phone (whole number, blind index), status."""

    q = forms.CharField(label="编号或内容", required=False, max_length=100)
    phone = forms.CharField(label="来电号码", required=False, max_length=20, help_text="完整的11位手机号码")
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *AppealStatus.choices])

    def clean_phone(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data.get("phone") or "" if ch.isdigit())
        if digits and len(digits) != 11:
            raise forms.ValidationError(
                "来电号码：请输入完整的11位手机号码（按号码加密索引查找，不支持部分号码）"
            )
        return digits
