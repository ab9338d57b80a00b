"""Enping's data hub as demo data: the five base registries, ~110 catalog entries of 30+ departments with
real tables behind them, 90+ open datasets, sharing requests in every state with grants and a demo
credential, quality rules on the base registries and one quality run.

Row values are generated (deterministic seeds) and marked 演示 in the entries' abstracts; names of
departments, towns and the kinds of resources are Enping's. ``load()`` is idempotent: entries are keyed by
(department, name) and the rest is created only alongside new entries, so a second run adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub import quality
from shuzheng.datahub.constants import ROLES
from shuzheng.datahub.demo import registries, specs_ep001_014, specs_ep015_032
from shuzheng.datahub.demo.base_registries import (
    BASE_REGISTRIES,
    CLASS_NAMES,
    address_row,
    credit_row,
    licence_row,
    registry_template,
)
from shuzheng.datahub.demo.templates import Spec, Template
from shuzheng.datahub.models import (
    ApiCredential,
    CatalogEntry,
    Classification,
    DataItem,
    Grade,
    OpenDataset,
    Openness,
    OpenTopic,
    QualityRule,
    QualityRun,
    RuleKind,
    SharingRequest,
    SharingType,
    UpdateCycle,
)
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.orgs.models import Department, Division

Progress = Callable[[str, int, int], None]

DEMO_CLIENT_ID: Final = "dh_demo_minzheng"
DEMO_SECRET: Final = "enping-demo-secret-2026"  # noqa: S105 - the published demo credential
DEFAULT_PERSONS: Final = 3000
DEMO_PASSWORD: Final = "Enping#2026"  # noqa: S105 - same as identity.demo

TOPICS: Final = (
    ("transport", "交通出行"),
    ("environment", "生态环境"),
    ("education", "教育文化"),
    ("health", "医疗卫生"),
    ("social", "社会保障"),
    ("economy", "经济产业"),
    ("urban", "城市建设"),
    ("safety", "公共安全"),
    ("agriculture", "农业农村"),
    ("government", "政务服务"),
    ("tourism", "文化旅游"),
)


def _specs() -> list[Spec]:
    return specs_ep001_014.specs() + specs_ep015_032.specs()


def _name_classes(names: list[tuple[str, str]]) -> None:
    """The class tree reads in words: the demo's classes, and each item after its (first) resource."""
    for code, name in CLASS_NAMES.items():
        catalog_services.catalog_class_name(actor=SYSTEM, code=code, name=name)
    items: dict[str, str] = {}
    for class_code, name in names:
        items.setdefault(class_code[:3], name.split("（")[0])
    for code, name in items.items():
        catalog_services.catalog_class_name(actor=SYSTEM, code=code, name=name)


@dataclass
class _State:
    created: int = 0
    entries: dict[str, CatalogEntry] = field(default_factory=dict)


def _ensure_entry(
    state: _State,
    departments: dict[str, Department],
    spec: Spec,
    *,
    rows: list[dict[str, Any]] | None = None,
) -> CatalogEntry | None:
    department = departments.get(spec.department)
    if department is None:
        return None
    existing = CatalogEntry.objects.filter(department=department, name=spec.name).first()
    if existing is not None:
        state.entries[spec.name] = existing
        return existing
    openness = Openness.OPEN if spec.open else Openness.CLOSED
    entry = catalog_services.entry_create(
        actor=SYSTEM,
        department=department,
        metadata=catalog_services.EntryMetadata(
            name=spec.name,
            class_code=spec.class_code,
            classification=spec.classification,
            abstract=f"{department.name}提供的{spec.name}（演示数据）。",
            sharing_type=spec.sharing,
            sharing_conditions="用于依法履职，需说明用途和依据"
            if spec.sharing == SharingType.CONDITIONAL
            else "",
            sharing_method="接口",
            openness=openness,
            update_cycle=spec.cycle,
            grade=spec.grade,
        ),
        items=spec.template.items,
    )
    catalog_services.entry_transition(actor=SYSTEM, entry=entry, action="submit")
    catalog_services.entry_transition(actor=SYSTEM, entry=entry, action="approve")
    mount_services.entry_mount_table(actor=SYSTEM, entry=entry)
    if rows is None:
        rng = random.Random(f"{spec.department}/{spec.name}")  # noqa: S311 - demo data, not secrets
        count = spec.rows or rng.randint(*spec.template.rows)
        rows = [spec.template.row(rng, n) for n in range(count)]
    if rows:
        row_services.rows_insert(actor=SYSTEM, entry=entry, rows=rows, source="demo")
    entry.refresh_from_db()
    state.created += 1
    state.entries[spec.name] = entry
    return entry


