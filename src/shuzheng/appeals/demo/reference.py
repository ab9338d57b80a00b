"""Reference data of the appeals demo: the category tree, the dispatch catalogue, routing rules, the
roles and the staff accounts (also the handlers every open demo work order needs)."""

from __future__ import annotations

from typing import Final

from shuzheng.appeals.constants import OPEN_WORK_ORDER_STATUSES, AppealChannel, AssistStatus
from shuzheng.appeals.demo import synthetic
from shuzheng.appeals.models import Category, DispatchCatalogueEntry, RoutingRule, WorkOrder, WorkOrderAssist
from shuzheng.appeals.services.common import HANDLER_ROLE
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.demo import DEMO_PASSWORD, DemoAccount, ensure_staff_account
from shuzheng.identity.models import Role
from shuzheng.identity.selectors import users_with_role_for_department
from shuzheng.identity.services import roles as role_services
from shuzheng.orgs.models import Department, Division

CITY: Final = "440785"

_VIEW = (
    "appeals.view_appeal",
    "appeals.view_category",
    "appeals.view_workorder",
    "appeals.view_knowledgearticle",
)
ROLES: Final = (
    ("hotline_agent", "12345话务员", "登记诉求、直接答复、查知识库。", (*_VIEW, "appeals.intake_appeal")),
    (
        "dispatcher",
        "派单员（调度中心）",
        "派单、改派、并单、审核退单与延期、回访、催办督办、统计。",
        (
            *_VIEW,
            "appeals.dispatch_appeal",
            "appeals.visit_workorder",
            "appeals.supervise_workorder",
            "appeals.view_appeal_stats",
            "appeals.view_returnrequest",
            "appeals.view_extensionrequest",
        ),
    ),
    (
        "department_handler",
        "部门办理人员",
        "本部门及下级的工单：签收、退单、答复、下转、申请延期、协办。",
        (*_VIEW, "appeals.handle_workorder"),
    ),
    (
        "grid_worker",
        "网格员",
        "上报网格事件、自行处置，只看本人上报的事件。",
        ("appeals.view_appeal", "appeals.report_grid_event"),
    ),
    (
        "kb_editor",
        "知识库编辑",
        "编写、修改知识库条目并提交审核。",
        ("appeals.view_knowledgearticle", "appeals.add_knowledgearticle", "appeals.change_knowledgearticle"),
    ),
    (
        "kb_reviewer",
        "知识库审核人",
        "审核发布、下线知识库条目。",
        ("appeals.view_knowledgearticle", "appeals.review_knowledgearticle"),
    ),
)

#: (username, name, department code, role, scope)
STAFF: Final = (
    ("hotline01", "梁嘉敏", "EP001-01", "hotline_agent", DataScopeKind.ALL, "全部"),
    ("dispatch01", "吴伟明", "EP001-01", "dispatcher", DataScopeKind.ALL, "全部"),
    (
        "cgj_handler",
        "岑志强",
        "EP022",
        "department_handler",
        DataScopeKind.DEPARTMENT_TREE,
        "城管执法局及下级",
    ),
    ("rsj_handler", "李秀英", "EP008", "department_handler", DataScopeKind.DEPARTMENT_TREE, "人社局及下级"),
    ("zjj_handler", "陈国荣", "EP010", "department_handler", DataScopeKind.DEPARTMENT_TREE, "住建局及下级"),
    (
        "shahu_handler",
        "冯丽芳",
        "EP440785103",
        "department_handler",
        DataScopeKind.DEPARTMENT_TREE,
        "沙湖镇人民政府及下级",
    ),
    ("kb_editor01", "郑婉婷", "EP001-01", "kb_editor", DataScopeKind.DEPARTMENT, "12345热线分中心"),
    ("kb_reviewer01", "何惠玲", "EP001", "kb_reviewer", DataScopeKind.DEPARTMENT, "政数局"),
)

RULES: Final = (
    # (position, name, keywords, channel, enterprise, category code, lead, assists)
    (10, "燃气泄漏紧急处置", "燃气味,漏气,煤气泄漏", "", None, "", "EP034", ("EP032", "EP018")),
    (20, "山火警情", "山火,烧山", "", None, "", "EP024", ("EP032",)),
    (30, "中小微企业融资诉求（1+1+N）", "融资,贷款,信易贷", "", True, "", "EP002", ("EP014",)),
    (40, "城管巡查上报", "", AppealChannel.PATROL, None, "", "EP022", ()),
    (50, "锦江温泉景区", "锦江温泉", "", None, "WL", "EP015", ("EP020",)),
)


