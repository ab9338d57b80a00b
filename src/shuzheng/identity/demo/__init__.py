"""Demo accounts for Enping: roles, staff with TOTP devices, 20 citizens and 3 enterprise agents.

Needs the orgs demo data first (departments and divisions are looked up by code through the ORM, so
identity does not import orgs). `load()` is idempotent: accounts are keyed by username, an existing
account keeps its password, device and roles, and missing pieces are added.

Every demo account uses `DEMO_PASSWORD`. The demo settings switch the staff second factor off; the
TOTP secrets returned here let a login under the real settings (or a browser test) pass it.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.apps import apps
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto import blind_index
from shuzheng.core.validators import generate_id_number, generate_uscc
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.models import Role, RoleAssignment, User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.services import logins as login_services
from shuzheng.identity.services import roles as role_services
from shuzheng.orgs import selectors as orgs_selectors

Progress = Callable[[str, int, int], None]

DEMO_PASSWORD: Final = "Enping#2026"  # noqa: S105 - the published demo password, printed by load-demo
REGION: Final = "440785"
CITY_DEPARTMENT: Final = "EP001"  # 恩平市政务服务数据管理局
SHAHU_TOWN: Final = "440785103"  # 沙湖镇


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    full_name: str
    role: str
    scope: str
    kind: str = User.Kind.STAFF
    otp_secret: str = ""  # base32, as typed into an authenticator app; "" for citizens


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    description: str
    permissions: tuple[str, ...]


_ORGS_VIEW = ("orgs.view_division", "orgs.view_department", "orgs.view_hall", "orgs.view_window")
_USER_ADMIN = (
    "identity.view_user",
    "identity.add_user",
    "identity.change_user",
    "identity.view_role",
    "identity.view_roleassignment",
    "identity.add_roleassignment",
    "identity.delete_roleassignment",
)

ROLES: Final[tuple[RoleSpec, ...]] = (
    RoleSpec("system_admin", "系统管理员", "平台全部权限，可查看明文个人信息。", ("*",)),
    RoleSpec(
        "department_admin", "部门管理员", "管理本部门及下级部门的账号和角色。", (*_USER_ADMIN, *_ORGS_VIEW)
    ),
    RoleSpec(
        "window_clerk",
        "窗口工作人员",
        "政务服务大厅窗口受理，可为群众登记账号。",
        ("identity.view_user", "identity.add_user", *_ORGS_VIEW),
    ),
    RoleSpec(
        "town_clerk",
        "镇街工作人员",
        "镇（街道）及下辖村（社区）的政务服务。",
        ("identity.view_user", *_ORGS_VIEW),
    ),
    RoleSpec(
        "auditor",
        "审计员",
        "查阅与核验审计日志。",
        ("identity.view_auditevent", "identity.view_auditarchive", "identity.view_user"),
    ),
    RoleSpec("grid_worker", "网格员", "网格事件上报，只看本人数据。", ("identity.view_user",)),
    RoleSpec(
        "data_admin",
        "数据管理员",
        "数据资源目录、共享与开放（数据中台）。",
        ("identity.view_user", *_ORGS_VIEW),
    ),
    RoleSpec(
        "department_staff",
        "部门业务人员",
        "本部门的业务办理：办件审查与审批、差评整改（具体权限由各业务角色授予）。",
        _ORGS_VIEW,
    ),
)


@dataclass(frozen=True)
class StaffSpec:
    username: str
    full_name: str
    department: str
    role: str
    scope: str
    scope_label: str
    division: str = ""
    superuser: bool = False
    admin_site: bool = False


_CORE_STAFF: Final[tuple[StaffSpec, ...]] = (
    StaffSpec("admin", "梁志远", CITY_DEPARTMENT, "system_admin", DataScopeKind.ALL, "全部", superuser=True,
              admin_site=True),
    StaffSpec("zwsj_admin", "吴丽芳", CITY_DEPARTMENT, "department_admin", DataScopeKind.DEPARTMENT_TREE,
              "恩平市政务服务数据管理局及下级", admin_site=True),
    StaffSpec("window01", "郑嘉欣", CITY_DEPARTMENT, "window_clerk", DataScopeKind.DEPARTMENT,
              "恩平市政务服务数据管理局"),
    StaffSpec("shahu_clerk", "冯国荣", f"EP{SHAHU_TOWN}", "town_clerk", DataScopeKind.DIVISION_TREE,
              "沙湖镇及下辖村（社区）", division=SHAHU_TOWN),
    StaffSpec("auditor", "岑惠玲", CITY_DEPARTMENT, "auditor", DataScopeKind.ALL, "全部"),
    StaffSpec("grid01", "甄俊杰", f"EP{SHAHU_TOWN}-02", "grid_worker", DataScopeKind.SELF, "仅本人"),
    StaffSpec("data_admin", "何海燕", CITY_DEPARTMENT, "data_admin", DataScopeKind.ALL, "全部"),
)  # fmt: skip

#: (username prefix, department code, short name): each city department with demo items acts on its own
#: cases and rectifications (cases.demo makes them its reviewer and approver, evaluation.demo its 好差评
#: handler), instead of one 政数局 account acting for every department.
DEPARTMENTS: Final = (
    ("zwsj", "EP001", "政数局"), ("fgj", "EP002", "发改局"), ("jyj", "EP003", "教育局"),
    ("gaj", "EP004", "公安局"), ("jjdd", "EP004-01", "交警大队"), ("mzj", "EP005", "民政局"),
    ("sfj", "EP006", "司法局"), ("czj", "EP007", "财政局"), ("rsj", "EP008", "人社局"),
    ("sthj", "EP009", "生态环境分局"), ("zjj", "EP010", "住建局"), ("jtj", "EP011", "交通运输局"),
    ("slj", "EP012", "水利局"), ("nyj", "EP013", "农业农村局"), ("swuj", "EP014", "商务局"),
    ("wglt", "EP015", "文广旅体局"), ("wjj", "EP016", "卫健局"), ("tyjr", "EP017", "退役军人事务局"),
    ("yjj", "EP018", "应急管理局"), ("scjg", "EP020", "市场监管局"), ("ybj", "EP021", "医保局"),
    ("cgj", "EP022", "城管执法局"), ("zrzy", "EP023", "自然资源局"), ("bdc", "EP023-01", "不动产登记中心"),
    ("lyj", "EP024", "林业局"), ("tjj", "EP025", "统计局"), ("swj", "EP026", "税务局"),
    ("gjj", "EP027", "公积金"), ("gdj", "EP028", "供电局"), ("clj", "EP030", "残联"),
    ("qxj", "EP031", "气象局"), ("xfdd", "EP032", "消防救援大队"),
)  # fmt: skip
_STAFF_SURNAMES: Final = ("黄", "陈", "梁", "吴", "李", "冯", "郑", "岑", "何", "司徒", "甄", "张")
_STAFF_GIVEN: Final = ("振华", "慧敏", "国栋", "晓燕", "志坚", "丽娟", "文杰", "少玲", "健明", "雪梅", "永康")


def _department_staff() -> tuple[StaffSpec, ...]:
    return tuple(
        StaffSpec(
            f"{prefix}01",
            _STAFF_SURNAMES[n % len(_STAFF_SURNAMES)] + _STAFF_GIVEN[n % len(_STAFF_GIVEN)],
            code,
            "department_staff",
            DataScopeKind.DEPARTMENT,
            short,
        )
        for n, (prefix, code, short) in enumerate(DEPARTMENTS)
    )


STAFF: Final[tuple[StaffSpec, ...]] = (*_CORE_STAFF, *_department_staff())

_SURNAMES: Final = ("陈", "李", "黄", "梁", "吴", "冯", "郑", "岑", "司徒", "何")
_GIVEN: Final = ("建明", "秀珍", "伟强", "美玲", "家豪", "淑仪", "志华", "婉婷", "锦荣", "嘉怡")
CITIZEN_COUNT: Final = 20

#: (username, person's name, enterprise name, USCC sequence)
AGENTS: Final = (
    ("agent01", "司徒文华", "恩平市锦江温泉旅游有限公司（演示）", 10001),
    ("agent02", "吴嘉伟", "恩平市侨乡电声科技有限公司（演示）", 10002),
    ("agent03", "梁晓琳", "恩平市簕菜农业专业合作社（演示）", 10003),
)


def _otp_secret(device: TOTPDevice | None) -> str:
    return b32encode(device.bin_key).decode() if device is not None else ""


def _role_names() -> dict[str, str]:
    return {spec.code: spec.name for spec in ROLES}


def _ensure_roles() -> dict[str, Role]:
    permission_model = apps.get_model("auth", "Permission")
    everything = [
        f"{app_label}.{codename}"
        for app_label, codename in permission_model.objects.values_list("content_type__app_label", "codename")
    ]
    roles = {}
    for spec in ROLES:
        permissions = everything if spec.permissions == ("*",) else list(spec.permissions)
        roles[spec.code] = role_services.role_ensure(
            actor=SYSTEM,
            code=spec.code,
            name=spec.name,
            description=spec.description,
            permissions=permissions,
        )
    return roles


def ensure_staff_account(
    *,
    username: str,
    full_name: str,
    department: Any,
    role: Role,
    scope: str,
    division: Any = None,
    admin_site: bool = False,
) -> tuple[User, bool]:
    """A demo staff member holding ``role`` over ``scope``, made through the identity services when
    missing; (user, created). Every context's demo loader makes its accounts with this one."""
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = account_services.staff_create(
            actor=SYSTEM,
            username=username,
            full_name=full_name,
            department_id=department.pk,
            email=f"{username}@demo.example.cn",
            password=DEMO_PASSWORD,
            is_staff=admin_site,
        )
    if not RoleAssignment.objects.filter(user=user, role=role).exists():
        role_services.role_assign(
            actor=SYSTEM,
            user=user,
            role=role,
            scope=scope,
            department_id=department.pk
            if scope in (DataScopeKind.DEPARTMENT, DataScopeKind.DEPARTMENT_TREE)
            else None,
            division_id=division.pk if division is not None else None,
        )
    return user, created


