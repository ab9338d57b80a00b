"""Forms of the indicator workbench pages: registry import and rows, project steps and milestones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import modelform_factory

from shuzheng.indicators.models import GovernmentSector, Milestone, Project, ProjectSystem, VillageCriterion
from shuzheng.indicators.registry_specs import Spec
from shuzheng.indicators.workflow import TRANSITIONS, ProjectAction


class ImportForm(forms.Form):
    file = forms.FileField(label="登记文件（.xlsx）", error_messages={"required": "请选择要导入的文件。"})
    source_document = forms.CharField(
        label="来源文件或文号", max_length=200, required=False, help_text="例如：市财政局2026年预算单位清单"
    )


def registry_form(spec: Spec) -> type[forms.ModelForm]:
    """A form of one registry row with the registry's columns, labelled by their Excel headers."""
    fields = [c.field for c in spec.columns]
    labels = {c.field: c.header for c in spec.columns}
    widgets: dict[str, Any] = {
        c.field: forms.DateInput(attrs={"type": "date"}) for c in spec.columns if c.kind == "date"
    }
    return modelform_factory(spec.model, fields=[*fields, "source_document"], labels=labels, widgets=widgets)


class SectorForm(forms.ModelForm):
    class Meta:
        model = GovernmentSector
        fields = ["code", "name", "departments", "position", "source_document"]


class CriterionForm(forms.ModelForm):
    class Meta:
        model = VillageCriterion
        fields = ["code", "name", "description", "position", "is_active", "source_document"]


REFERENCE_FORMS: dict[str, tuple[str, type[forms.ModelForm]]] = {
    "sectors": ("政府行业", SectorForm),
    "criteria": ("数字乡村评定标准", CriterionForm),
}


class TransitionForm(forms.Form):
    action = forms.ChoiceField(label="操作", choices=ProjectAction.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.actions_from(project.state)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(a, ProjectAction(a).label) for a in allowed]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "department",
            "budget",
            "funding_source",
            "plan_task",
            "key_project_number",
            "documents",
        ]


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "planned_on", "actual_on"]
        widgets = {
            "planned_on": forms.DateInput(attrs={"type": "date"}),
            "actual_on": forms.DateInput(attrs={"type": "date"}),
        }


class SystemForm(forms.ModelForm):
    class Meta:
        model = ProjectSystem
        fields = [
            "name",
            "department",
            "is_core",
            "is_new",
            "on_gov_cloud",
            "cpu",
            "cpu_domestic",
            "os",
            "os_domestic",
            "database",
            "database_domestic",
            "middleware",
            "middleware_domestic",
            "in_service_on",
        ]
        widgets = {"in_service_on": forms.DateInput(attrs={"type": "date"})}
