"""A case's timeline as its applicant and its clerks see it: status moves, correction requests and
answers, special procedures and materials, oldest first (the caller has already checked access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case
from shuzheng.cases.workflow import CaseAction


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # status | correction | correction_response | suspension | resumption | material
    title: str
    actor: str = ""
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _actor_name(user: Any) -> str:
    return user.full_name if user is not None else "系统"


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Status history, correction requests and answers, special procedures and materials, oldest first."""
    entries: list[TimelineEntry] = []
    for change in case.history.select_related("actor").order_by("occurred_at", "id"):
        title = CaseAction(change.action).label if change.action in CaseAction.values else change.action
        if change.action == "submit":
            title = "提交申请"
        entries.append(
            TimelineEntry(
                at=change.occurred_at,
                kind="status",
                title=f"{title}（{CaseStatus(change.to_status).label}）",
                actor=_actor_name(change.actor),
                note=change.note,
                data={"action": change.action, "from": change.from_status, "to": change.to_status},
            )
        )
    for correction in case.corrections.select_related("requested_by").order_by("requested_at", "id"):
        entries.append(
            TimelineEntry(
                at=correction.requested_at,
                kind="correction",
                title=f"补正告知（{len(correction.items)}项，{correction.respond_by:%Y-%m-%d}前补正）",
                actor=_actor_name(correction.requested_by),
                data={"items": correction.items, "respond_by": correction.respond_by.isoformat()},
            )
        )
        if correction.responded_at is not None:
            entries.append(
                TimelineEntry(
                    at=correction.responded_at,
                    kind="correction_response",
                    title="申请人已补正",
                    note=correction.response_note,
                )
            )
    for suspension in case.suspensions.order_by("started_at", "id"):
        entries.append(
            TimelineEntry(
                at=suspension.started_at,
                kind="suspension",
                title=f"启动特别程序：{suspension.get_kind_display()}",
                note=suspension.reason,
            )
        )
        if suspension.ended_at is not None:
            entries.append(
                TimelineEntry(
                    at=suspension.ended_at,
                    kind="resumption",
                    title=f"特别程序结束（占用{suspension.working_days}个工作日）",
                )
            )
    for material in case.materials.select_related("uploaded_by").order_by("id"):
        if material.deferred and material.supplied_at is None:
            title = (
                f"容缺材料：{material.name}（{material.deferred_due:%Y-%m-%d}前补交）"
                if material.deferred_due
                else f"容缺材料：{material.name}"
            )
            at = material.created_at
        elif material.deferred:
            title, at = f"补交容缺材料：{material.name}", material.supplied_at or material.created_at
        elif material.licence_reference:
            title, at = f"材料免提交（电子证照）：{material.name}", material.created_at
        elif material.checked_on_paper:
            title, at = f"窗口核验纸质材料：{material.name}", material.created_at
        else:
            title, at = f"提交材料：{material.name}", material.created_at
        entries.append(
            TimelineEntry(
                at=at,
                kind="material",
                title=title,
                actor=_actor_name(material.uploaded_by) if material.uploaded_by_id else "",
                data={"material_id": material.pk, "pages": material.pages, "sm3": material.sm3},
            )
        )
    order = {"status": 0, "correction": 1, "suspension": 1, "material": 2}
    entries.sort(key=lambda e: (e.at, order.get(e.kind, 3)))
    return entries