def _ensure_roles() -> None:
    from shuzheng.identity.services import roles as role_services

    for code, name, description, permissions in ROLES:
        role_services.role_ensure(
            actor=SYSTEM, code=code, name=name, description=description, permissions=list(permissions)
        )


def _ensure_users(departments: dict[str, Department]) -> list[str]:
    from shuzheng.identity.constants import DataScopeKind
    from shuzheng.identity.demo import ensure_staff_account
    from shuzheng.identity.models import Role

    wanted = (
        ("ga_data", "林志华", "EP004", "data_steward"),
        ("mz_data", "关婉婷", "EP005", "data_steward"),
        ("mz_user", "谭家豪", "EP005", "data_consumer"),
    )
    lines = []
    for username, full_name, dept_code, role_code in wanted:
        department = departments.get(dept_code)
        if department is None:
            continue
        role = Role.objects.get(code=role_code)
        ensure_staff_account(
            username=username,
            full_name=full_name,
            department=department,
            role=role,
            scope=DataScopeKind.DEPARTMENT,
        )
        lines.append(
            f"{username} / {DEMO_PASSWORD}（{department.short_name or department.name}，{role.name}）"
        )
    return lines


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _ensure_sharing(state: _State, departments: dict[str, Department]) -> str:
    """Requests in every state; returns the demo credential's Authorization header value."""
    from shuzheng.identity.models import User

    if SharingRequest.objects.exists():
        return (
            f"Bearer {DEMO_CLIENT_ID}:{DEMO_SECRET}"
            if ApiCredential.objects.filter(client_id=DEMO_CLIENT_ID).exists()
            else ""
        )
    today = timezone.localdate()
    persons = state.entries["人口基础信息库"]
    hukou = state.entries["户籍人口信息"]
    marriage = state.entries["婚姻登记信息"]
    dibao = state.entries["低保对象信息"]
    property_ = state.entries["不动产登记信息"]
    enterprises = state.entries["法人单位基础信息库"]
    licences = state.entries["电子证照基础信息库"]
    bus = state.entries["公交线路"]

    def request(
        entry: CatalogEntry, dept: str, fields: list[str], purpose: str, days_ago: int = 1
    ) -> SharingRequest:
        return sharing_services.sharing_request_create(
            actor=SYSTEM,
            entry=entry,
            requester_department=departments[dept],
            purpose=purpose,
            legal_basis="《广东省政务数据资源共享管理办法（试行）》及本部门法定职责",
            fields=fields,
            period_start=today - timedelta(days=days_ago),
            period_end=today + timedelta(days=365),
            submitted_at=_aware(today - timedelta(days=days_ago)),
        )

    base_fields = ["id_number", "full_name", "gender", "birth_date", "mobile", "address"]
    # Base registry grants for form prefill (免填写) to the departments that run the most cases.
    for dept in ("EP001-01", "EP005", "EP008", "EP020", "EP021", "EP023-01", "EP027"):
        granted = request(persons, dept, base_fields, "办事表单预填（免填写）与身份核验", days_ago=20)
        sharing_services.sharing_request_approve(
            actor=SYSTEM, request=granted, decided_at=_aware(today - timedelta(days=18))
        )
    for dept in ("EP002", "EP011", "EP014", "EP026"):
        granted = request(
            enterprises, dept, ["uscc", "name", "entity_type", "status", "address"], "企业办事表单预填", 15
        )
        sharing_services.sharing_request_approve(
            actor=SYSTEM, request=granted, decided_at=_aware(today - timedelta(days=14))
        )
    for dept in ("EP029", "EP020"):
        granted = request(
            licences,
            dept,
            ["licence_id", "licence_type", "holder_name", "holder_id", "status"],
            "办事材料免提交（电子证照调用）",
            12,
        )
        sharing_services.sharing_request_approve(
            actor=SYSTEM, request=granted, decided_at=_aware(today - timedelta(days=11))
        )
    # 民政局 asks 公安局 for household data: approved with fewer fields; the demo credential hangs on it.
    mz = request(
        hukou, "EP005", ["id_number", "full_name", "mobile", "address", "household_type"], "低保资格核查", 10
    )
    grant = sharing_services.sharing_request_approve(
        actor=SYSTEM,
        request=mz,
        fields=["id_number", "full_name", "address", "household_type"],
        decided_at=_aware(today - timedelta(days=8)),
    )
    sharing_services.credential_issue(
        actor=SYSTEM,
        grant=grant,
        label="民政低保核查系统（演示）",
        client_id=DEMO_CLIENT_ID,
        secret=DEMO_SECRET,
        holder=User.objects.filter(username="mz_user").first(),
    )
    # 人社局 asks 民政局 for marriage records: refused with a reason.
    refused = request(marriage, "EP008", ["id_number", "full_name", "marriage_type"], "就业补贴审核", 9)
    sharing_services.sharing_request_refuse(
        actor=SYSTEM,
        request=refused,
        reason="用途不在婚姻登记信息的共享范围内，请通过人口基础信息库核验",
        decided_at=_aware(today - timedelta(days=7)),
    )
    # 残联 asks 民政局 for 低保 data: decided late (timed out, still satisfied).
    late = request(dibao, "EP030", ["id_number", "full_name", "category"], "残疾人两项补贴核对", 30)
    sharing_services.sharing_request_approve(
        actor=SYSTEM, request=late, decided_at=_aware(today - timedelta(days=5))
    )
    # Pending: one fresh, one past its due date (timed out against 不动产登记中心).
    request(property_, "EP010", ["id_number", "full_name", "certificate_no"], "保障性住房资格审核", 1)
    request(property_, "EP003", ["id_number", "full_name", "right_type"], "义务教育入学住房核验", 25)
    request(hukou, "EP016", ["id_number", "full_name"], "出生医学证明核验", 2)
    # Unconditional: granted at once.
    request(bus, "EP015", ["line_no", "name", "start_stop", "end_stop"], "旅游线路规划", 3)
    request(bus, "EP001-01", ["line_no", "name", "first_bus", "last_bus"], "12345热线答复公交咨询", 4)
    return f"Bearer {DEMO_CLIENT_ID}:{DEMO_SECRET}"


