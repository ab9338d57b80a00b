"""好差评 demo data for Enping: roles, evaluations of the demo's concluded cases, a year of QR evaluations,
bad reviews with rectifications in every state, one upheld dispute and one pending.

Needs the orgs and identity demo data (halls, departments, the demo staff); uses the cases demo's
concluded cases when there are any and works without them. ``load()`` is idempotent: roles and role
assignments are ensured, a case is evaluated at most once per channel (the services refuse a second),
and the QR evaluations (their comments end in “（演示）”) are created in one transaction only when none
exist yet. Everything goes through the services (validated, audited, notified); afterwards the demo
moves ``evaluated_at`` (and the due dates of their rectifications) back in time so the dashboard has a
year of history — the only writes outside the services, and only to rows it just created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shuzheng.cases import selectors as case_selectors
from shuzheng.core.actors import SystemActor
from shuzheng.core.calendar import OFFICE_TZ, add_working_days
from shuzheng.core.errors import ApplicationError
from shuzheng.evaluation.constants import DisputeDecision, EvaluationChannel
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification, RectificationEvent
from shuzheng.evaluation.services import disputes, ratings, rectifications
from shuzheng.identity import demo as identity_demo
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.models import Role
from shuzheng.identity.services import roles as role_services
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.models import Hall, Window

Progress = Callable[[str, int, int], None]

DEMO_MARK: Final = "（演示）"
CITY_DIVISION: Final = "440785"
CITY_HALL: Final = "H440785"
TOWN_HALL: Final = "H440785103"  # 沙湖镇政务服务中心
MAX_CASES: Final = 300
CASES_DEMO_KEY: Final = "demo-"  # the idempotency keys of the cases demo's cases (cases.demo.stories)
#: The platform loading the demo (QR evaluations are anonymous; roles are ensured by no one in particular).
DEMO: Final = SystemActor("demo")

_VIEW = ("evaluation.view_evaluation", "evaluation.view_rectification", "evaluation.view_evaluationappeal")


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    description: str
    permissions: tuple[str, ...]


ROLES: Final = (
    RoleSpec(
        "evaluation_handler",
        "好差评处理人员",
        "本部门差评的回访、整改，对恶意或错误评价提出申诉。",
        (*_VIEW, "evaluation.change_rectification", "evaluation.add_evaluationappeal"),
    ),
    RoleSpec(
        "evaluation_supervisor",
        "好差评督查",
        "核查差评整改，复核评价申诉（可作废评价），查看全部好差评数据。",
        (*_VIEW, "evaluation.check_rectification", "evaluation.review_evaluationappeal"),
    ),
    RoleSpec(
        "evaluation_recorder",
        "现场评价录入",
        "在窗口为办事群众录入现场评价（一次一评，评价器或工作人员代录）。",
        ("evaluation.add_evaluation",),
    ),
)


@dataclass(frozen=True)
class Grant:
    username: str
    role: str
    scope: str
    department: str = ""  # department code (department scopes)
    division: str = ""  # division code (division-tree scopes)


GRANTS: Final = (
    Grant("zwsj_admin", "evaluation_supervisor", DataScopeKind.ALL),
    Grant("window01", "evaluation_handler", DataScopeKind.DEPARTMENT, department="EP001"),
    Grant("window01", "evaluation_recorder", DataScopeKind.DIVISION_TREE, division=CITY_DIVISION),
    Grant("shahu_clerk", "evaluation_handler", DataScopeKind.DEPARTMENT, department="EP440785103"),
    Grant("shahu_clerk", "evaluation_recorder", DataScopeKind.DIVISION_TREE, division="440785103"),
    # every city department's own staff handles the bad reviews of its windows (identity.demo.DEPARTMENTS)
    *(
        Grant(f"{prefix}01", "evaluation_handler", DataScopeKind.DEPARTMENT, department=code)
        for prefix, code, _ in identity_demo.DEPARTMENTS
    ),
)

GOOD_COMMENTS: Final = (
    "窗口工作人员耐心细致，一次就办好了。",
    "材料清单很清楚，没有多跑。",
    "排队时间短，服务热情。",
    "",
    "取号后很快叫号，效率高。",
    "工作人员主动帮忙填表。",
    "",
    "环境整洁，引导清晰。",
)


@dataclass(frozen=True)
class BadSpec:
    """A bad QR review and how far its rectification gets."""

    key: str
    hall: str
    window: str  # "" = the hall's own QR code
    level: int
    phone: str
    days_ago: int
    comment: str
    target: str  # a RectificationStatus, or "dispute_upheld" / "dispute_pending"


BAD: Final = (
    BadSpec(
        "verified",
        CITY_HALL,
        "03",
        2,
        "13707509001",
        75,
        "等候一个多小时，叫号系统故障无人解释。",
        "verified",
    ),
    BadSpec("rectified", CITY_HALL, "05", 1, "13707509002", 20, "窗口人员说话不耐烦。", "rectified"),
    BadSpec("rejected", CITY_HALL, "", 2, "", 30, "大厅指引不清楚，找不到取号机。", "rejected"),
    BadSpec(
        "return_visited",
        CITY_HALL,
        "02",
        1,
        "13707509003",
        8,
        "要求重复提交已经交过的材料。",
        "return_visited",
    ),
    BadSpec("overdue", CITY_HALL, "07", 2, "13707509004", 40, "告知的办理时限与实际不符。", "open"),
    BadSpec("pending_dispute", CITY_HALL, "01", 1, "", 3, "差差差", "dispute_pending"),
    BadSpec("upheld", CITY_HALL, "04", 1, "13707509005", 12, "评价的是其他大厅的服务", "dispute_upheld"),
    BadSpec("town", TOWN_HALL, "01", 2, "13707509006", 5, "午休时间窗口没有人。", "open"),
)


def _at(days_ago: int, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, 0), tzinfo=OFFICE_TZ)


def _backdate(evaluation: Evaluation, when: datetime) -> None:
    """Move a just-created demo evaluation (and its rectification: due date, opening record) to `when`."""
    Evaluation.objects.filter(pk=evaluation.pk).update(evaluated_at=when)
    rectification = Rectification.objects.filter(evaluation_id=evaluation.pk).first()
    if rectification is None:
        return
    days = int(getattr(settings, "SHUZHENG_RECTIFICATION_DAYS", 15))
    due = add_working_days(when.astimezone(OFFICE_TZ).date(), days)
    Rectification.objects.filter(pk=rectification.pk).update(due_date=due)
    RectificationEvent.objects.filter(rectification=rectification, action="open").update(
        occurred_at=when, note=f"收到“{evaluation.get_level_display()}”评价，整改期限 {due:%Y-%m-%d}"
    )


def _users(usernames: set[str]) -> dict[str, Any]:
    found = identity_selectors.users_by_username(usernames)
    missing = usernames - set(found)
    if missing:
        raise RuntimeError(f"请先加载账号演示数据（缺少账号 {', '.join(sorted(missing))}）")
    return found


def _ensure_roles() -> dict[str, Role]:
    return {
        spec.code: role_services.role_ensure(
            actor=DEMO,
            code=spec.code,
            name=spec.name,
            description=spec.description,
            permissions=list(spec.permissions),
        )
        for spec in ROLES
    }


def _ensure_grants(roles: dict[str, Role], users: dict[str, Any]) -> int:
    created = 0
    departments = orgs_selectors.departments_by_code(sorted({g.department for g in GRANTS if g.department}))
    divisions = orgs_selectors.divisions_by_code(sorted({g.division for g in GRANTS if g.division}))
    for grant in GRANTS:
        user = users[grant.username]
        role = roles[grant.role]
        department = departments.get(grant.department) if grant.department else None
        division = divisions.get(grant.division) if grant.division else None
        if (grant.department and department is None) or (grant.division and division is None):
            raise RuntimeError("请先加载组织机构演示数据")
        if identity_selectors.has_assignment(user=user, role=role, department=department, division=division):
            continue
        role_services.role_assign(
            actor=DEMO,
            user=user,
            role=role,
            scope=grant.scope,
            department_id=department.pk if department is not None else None,
            division_id=division.pk if division is not None else None,
        )
        created += 1
    return created


def _case_level(n: int) -> int:
    """A realistic spread: about 80 % 非常满意, some 满意 and 基本满意, one in 25 a bad review."""
    if n % 25 == 7:
        return 2
    if n % 11 == 3:
        return 3
    if n % 4 == 1:
        return 4
    return 5


def _evaluate_cases(recorder: Any) -> int:
    created = 0
    # Only the cases demo's cases: the 秒批 and 一件事 steps conclude cases after this step, which a second
    # load would otherwise evaluate (and the second load must change nothing).
    cases = case_selectors.concluded_cases(limit=MAX_CASES, key_prefix=CASES_DEMO_KEY)
    done = set(Evaluation.objects.filter(case_id__in=[c.pk for c in cases]).values_list("case_id", "channel"))
    for n, case in enumerate(cases):
        when = (case.concluded_at or timezone.now()) + timedelta(hours=1)
        when = min(when, timezone.now())
        level = _case_level(n)
        comment = GOOD_COMMENTS[n % len(GOOD_COMMENTS)] if level >= 4 else "办理时间比承诺的长。"
        if case.applicant is not None and (case.pk, EvaluationChannel.ONLINE) not in done:
            try:
                evaluation = ratings.evaluation_submit_online(
                    actor=case.applicant,
                    case=case,
                    level=level,
                    dimensions={"efficiency": level, "guide_accuracy": 5, "convenience": max(level, 4)},
                    comment=comment,
                )
            except ApplicationError:
                continue
            _backdate(evaluation, when)
            created += 1
        if case.hall_id is not None and (case.pk, EvaluationChannel.ONSITE) not in done:
            try:
                evaluation = ratings.evaluation_record_onsite(
                    actor=recorder,
                    case=case,
                    level=max(level, 4),
                    dimensions={"efficiency": 5, "service_level": 5, "attitude": max(level, 4)},
                )
            except ApplicationError:  # e.g. outside the recorder's division
                continue
            _backdate(evaluation, when)
            created += 1
    return created


def _good_qr(halls: dict[str, Hall], windows: dict[tuple[str, str], Window]) -> int:
    created = 0
    for n in range(96):
        hall_code = TOWN_HALL if n % 6 == 5 else CITY_HALL
        number = f"{n % 10 + 1:02d}" if hall_code == CITY_HALL else f"{n % 3 + 1:02d}"
        level = 3 if n % 19 == 4 else (4 if n % 5 == 2 else 5)
        comment = GOOD_COMMENTS[n % len(GOOD_COMMENTS)]
        evaluation = ratings.evaluation_submit_qr(
            actor=DEMO,
            hall=halls[hall_code],
            window=windows.get((hall_code, number)),
            level=level,
            dimensions={"efficiency": level, "service_level": 5, "attitude": level},
            comment=f"{comment}{DEMO_MARK}",
            check_rate=False,
        )
        _backdate(evaluation, _at(days_ago=(n * 37) % 360 + 1, hour=9 + n % 8))
        created += 1
    return created


def _bad_qr(
    halls: dict[str, Hall], windows: dict[tuple[str, str], Window], users: dict[str, Any]
) -> tuple[int, int]:
    created = filed = 0
    supervisor = users["zwsj_admin"]
    for spec in BAD:
        evaluation = ratings.evaluation_submit_qr(
            actor=DEMO,
            hall=halls[spec.hall],
            window=windows.get((spec.hall, spec.window)) if spec.window else None,
            level=spec.level,
            dimensions={"attitude": spec.level},
            comment=f"{spec.comment}{DEMO_MARK}",
            phone=spec.phone,
            check_rate=False,
        )
        _backdate(evaluation, _at(days_ago=spec.days_ago, hour=15))
        created += 1
        rectification = Rectification.objects.select_related("department", "owner").get(evaluation=evaluation)
        handler = rectification.owner
        if handler is None:
            raise RuntimeError(f"{rectification.department.name}没有差评整改处理人员，请先加载账号演示数据")
        if (
            spec.target in ("return_visited", "rectified", "verified", "rejected")
            and rectification.return_visit_required
        ):
            rectification = rectifications.rectification_record_return_visit(
                actor=handler, rectification=rectification, note="已电话回访评价人，了解了具体情况并致歉。"
            )
        if spec.target in ("rectified", "verified", "rejected"):
            rectification = rectifications.rectification_submit_result(
                actor=handler,
                rectification=rectification,
                result="已查明原因：高峰期人手不足。整改：增设引导岗，高峰时段增开两个综合窗口，并对窗口人员开展服务规范培训。",
            )
        if spec.target == "verified":
            rectifications.rectification_check(
                actor=supervisor, rectification=rectification, passed=True, note="整改措施落实到位。"
            )
        if spec.target == "rejected":
            rectifications.rectification_check(
                actor=supervisor,
                rectification=rectification,
                passed=False,
                note="未提供整改佐证材料（排班表、培训记录）。",
            )
        if spec.target in ("dispute_pending", "dispute_upheld"):
            dispute = disputes.dispute_file(
                actor=handler,
                evaluation=Evaluation.objects.select_related("department__division").get(pk=evaluation.pk),
                reason="经调取窗口录像，评价时段该窗口无办事人员办理业务，评价对象有误。",
            )
            filed += 1
            if spec.target == "dispute_upheld":
                disputes.dispute_review(
                    actor=supervisor,
                    dispute=dispute,
                    decision=DisputeDecision.UPHOLD,
                    note="经核实，评价人评价的是其他大厅的服务，属误评，予以作废。",
                )
    return created, filed


def load(progress: Progress | None = None) -> dict[str, int]:
    """Create the 好差评 demo data (idempotent); returns counts of what exists and ``created``."""
    steps = ("角色与授权", "办件评价", "二维码评价", "差评整改与申诉")
    total = len(steps)

    def step(done: int) -> None:
        if progress is not None:
            progress(steps[done - 1], done, total)

    users = _users({g.username for g in GRANTS})
    created = 0
    with transaction.atomic():
        roles = _ensure_roles()
        created += _ensure_grants(roles, users)
        step(1)
        created += _evaluate_cases(users["window01"])
        step(2)
        halls = {h.code: h for h in Hall.objects.filter(code__in=[CITY_HALL, TOWN_HALL])}
        demo_exists = Evaluation.objects.filter(
            channel=EvaluationChannel.QR, comment__endswith=DEMO_MARK
        ).exists()
        if len(halls) == 2 and not demo_exists:
            windows = {
                (w.hall.code, w.number): w
                for w in Window.objects.select_related("hall", "department").filter(hall__in=halls.values())
            }
            created += _good_qr(halls, windows)
            step(3)
            made, _ = _bad_qr(halls, windows, users)
            created += made
        else:
            step(3)
        step(4)
    return {
        "evaluations": Evaluation.objects.count(),
        "rectifications": Rectification.objects.count(),
        "rating_disputes": RatingDispute.objects.count(),
        "created": created,
    }