def _ensure_staff(
    spec: StaffSpec, roles: dict[str, Role], departments: dict[str, Any], divisions: dict[str, Any]
) -> DemoAccount:
    user, created = ensure_staff_account(
        username=spec.username,
        full_name=spec.full_name,
        department=departments[spec.department],
        role=roles[spec.role],
        scope=spec.scope,
        division=divisions.get(spec.division) if spec.division else None,
        admin_site=spec.admin_site,
    )
    if created and spec.superuser:
        user.is_superuser = True
        account_services.user_admin_save(actor=SYSTEM, user=user, created=False, changed=["is_superuser"])
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = login_services.otp_device_enrol(actor=SYSTEM, user=user)
    return DemoAccount(
        username=user.username,
        password=DEMO_PASSWORD,
        full_name=user.full_name,
        role=_role_names()[spec.role],
        scope=spec.scope_label,
        kind=User.Kind.STAFF,
        otp_secret=_otp_secret(device),
    )


def _citizen_name(n: int) -> str:
    return _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n * 3 + n // len(_SURNAMES)) % len(_GIVEN)]


def _citizen_id(n: int) -> str:
    birth = date(1960 + (n * 7) % 45, 1 + n % 12, 1 + (n * 5) % 28)
    return generate_id_number(REGION, birth, seq=100 + n, female=n % 2 == 1)