def _ensure_quality(state: _State) -> None:
    if QualityRule.objects.exists():
        return
    persons = state.entries["人口基础信息库"]
    divisions = state.entries["空间地理基础信息库（行政区划）"]
    enterprises = state.entries["法人单位基础信息库"]
    credit = state.entries["社会信用基础信息库"]

    def rule(entry: CatalogEntry, kind: str, item: str | None = None, **params: Any) -> None:
        item_obj = DataItem.objects.get(entry=entry, name=item) if item else None
        quality.rule_create(actor=SYSTEM, entry=entry, kind=kind, item=item_obj, params=params)

    rule(persons, RuleKind.NOT_NULL, "id_number")
    rule(persons, RuleKind.TYPE, "id_number", type="id_number")
    rule(persons, RuleKind.UNIQUE, "id_number")
    rule(persons, RuleKind.PATTERN, "mobile", pattern=r"^1[3-9][0-9]{9}$")
    rule(persons, RuleKind.ENUM, "gender", values=["男", "女"])
    rule(persons, RuleKind.RANGE, "birth_date", min="1900-01-01", max="2026-12-31")
    rule(persons, RuleKind.NOT_NULL, "town_code")
    rule(persons, RuleKind.REFERENCE, "town_code", ref_entry=divisions.code, ref_field="code")
    rule(persons, RuleKind.FRESHNESS)
    rule(persons, RuleKind.ACCESSIBLE)
    rule(enterprises, RuleKind.TYPE, "uscc", type="uscc")
    rule(enterprises, RuleKind.UNIQUE, "uscc")
    rule(enterprises, RuleKind.NOT_NULL, "legal_representative")
    rule(enterprises, RuleKind.RANGE, "registered_capital", min=0)
    rule(credit, RuleKind.REFERENCE, "uscc", ref_entry=enterprises.code, ref_field="uscc")
    rule(
        credit,
        RuleKind.CROSS_MATCH,
        "subject_name",
        ref_entry=enterprises.code,
        ref_field="name",
        key="uscc",
        ref_key="uscc",
    )
    rule(divisions, RuleKind.UNIQUE, "code")
    rule(divisions, RuleKind.PATTERN, "code", pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
    quality.run(actor=SYSTEM)


def _ensure_open(state: _State, specs: list[Spec]) -> None:
    topics = {
        name: OpenTopic.objects.get_or_create(name=name, defaults={"title": title})[0]
        for name, title in TOPICS
    }
    published = set(OpenDataset.objects.values_list("entry_id", flat=True))
    for spec in specs:
        entry = state.entries.get(spec.name)
        if entry is None or not spec.open or entry.pk in published:
            continue
        open_data_services.dataset_publish(
            actor=SYSTEM,
            entry=entry,
            name=f"enping-{entry.code.lower().replace('/', '-')}",
            title=spec.name,
            notes=f"{entry.department.name}发布的{spec.name}（演示数据），按{entry.get_update_cycle_display()}更新。",
            tags=list(spec.tags),
            topics=[topics[spec.topic]] if spec.topic in topics else [],
        )


def _with_flaws(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A few realistic defects for the quality run to find: typos in mobiles, missing and unknown towns."""
    for n, row in enumerate(rows):
        if n % 97 == 13:
            row["mobile"] = row["mobile"][:-1]
        if n % 211 == 7:
            row["town_code"] = None
        if n % 331 == 5:
            row["town_code"] = "440785999"
    return rows


def _division_rows() -> list[dict[str, Any]]:
    return [
        {"code": code, "name": name, "level": level, "parent_code": parent or ""}
        for code, name, level, parent in Division.objects.order_by("code").values_list(
            "code", "name", "level", "parent__code"
        )
    ]


def load(progress: Progress | None = None, *, persons: int | None = None) -> dict[str, Any]:
    """Load the data hub demo (idempotent). Returns counts, ``created`` and ``notes`` (lines to print:
    the demo credential and the data-hub demo accounts)."""
    persons = (
        persons if persons is not None else int(getattr(settings, "SHUZHENG_DEMO_PERSONS", DEFAULT_PERSONS))
    )
    codes = {"EP001"} | {s.department for s in _specs()}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    if "EP001" not in departments:
        raise RuntimeError("请先加载组织机构演示数据（缺少部门 EP001）")
    specs = _specs()
    steps = ("角色与账号", "基础库", "部门数据资源", "开放数据集", "共享申请与凭证", "质量检测")
    total = len(steps)

    def step(n: int) -> None:
        if progress is not None:
            progress(steps[n - 1], n, total)

    state = _State()
    with transaction.atomic():
        _ensure_roles()
        accounts = _ensure_users(departments)
        step(1)
        for name, class_code, kind in BASE_REGISTRIES:
            items, count = registry_template(kind)
            if kind == "persons":
                rows = _with_flaws(list(registries.persons(0, persons)))
            elif kind == "divisions":
                rows = _division_rows()
            else:
                maker = {
                    "enterprises": lambda r, n: registries.enterprise(n),
                    "addresses": address_row,
                    "credit": credit_row,
                    "licences": licence_row,
                }[kind]
                rng = random.Random(kind)  # noqa: S311 - demo data, not secrets
                rows = [maker(rng, n) for n in range(count)]
            spec = Spec(
                "EP001",
                name,
                Template(items, lambda r, n: {}),
                class_code,
                open=False,
                sharing=SharingType.CONDITIONAL,
                grade=Grade.IMPORTANT,
                classification=Classification.BASE,
                cycle=UpdateCycle.DAILY if kind == "persons" else UpdateCycle.MONTHLY,
            )
            _ensure_entry(state, departments, spec, rows=rows)
        step(2)
        for spec in specs:
            _ensure_entry(state, departments, spec)
        _name_classes([(c, n) for n, c, _k in BASE_REGISTRIES] + [(s.class_code, s.name) for s in specs])
        step(3)
        _ensure_open(state, specs)
        step(4)
        credential = _ensure_sharing(state, departments)
        step(5)
        _ensure_quality(state)
        step(6)
    from shuzheng.datahub.selectors.catalog import catalog_totals
    from shuzheng.datahub.selectors.sharing import sharing_indicator

    totals = catalog_totals()
    indicator = sharing_indicator()
    notes = [
        f"数据服务演示凭证：Authorization: {credential}" if credential else "",
        f"  例：curl -H 'Authorization: {credential}' "
        f"'http://127.0.0.1:8000/api/v1/datahub/data/{state.entries['户籍人口信息'].code}/rows?limit=5'"
        if credential
        else "",
        f"共享需求满足率（指标13）：{indicator.satisfied}/{indicator.total}",
        *[f"数据中台演示账号：{line}" for line in accounts],
    ]
    latest = QualityRun.objects.order_by("-id").first()
    return {
        "data_entries": totals["entries"],
        "data_departments": totals["departments"],
        "mounted_resources": totals["mounted"],
        "data_rows": totals["rows"],
        "open_datasets": totals["open_datasets"],
        "open_departments": totals["open_departments"],
        "sharing_requests": SharingRequest.objects.count(),
        "quality_rules": QualityRule.objects.count(),
        "quality_run": latest.pk if latest else 0,
        "created": state.created,
        "notes": [n for n in notes if n],
    }
