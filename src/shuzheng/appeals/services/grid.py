"""Grid events (网格事件): a grid worker's own report waits for them to handle it on the spot (自行处置)
or hand it on to dispatch (上报派单)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from shuzheng.appeals.constants import (
    VISIT_REQUIRED_TYPES,
    AppealChannel,
    AppealStatus,
    AttachmentKind,
    ConclusionKind,
)
from shuzheng.appeals.models import Appeal
from shuzheng.appeals.services.appeal_status import appeal_transition
from shuzheng.appeals.services.common import appeal_snapshot, clean_text, require_perm
from shuzheng.appeals.services.dispatch import auto_dispatch_appeal
from shuzheng.appeals.services.intake import appeal_attach, conclude
from shuzheng.appeals.workflow import AppealAction
from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import Conflict, NotFound
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor


def _own_grid_appeal(actor: Actor, appeal: Appeal) -> Appeal:
    require_perm(actor, "appeals.report_grid_event", "处置网格事件")
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.channel != AppealChannel.GRID or (
        not isinstance(actor, SystemActor) and appeal.created_by_id != actor.pk
    ):
        raise NotFound("网格事件不存在或不是您上报的")
    return appeal


@transaction.atomic
def appeal_self_handle(*, actor: Actor, appeal: Appeal, note: str) -> Appeal:
    """自行处置: a grid worker handled a minor event; needs before and after photos and a note."""
    appeal = _own_grid_appeal(actor, appeal)
    note = clean_text(note)
    errs = FieldErrors()
    if not note:
        errs.add("note", "请填写处置情况")
    kinds = set(appeal.attachments.values_list("kind", flat=True))
    if AttachmentKind.BEFORE not in kinds:
        errs.add("before", "请先上传处置前照片")
    if AttachmentKind.AFTER not in kinds:
        errs.add("after", "请先上传处置后照片")
    if appeal.appeal_type in VISIT_REQUIRED_TYPES and appeal.reporter_phone:
        errs.add("appeal_type", "有诉求人的投诉、举报须派单办理并回访，不能自行处置")
    if appeal.status != AppealStatus.REPORTED:
        raise Conflict(f"事件当前状态为“{appeal.get_status_display()}”，不能再处置")
    errs.raise_if_any()
    return conclude(
        actor,
        appeal,
        action=AppealAction.SELF_HANDLE,
        conclusion=ConclusionKind.SELF_HANDLED,
        answer=note,
        note=note,
    )


@transaction.atomic
def appeal_escalate(*, actor: Actor, appeal: Appeal) -> Appeal:
    """A grid worker hands an event on (``reported`` → ``pending_dispatch``): it goes through rules and the
    classifier like any appeal, and waits in the centre's queue when neither decides."""
    appeal = _own_grid_appeal(actor, appeal)
    before = appeal_snapshot(appeal)
    appeal_transition(actor=actor, appeal=appeal, action=AppealAction.ESCALATE)
    audit.record(
        actor=actor,
        action="appeals.appeal.escalate",
        subject=appeal,
        before=before,
        after=appeal_snapshot(appeal),
    )
    auto_dispatch_appeal(appeal=appeal, check_merge=True)
    appeal.refresh_from_db()
    return appeal


@transaction.atomic
def appeal_self_handle_with_photos(
    *,
    actor: Actor,
    appeal: Appeal,
    note: str,
    before: Sequence[tuple[str, bytes]] = (),
    after: Sequence[tuple[str, bytes]] = (),
) -> Appeal:
    """自行处置 with the before and after photos uploaded in the same step; all or nothing."""
    appeal = _own_grid_appeal(actor, appeal)
    for kind, photos in ((AttachmentKind.BEFORE, before), (AttachmentKind.AFTER, after)):
        for name, content in photos:
            appeal_attach(actor=actor, appeal=appeal, content=content, name=name, kind=kind)
    return appeal_self_handle(actor=actor, appeal=appeal, note=note)
