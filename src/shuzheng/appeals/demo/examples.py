"""The open example appeals of the appeals demo, one in every work-order state, and grid01's events."""

from __future__ import annotations

from typing import Final

from shuzheng.appeals.constants import AppealChannel, AppealType, VisitResult
from shuzheng.appeals.models import Appeal
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.intake import IntakeInput, appeal_intake
from shuzheng.appeals.services.visits import work_order_visit
from shuzheng.appeals.services.work_orders import (
    work_order_accept,
    work_order_reply,
    work_order_request_return,
    work_order_supervise,
)
from shuzheng.core.actors import SystemActor
from shuzheng.identity.models import User
from shuzheng.orgs.models import Department, Division

EXAMPLES: Final = (
    # (text, type, town or village code, channel, target state)
    (
        "新平路与锦江大道交叉路口的红绿灯坏了两天，上下班时间非常混乱。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.HOTLINE,
        "dispatched",
    ),
    (
        "本人在恩平市某电声科技有限公司工作，公司已拖欠3个月工资共18000元，老板一直推脱。",
        AppealType.HELP,
        "440785001",
        AppealChannel.HOTLINE,
        "handling",
    ),
    (
        "沙湖镇市场旁边的垃圾桶已经一个星期没人清运，垃圾堆成小山，气味很臭。",
        AppealType.COMPLAINT,
        "440785103",
        AppealChannel.WECHAT,
        "return_requested",
    ),
    (
        "恩城大道有商户挂的横幅已经破烂半个月了也没人拆。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.WEB,
        "replied",
    ),
    (
        "小区物业不作为，电梯坏了一个多月都没修，老人上下楼很困难。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.HOTLINE,
        "supervised",
    ),
    (
        "楼上住户装修从早上六点开始电钻声不断，周末也装修，多次沟通无果。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.HOTLINE,
        "closed",
    ),
    (
        "反映的问题一直没人管，要求有关部门处理。",
        AppealType.COMPLAINT,
        "440785104",
        AppealChannel.HOTLINE,
        "pending",
    ),
    (
        "牛江镇村口闻到很浓的燃气味，怀疑管道漏气，请尽快派人检查。",
        AppealType.REPORT,
        "440785104",
        AppealChannel.HOTLINE,
        "dispatched",
    ),
)

DEMO: Final = SystemActor("demo")


def ensure_examples(divisions: dict[str, Division], departments: dict[str, Department]) -> int:
    if Appeal.objects.filter(is_historical=False).exists():
        return Appeal.objects.filter(is_historical=False).count()
    for text, appeal_type, division_code, channel, state in EXAMPLES:
        data = IntakeInput(
            channel=channel,
            appeal_type=appeal_type,
            text=text,
            division_code=division_code,
            reporter_name="陈建明",
            reporter_phone="13707500001",
            publish_consent=state in ("replied", "closed"),  # two reporters agreed to publish the text
        )
        appeal = appeal_intake(actor=DEMO, data=data)
        if state == "pending":
            continue
        appeal.refresh_from_db()
        if appeal.work_order_id is None:
            appeal_dispatch(actor=DEMO, appeal=appeal, department=departments["EP022"])
            appeal.refresh_from_db()
        wo = appeal.work_order
        assert wo is not None
        if state == "dispatched":
            continue
        if state == "return_requested":
            work_order_request_return(
                actor=DEMO, work_order=wo.pk, reason="该点位属城区范围，不属本单位职责。"
            )
            continue
        work_order_accept(actor=DEMO, work_order=wo.pk)
        if state == "handling":
            continue
        if state == "supervised":
            work_order_supervise(actor=DEMO, work_order=wo.pk, note="群众多次反映，列入督办。")
            continue
        work_order_reply(
            actor=DEMO, work_order=wo.pk, reply_text="经现场核查，已责令相关方整改，并将持续跟进。"
        )
        if state == "closed":
            work_order_visit(actor=DEMO, work_order=wo.pk, result=VisitResult.SATISFIED, note="")
    return Appeal.objects.filter(is_historical=False).count()


#: Events grid01 (沙湖镇综合治理办公室) reported and has not yet handled or escalated (网格员待处置).
GRID_EVENTS: Final = (
    ("沙湖镇第1社区文化广场东侧路灯不亮，晚上行人看不清路。", AppealType.COMPLAINT),
    ("沙湖镇第1社区菜市场门口排水沟堵塞，下雨后积水严重。", AppealType.COMPLAINT),
    ("建议在沙湖镇第1社区小学门口增设减速带。", AppealType.SUGGESTION),
)
GRID_WORKER: Final = "grid01"
GRID_VILLAGE: Final = "440785103001"


def ensure_grid_events() -> int:
    """grid01's events waiting for them, so the grid worker's home page and list have work to show."""
    worker = User.objects.filter(username=GRID_WORKER, is_active=True).first()
    if worker is None or Appeal.objects.filter(channel=AppealChannel.GRID, created_by=worker).exists():
        return 0
    for text, appeal_type in GRID_EVENTS:
        data = IntakeInput(
            channel=AppealChannel.GRID, appeal_type=appeal_type, text=text, division_code=GRID_VILLAGE
        )
        appeal_intake(actor=worker, data=data)
    return len(GRID_EVENTS)
