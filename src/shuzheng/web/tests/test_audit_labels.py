"""Every audit operation code the code base writes has a Chinese name, and the audit page shows names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin

from shuzheng.appeals.workflow import AppealAction, WorkOrderAction
from shuzheng.cases.workflow import CaseAction
from shuzheng.datahub.workflow import ENTRY_WORKFLOW
from shuzheng.evaluation.workflow import RectificationAction
from shuzheng.indicators.forms_workbench import REFERENCE_FORMS
from shuzheng.indicators.registry_specs import SPECS
from shuzheng.indicators.workflow import ProjectAction
from shuzheng.licences.constants import LicenceAction, SealAction
from shuzheng.web.audit_labels import UNKNOWN, action_label, actor_label, channel_label, subject_label

CONTEXTS = (
    "core|identity|orgs|catalog|cases|evaluation|appeals|datahub|licences|bundles|instant_approval|indicators"
)
#: action="identity.login", action="a.b.c" if x else "a.b.d", PURGE_ACTION = "identity.audit.purge"
ACTION_LINE = re.compile(r"\baction=\s*\"|_ACTION\b.*=\s*\"")
LITERAL = re.compile(rf"\"((?:{CONTEXTS})\.[a-z_]+(?:\.[a-z_]+)?)\"")
THREE_PART = re.compile(rf"\"((?:{CONTEXTS})\.[a-z_]+\.[a-z_]+)\"")
DYNAMIC = re.compile(r"\baction=f\"([a-z_.]+)\{")


def _sources() -> list[Path]:
    return [
        p
        for p in Path(settings.SRC_DIR).rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts
    ]


def written_codes() -> set[str]:
    """Literal operation codes in the sources: on an ``action=`` line, or any context.entity.verb string
    (but a log event's name, as logger.exception("bundles.prefill.registry_unavailable"))."""
    codes: set[str] = set()
    for path in _sources():
        for line in path.read_text().splitlines():
            if "logger." in line:
                continue
            codes.update(THREE_PART.findall(line))
            if ACTION_LINE.search(line):
                codes.update(LITERAL.findall(line))
    return codes


def dynamic_codes() -> set[str]:
    """The codes of the f-string sites, from the tables their verbs come from."""
    appeals_admin = {m._meta.model_name for m in admin.site._registry if m._meta.app_label == "appeals"}
    indicators_projects = ("project", "milestone", "projectsystem")
    indicators_registries = {spec.model._meta.model_name for spec in SPECS.values()}
    indicators_references = {form._meta.model._meta.model_name for _, form in REFERENCE_FORMS.values()}
    return {
        *(f"cases.case.{a}" for a in CaseAction.values),
        *(f"appeals.appeal.{a}" for a in AppealAction.values),
        *(f"appeals.workorder.{a}" for a in WorkOrderAction.values),
        *(f"datahub.entry.{a}" for a in ENTRY_WORKFLOW.actions()),
        *(f"evaluation.rectification.{a}" for a in RectificationAction.values),
        *(f"appeals.{m}.{v}" for m in appeals_admin for v in ("create", "update", "delete")),
        *(f"licences.licence.{a}" for a in LicenceAction.values),
        *(f"licences.seal.{a}" for a in SealAction.values),
        *(f"instant_approval.decision.{v}" for v in ("approve", "refer")),
        *(f"indicators.project.{a}" for a in ProjectAction.values),
        *(f"indicators.{m}.{v}" for m in indicators_projects for v in ("create", "update")),
        *(
            f"indicators.{m}.{v}"
            for m in indicators_registries
            for v in ("create", "update", "delete", "import")
        ),
        *(f"indicators.{m}.{v}" for m in indicators_references for v in ("create", "update")),
    }


DYNAMIC_FAMILIES = {
    "cases.case.",
    "appeals.appeal.",
    "appeals.workorder.",
    "datahub.entry.",
    "evaluation.rectification.",
    "appeals.",  # the appeals admin: appeals.<model>.<create|update|delete>
    "licences.licence.",
    "licences.seal.",
    "instant_approval.decision.",  # approve or refer
    "indicators.project.",
    "indicators.",  # projects, registries, reference lists: indicators.<model>.<create|update|delete|import>
}


def test_the_scan_finds_the_codes():
    codes = written_codes()
    assert {"identity.login", "identity.logout", "orgs.department.create", "identity.audit.purge"} <= codes
    assert len(codes) > 100


def test_every_dynamic_code_family_is_enumerated():
    prefixes = {m for p in _sources() for m in DYNAMIC.findall(p.read_text())}
    assert prefixes <= DYNAMIC_FAMILIES, "a new f-string action: enumerate its verbs in dynamic_codes()"


@pytest.mark.parametrize("code", sorted(written_codes() | dynamic_codes()))
def test_every_operation_code_has_a_chinese_name(code):
    label = action_label(code)
    assert label != UNKNOWN, code
    assert not re.search(r"[A-Za-z]", label), (code, label)


def test_unknown_codes_never_show_the_code():
    assert action_label("nobody.knows.this") == UNKNOWN


def test_channels_and_subjects_have_names():
    assert channel_label("portal") == "网上办事大厅"
    assert channel_label("") == ""
    assert subject_label("cases.case") == "办件"
    assert subject_label("core.notification") == "站内通知"
    assert subject_label("no.such") == "对象"
    assert actor_label("system") == "系统"
    assert actor_label("anonymous") == "未登录访问者"
    assert actor_label("zhangsan") == "zhangsan"
