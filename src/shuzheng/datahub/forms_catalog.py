"""Forms of the data-hub workbench's catalog pages (filter, entry and its data items, review comments,
uploads, mounting): parsing, labels and accessibility only — the rules live in datahub.services and
the selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from shuzheng.core import errors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.datahub.models import (
    Classification,
    DataType,
    EntryStatus,
    Grade,
    MaskingKind,
    Openness,
    ResourceFormat,
    Sensitivity,
    SharingType,
    UpdateCycle,
)
from shuzheng.orgs import selectors as org_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department


def choice_error(label: str) -> dict[str, str]:
    return {"invalid_choice": f"{label}取值无效，请从列表中选择。", "required": f"请选择{label}。"}


# --- catalog -------------------------------------------------------------------------------------------


class EntryFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索资源",
        required=False,
        max_length=64,
        strip=True,
        error_messages={"max_length": "搜索内容过长（最多 64 个字）。"},
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "资源名称、摘要、信息项，如：户籍 人口"}
        ),
    )
    department = forms.ChoiceField(label="提供部门", required=False, error_messages=choice_error("提供部门"))
    classification = forms.ChoiceField(
        label="资源分类",
        required=False,
        choices=[("", "全部分类"), *Classification.choices],
        error_messages=choice_error("资源分类"),
    )
    class_code = forms.RegexField(
        label="类目",
        required=False,
        regex=r"^[A-Z](\d{2}){0,3}$",
        max_length=7,
        error_messages={"invalid": "类目编码格式不正确：一个大写字母加 0–3 组两位数字，如 B01。"},
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), *EntryStatus.choices],
        error_messages=choice_error("状态"),
    )
    mounted = forms.ChoiceField(
        label="挂接",
        required=False,
        choices=[("", "不限"), ("1", "已挂接"), ("0", "未挂接")],
        error_messages=choice_error("挂接"),
    )

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部部门"), *((d.code, d.name) for d in departments)]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        mounted = {"1": True, "0": False}.get(data.get("mounted") or "")
        return {
            "q": data.get("q") or None,
            "department": data.get("department") or None,
            "classification": data.get("classification") or None,
            "class_code": data.get("class_code") or None,
            "status": data.get("status") or None,
            "mounted": mounted,
        }


class EntryForm(ServiceErrorsForm):
    """The metadata of an entry (its data items are the ItemFormSet beside it)."""

    department = forms.ModelChoiceField(
        label="提供部门",
        queryset=org_selectors.departments_by_ids([]),
        empty_label="请选择",
        error_messages={"required": "请选择提供部门。", "invalid_choice": "提供部门不在您的数据范围内。"},
    )
    name = forms.CharField(
        label="资源名称",
        max_length=128,
        error_messages={"required": "请填写资源名称。", "max_length": "资源名称不能超过128个字。"},
    )
    classification = forms.ChoiceField(
        label="资源分类", choices=Classification.choices, error_messages=choice_error("资源分类")
    )
    class_code = forms.CharField(
        label="类目编码",
        max_length=16,
        help_text="类-项-目-细目：一个大写字母加 0–3 组两位数字，如 B0102",
        error_messages={"required": "请填写类目编码。"},
    )
    abstract = forms.CharField(label="资源摘要", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    format = forms.ChoiceField(
        label="资源格式", choices=ResourceFormat.choices, error_messages=choice_error("资源格式")
    )
    sharing_type = forms.ChoiceField(
        label="共享类型", choices=SharingType.choices, error_messages=choice_error("共享类型")
    )
    sharing_conditions = forms.CharField(
        label="共享条件", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="有条件共享必填"
    )
    sharing_method = forms.CharField(label="共享方式", required=False, max_length=64, initial="接口")
    openness = forms.ChoiceField(
        label="开放属性", choices=Openness.choices, error_messages=choice_error("开放属性")
    )
    open_conditions = forms.CharField(
        label="开放条件", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="有条件开放必填"
    )
    update_cycle = forms.ChoiceField(
        label="更新周期", choices=UpdateCycle.choices, error_messages=choice_error("更新周期")
    )
    grade = forms.ChoiceField(
        label="数据分级",
        choices=Grade.choices,
        help_text="GB/T 43697：核心数据不得开放",
        error_messages=choice_error("数据分级"),
    )

    METADATA = (
        "name",
        "classification",
        "class_code",
        "abstract",
        "format",
        "sharing_type",
        "sharing_conditions",
        "sharing_method",
        "openness",
        "open_conditions",
        "update_cycle",
        "grade",
    )

    def __init__(self, *args: Any, departments: list[Department] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is None:  # editing: the providing department does not change
            del self.fields["department"]
        else:
            self.fields["department"].queryset = org_selectors.departments_by_ids(  # type: ignore[attr-defined]
                [d.pk for d in departments]
            )

    def metadata(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or "" for name in self.METADATA}


class ItemForm(forms.Form):
    """One data item (信息项); a blank row is ignored."""

    name = forms.CharField(label="字段名", required=False, max_length=63)
    label = forms.CharField(label="中文名称", required=False, max_length=64)
    data_type = forms.ChoiceField(
        label="数据类型",
        choices=DataType.choices,
        initial=DataType.STRING,
        error_messages=choice_error("数据类型"),
    )
    max_length = forms.IntegerField(
        label="最大长度",
        required=False,
        min_value=0,
        max_value=100000,
        error_messages={
            "invalid": "最大长度应为整数。",
            "min_value": "最大长度不能小于 0。",
            "max_value": "最大长度不能超过 100000。",
        },
    )
    description = forms.CharField(label="说明", required=False, max_length=255)
    required = forms.BooleanField(label="必填", required=False)
    is_key = forms.BooleanField(label="检索键", required=False)
    is_personal = forms.BooleanField(label="个人信息", required=False)
    sensitivity = forms.ChoiceField(
        label="敏感级别",
        choices=Sensitivity.choices,
        initial=Sensitivity.L1,
        error_messages=choice_error("敏感级别"),
    )
    masking = forms.ChoiceField(
        label="脱敏方式",
        choices=MaskingKind.choices,
        initial=MaskingKind.NONE,
        error_messages=choice_error("脱敏方式"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The items are a table: each input names its column and row for screen readers.
        row = (self.prefix or "").rsplit("-", 1)[-1]
        number = int(row) + 1 if row.isdigit() else ""
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"第{number}行 {field.label}"

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("name") or data.get("label"))

    def item(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        data["max_length"] = data.get("max_length") or 0
        return data


class BaseItemFormSet(forms.BaseFormSet):
    def items(self) -> list[dict[str, Any]]:
        return [
            f.item()
            for f in self.forms
            if f.is_valid() and not f.is_blank() and not f.cleaned_data.get("DELETE")
        ]

    def place(self, error: errors.ApplicationError) -> bool:
        """Put a service error naming items[<n>].<field> on that row of the formset (n counts kept rows)."""
        kept = [
            f for f in self.forms if f.is_valid() and not f.is_blank() and not f.cleaned_data.get("DELETE")
        ]
        placed = False
        for problem in error.errors:
            field = str(problem.get("field") or "")
            if not field.startswith("items["):
                continue
            try:
                index = int(field[6 : field.index("]")])
            except ValueError:
                continue
            name = field.split(".", 1)[1] if "." in field else None
            if 0 <= index < len(kept):
                form = kept[index]
                form.add_error(name if name in form.fields else None, str(problem.get("message")))
                placed = True
        return placed


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=2, can_delete=True, max_num=200, validate_max=True
)
#: A new entry starts with more empty rows.
NewItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=6, can_delete=True, max_num=200, validate_max=True
)
#: What a new entry's form starts with (the usual case: a department's conditional, closed table).
NEW_ENTRY_INITIAL = {
    "classification": Classification.DEPARTMENT,
    "format": ResourceFormat.TABLE,
    "sharing_type": SharingType.CONDITIONAL,
    "sharing_method": "接口",
    "openness": Openness.CLOSED,
    "update_cycle": UpdateCycle.MONTHLY,
    "grade": Grade.GENERAL,
}


def item_initial(entry: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": i.name,
            "label": i.label,
            "data_type": i.data_type,
            "max_length": i.max_length or None,
            "description": i.description,
            "required": i.required,
            "is_key": i.is_key,
            "is_personal": i.is_personal,
            "sensitivity": i.sensitivity,
            "masking": i.masking,
        }
        for i in entry.items.all()
    ]


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="审核意见",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "审核意见不能超过500个字。"},
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="文件",
        error_messages={
            "required": "请选择要上传的文件。",
            "empty": "文件为空。",
            "invalid": "请选择要上传的文件。",
        },
    )


class RowsUploadForm(UploadForm):
    file = forms.FileField(
        label="数据文件（CSV 或 xlsx）",
        help_text=(
            "第一行为表头（字段名或中文名称）；CSV 可用 UTF-8 或 GB18030（GBK）编码。全部行正确才会写入。"
        ),
        error_messages={
            "required": "请选择要上传的文件。",
            "empty": "文件为空。",
            "invalid": "请选择要上传的文件。",
        },
    )
    replace = forms.BooleanField(label="替换现有数据（先删除全部现有行）", required=False)


class MountApiForm(ServiceErrorsForm):
    field_map = {"url": "url", "description": "description"}
    url = forms.CharField(label="接口地址", max_length=200, error_messages={"required": "请填写接口地址。"})
    description = forms.CharField(
        label="接口说明",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写接口说明（调用方式、参数、返回字段）。"},
    )