def _ensure_citizen(n: int) -> DemoAccount:
    username = f"citizen{n:02d}"
    id_number = _citizen_id(n)
    user = User.objects.filter(username=username).first()
    if user is None and not User.objects.filter(id_number_index=blind_index(id_number)).exists():
        user = account_services.citizen_create(
            actor=SYSTEM,
            username=username,
            full_name=_citizen_name(n),
            id_number=id_number,
            mobile=f"1370750{n:04d}",
            password=DEMO_PASSWORD,
        )
    return DemoAccount(
        username=username,
        password=DEMO_PASSWORD,
        full_name=user.full_name if user is not None else _citizen_name(n),
        role="自然人",
        scope="仅本人",
        kind=User.Kind.CITIZEN,
    )


def _ensure_agent(index: int, username: str, full_name: str, enterprise: str, uscc_seq: int) -> DemoAccount:
    id_number = generate_id_number(
        REGION, date(1975 + index * 4, 3 + index, 10 + index), seq=400 + index, female=index % 2 == 0
    )
    user = User.objects.filter(username=username).first()
    if user is None and not User.objects.filter(id_number_index=blind_index(id_number)).exists():
        user = account_services.enterprise_agent_create(
            actor=SYSTEM,
            username=username,
            full_name=full_name,
            id_number=id_number,
            enterprise_uscc=generate_uscc(REGION, uscc_seq),
            enterprise_name=enterprise,
            mobile=f"1370751{index:04d}",
            password=DEMO_PASSWORD,
        )
    return DemoAccount(
        username=username,
        password=DEMO_PASSWORD,
        full_name=full_name,
        role="法人经办人",
        scope=enterprise,
        kind=User.Kind.ENTERPRISE_AGENT,
    )


def load(progress: Progress | None = None) -> list[DemoAccount]:
    """Create the demo roles and accounts (idempotent) and return them, staff first.

    ``progress(label, done, total)`` is called after each of the 4 steps.
    """
    wanted_departments = {spec.department for spec in STAFF}
    departments = orgs_selectors.departments_by_code(sorted(wanted_departments))
    missing = wanted_departments - set(departments)
    if missing:
        raise RuntimeError(f"请先加载组织机构演示数据（缺少部门 {', '.join(sorted(missing))}）")
    divisions = orgs_selectors.divisions_by_code(sorted({s.division for s in STAFF if s.division}))

    steps = ("角色", "工作人员账号", "自然人账号", "法人经办人账号")
    total = len(steps)

    def step(done: int) -> None:
        if progress is not None:
            progress(steps[done - 1], done, total)

    accounts: list[DemoAccount] = []
    with transaction.atomic():
        roles = _ensure_roles()
        step(1)
        accounts += [_ensure_staff(spec, roles, departments, divisions) for spec in STAFF]
        step(2)
        accounts += [_ensure_citizen(n) for n in range(1, CITIZEN_COUNT + 1)]
        step(3)
        accounts += [_ensure_agent(i, *agent) for i, agent in enumerate(AGENTS, start=1)]
        step(4)
    return accounts