def ensure_categories() -> dict[str, Category]:
    known = {c.code: c for c in Category.objects.all()}
    for position, (code, name) in enumerate(synthetic.GROUPS):
        if code not in known:
            known[code] = Category.objects.create(code=code, name=name, path=f"/{code}/", position=position)
    for position, spec in enumerate(synthetic.LEAVES):
        if spec.code not in known:
            parent = known[spec.parent]
            known[spec.code] = Category.objects.create(
                code=spec.code,
                name=spec.name,
                description=spec.description,
                parent=parent,
                path=f"{parent.path}{spec.code}/",
                keywords=spec.keywords,
                sla_days=spec.sla_days,
                position=position,
            )
    return known


def ensure_catalogue(
    categories: dict[str, Category], departments: dict[str, Department], divisions: dict[str, Division]
) -> int:
    existing = set(DispatchCatalogueEntry.objects.values_list("category_id", "division_id"))
    new = []
    for spec in synthetic.LEAVES:
        category = categories[spec.code]
        rows = [(CITY, spec.department)]
        if spec.town_local:
            rows += [(code, f"EP{code}") for code, _ in synthetic.TOWNS if code != synthetic.URBAN_TOWN]
        for division_code, department_code in rows:
            division, department = divisions.get(division_code), departments.get(department_code)
            if division is None or department is None or (category.pk, division.pk) in existing:
                continue
            new.append(DispatchCatalogueEntry(category=category, division=division, department=department))
    DispatchCatalogueEntry.objects.bulk_create(new)
    return DispatchCatalogueEntry.objects.count()


def ensure_rules(categories: dict[str, Category], departments: dict[str, Department]) -> None:
    for position, name, keywords, channel, enterprise, category, lead, assists in RULES:
        if RoutingRule.objects.filter(name=name).exists() or lead not in departments:
            continue
        rule = RoutingRule.objects.create(
            name=name,
            position=position,
            keywords=keywords,
            channel=channel,
            enterprise=enterprise,
            category=categories.get(category) if category else None,
            lead_department=departments[lead],
        )
        rule.assist_departments.set([departments[a] for a in assists if a in departments])


def ensure_roles_and_staff(departments: dict[str, Department]) -> list[DemoAccount]:
    roles: dict[str, Role] = {}
    for code, name, description, perms in ROLES:
        roles[code] = role_services.role_ensure(
            actor=SYSTEM, code=code, name=name, description=description, permissions=list(perms)
        )
    return [
        ensure_staff(username, full_name, departments[code], roles[role_code], scope, scope_label)
        for username, full_name, code, role_code, scope, scope_label in STAFF
    ]


def ensure_staff(
    username: str, full_name: str, department: Department, role: Role, scope: str, scope_label: str
) -> DemoAccount:
    """A demo staff account with one role (created through the identity services when missing)."""
    ensure_staff_account(
        username=username, full_name=full_name, department=department, role=role, scope=scope
    )
    return DemoAccount(
        username=username, password=DEMO_PASSWORD, full_name=full_name, role=role.name, scope=scope_label
    )


#: Handlers of the departments the demo's open work lands at (by the routing rules and the trained model)
#: besides the four above; any other such department gets ``<code>_handler`` named after it.
EXTRA_HANDLERS: Final = {
    "EP004-01": ("jjdd_handler", "梁振华"),
    "EP018": ("yjj_handler", "黄美玲"),
    "EP032": ("xfdd_handler", "谭建新"),
}


def ensure_handlers_for_open_work() -> list[DemoAccount]:
    """Every open work order and unanswered assist of the demo has a handler of its own department."""
    role = Role.objects.get(code=HANDLER_ROLE)
    open_orders = WorkOrder.objects.filter(status__in=OPEN_WORK_ORDER_STATUSES)
    departments = {w.lead_department for w in open_orders.select_related("lead_department")}
    assists = WorkOrderAssist.objects.filter(work_order__in=open_orders).exclude(status=AssistStatus.REPLIED)
    departments |= {a.department for a in assists.select_related("department")}
    accounts = []
    for department in sorted(departments, key=lambda d: d.code):
        default = (f"{department.code.lower().replace('-', '_')}_handler", f"{department.name}办理员")
        username, full_name = EXTRA_HANDLERS.get(department.code, default)
        covered = users_with_role_for_department(HANDLER_ROLE, department.pk)
        if any(u.username != username for u in covered):
            continue
        label = f"{department.name}及下级"
        accounts.append(
            ensure_staff(username, full_name, department, role, DataScopeKind.DEPARTMENT_TREE, label)
        )
    return accounts
