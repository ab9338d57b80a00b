"""Demo IT project register: the 16 key projects of the plan's 附件2, each with a plausible life-cycle state
reached through the transition service, milestones, and the systems it delivers with their stacks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final

from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.indicators.constants import FundingSource
from shuzheng.indicators.models import Milestone, Project, ProjectSystem
from shuzheng.indicators.services.projects import (
    milestone_save,
    project_save,
    project_transition,
    system_save,
)
from shuzheng.indicators.workflow import ProjectAction, ProjectState

#: (附件2 #, name, department, budget 万元, funding, plan task, state reached, start)
PROJECTS: Final = (
    (
        1,
        "恩平市12345政务服务热线平台升级改造",
        "EP001",
        "380",
        "fiscal",
        "完善政务服务便民热线",
        "evaluated",
        date(2022, 3, 1),
    ),
    (2, "“微信+智能化”审批系统", "EP020", "260", "fiscal", "深化商事制度改革", "operation", date(2022, 6, 1)),
    (3, "智慧招商平台", "EP014", "180", "fiscal", "开展“智慧招商”建设", "operation", date(2022, 10, 1)),
    (
        4,
        "“互联网+智能园区”建设",
        "EP002",
        "950",
        "bond",
        "推进产业数字化转型",
        "implementation",
        date(2024, 2, 1),
    ),
    (5, "智慧文旅体一体化平台", "EP015", "420", "superior", "智慧文旅精品化建设", "final", date(2023, 4, 1)),
    (
        6,
        "智慧警务应用",
        "EP004",
        "680",
        "superior",
        "加强警务信息化应用建设",
        "preliminary",
        date(2023, 9, 1),
    ),
    (7, "雪亮工程建设", "EP004", "2600", "fiscal", "加强警务信息化应用建设", "operation", date(2021, 5, 1)),
    (
        8,
        "应急指挥信息化系统",
        "EP018",
        "560",
        "superior",
        "推进应急和救援信息化建设",
        "operation",
        date(2022, 11, 1),
    ),
    (9, "智慧城管平台", "EP022", "480", "fiscal", "提升智慧城管治理水平", "operation", date(2022, 8, 1)),
    (10, "智慧停车管理系统", "EP011", "320", "other", "健全数字交通管理体系", "final", date(2023, 6, 1)),
    (
        11,
        "航空影像数据项目",
        "EP023",
        "150",
        "fiscal",
        "加强生态环境感知监测能力",
        "evaluated",
        date(2022, 4, 1),
    ),
    (
        12,
        "智慧水利项目",
        "EP012",
        "730",
        "superior",
        "加强自然资源精细管理能力",
        "implementation",
        date(2024, 1, 1),
    ),
    (
        13,
        "智慧林业平台",
        "EP024",
        "210",
        "superior",
        "加强自然资源精细管理能力",
        "procurement",
        date(2025, 3, 1),
    ),
    (
        14,
        "推动政务业务应用迁云工作",
        "EP001",
        "640",
        "fiscal",
        "推动政务系统迁移上云",
        "implementation",
        date(2023, 1, 1),
    ),
    (15, "政务外网升级改造", "EP001", "890", "fiscal", "加强政务外网升级改造", "final", date(2022, 9, 1)),
    (16, "政务信息化项目管理平台", "EP001", "120", "fiscal", "项目管理", "approved", date(2026, 4, 1)),
)

_PATH: Final = (
    ProjectAction.APPROVE,
    ProjectAction.PROCURE,
    ProjectAction.IMPLEMENT,
    ProjectAction.ACCEPT_PRELIMINARY,
    ProjectAction.ACCEPT_FINAL,
    ProjectAction.OPERATE,
    ProjectAction.EVALUATE,
)
_REACHED: Final = {
    "reserve": 0,
    "approved": 1,
    "procurement": 2,
    "implementation": 3,
    "preliminary": 4,
    "final": 5,
    "operation": 6,
    "evaluated": 7,
}
_MILESTONES: Final = (
    ("立项批复", 60),
    ("完成采购", 150),
    ("系统上线试运行", 360),
    ("初步验收", 420),
    ("终验", 540),
)

DOMESTIC = ("鲲鹏920", "麒麟V10", "达梦DM8", "东方通TongWeb")
DOMESTIC_HYGON = ("海光C86", "统信UOS", "人大金仓KingbaseES", "宝兰德BES")
FOREIGN = ("Intel Xeon", "CentOS 7", "Oracle 11g", "WebLogic")
MIXED = ("海光C86", "麒麟V10", "MySQL 8.0", "Tomcat")

#: (project #, system, core, new, on the cloud, stack)
SYSTEMS: Final = (
    (1, "12345热线工单系统", True, True, True, DOMESTIC),
    (1, "热线智能知识库", False, True, True, DOMESTIC),
    (2, "企业开办智能审批系统", True, True, True, DOMESTIC_HYGON),
    (3, "智慧招商管理系统", False, True, True, MIXED),
    (4, "园区综合管理平台", True, True, True, DOMESTIC),
    (5, "文旅体大数据平台", True, True, True, DOMESTIC_HYGON),
    (6, "警务综合应用平台", True, True, False, DOMESTIC),
    (7, "视频共享平台", True, True, False, DOMESTIC_HYGON),
    (8, "应急指挥调度系统", True, True, True, DOMESTIC),
    (9, "城管综合执法系统", True, True, True, MIXED),
    (10, "停车收费管理系统", False, True, True, FOREIGN),
    (11, "航空影像服务系统", False, True, True, DOMESTIC),
    (12, "水利综合监测系统", True, True, True, DOMESTIC),
    (14, "政务云管理平台", True, True, True, DOMESTIC_HYGON),
    (14, "财政一体化系统（迁云）", True, False, True, FOREIGN),
    (15, "政务外网运维管理系统", False, True, True, DOMESTIC),
)


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def ensure_projects(departments: dict[str, Any]) -> dict[str, Project]:
    """The 16 projects by code (KP01–KP16)."""
    projects: dict[str, Project] = {}
    today = timezone.localdate()
    for number, name, dept, budget, funding, task, state, start in PROJECTS:
        code = f"KP{number:02d}"
        project = Project.objects.filter(code=code).first()
        if project is None:
            project = project_save(
                actor=SYSTEM,
                project=Project(
                    code=code,
                    name=name,
                    department=departments[dept],
                    budget=Decimal(budget),
                    funding_source=FundingSource(funding),
                    plan_task=task,
                    key_project_number=number,
                    documents=f"恩政数〔{start.year}〕{number}号 立项批复",
                ),
                created=True,
            )
            for step, action in enumerate(_PATH[: _REACHED[state]]):
                day = min(start + timedelta(days=[60, 150, 200, 420, 540, 560, 900][step]), today)
                project_transition(actor=SYSTEM, project=project, action=action, note="演示数据", at=_at(day))
            for i, (label, offset) in enumerate(_MILESTONES):
                planned = start + timedelta(days=offset)
                done = i < _REACHED[state] - 1 or (i == 4 and _REACHED[state] >= 5)
                actual = min(planned + timedelta(days=(number * 7 + i * 11) % 40), today) if done else None
                milestone_save(
                    actor=SYSTEM,
                    milestone=Milestone(project=project, name=label, planned_on=planned, actual_on=actual),
                    created=True,
                )
        projects[code] = project
    for number, name, core, new, cloud, stack in SYSTEMS:
        if ProjectSystem.objects.filter(name=name).exists():
            continue
        project = projects[f"KP{number:02d}"]
        domestic = [part in DOMESTIC + DOMESTIC_HYGON for part in stack]
        live = project.state in (ProjectState.OPERATION, ProjectState.EVALUATED, ProjectState.FINAL)
        system_save(
            actor=SYSTEM,
            system=ProjectSystem(
                name=name,
                project=project,
                department=project.department,
                is_core=core,
                is_new=new,
                on_gov_cloud=cloud,
                cpu=stack[0],
                cpu_domestic=domestic[0],
                os=stack[1],
                os_domestic=domestic[1],
                database=stack[2],
                database_domestic=domestic[2],
                middleware=stack[3],
                middleware_domestic=domestic[3],
                in_service_on=PROJECTS[number - 1][7] + timedelta(days=400) if live else None,
            ),
            created=True,
        )
    return projects
