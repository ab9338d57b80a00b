"""Every write of the appeals context: intake, dispatch, work-order actions, visits, merging, KB, training.

Rules that hold throughout:
- keyword-only arguments; validation first, with Chinese messages naming the field; nothing is written
  when anything is wrong (each service is one transaction);
- every change writes an audit event in the same transaction (``core.audit.record``);
- work-order status changes go through ``work_order_transition`` only, which checks
  ``workflow.ALLOWED_TRANSITIONS``, locks the row (``select_for_update``), compares the caller's
  ``expected_version`` (a stale one is a Conflict for the loser) and writes a ``WorkOrderEvent``;
- a department acts only on work orders of its own department tree: anything else is NotFound, so
  another department's work order is indistinguishable from a missing one.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from shuzheng.appeals import classifier, sla
from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import (
    SATISFIED_RESULTS,
    VISIT_REQUIRED_TYPES,
    AppealChannel,
    AppealStatus,
    AppealType,
    ArticleStatus,
    AssistStatus,
    AttachmentKind,
    ConclusionKind,
    DispatchKind,
    RequestStatus,
    Urgency,
    VisitResult,
    WorkOrderStatus,
)
from shuzheng.appeals.models import (
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealSequence,
    Category,
    DispatchDecision,
    DispatchModel,
    ExtensionRequest,
    KnowledgeArticle,
    KnowledgeArticleVersion,
    ReturnRequest,
    ReturnVisit,
    RoutingRule,
    WorkOrder,
    WorkOrderAssist,
    WorkOrderEvent,
)
from shuzheng.appeals.workflow import WorkOrderAction
from shuzheng.core import audit, counters, fulltext
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationFailed,
)
from shuzheng.core.masking import mask_mobile, mask_name
from shuzheng.core.notifications import notify
from shuzheng.core.permissions import missing_permission
from shuzheng.core.validators import validate_mobile, validate_uscc
from shuzheng.identity.scopes import data_scope_for
from shuzheng.identity.selectors import users_with_role_for_department
from shuzheng.orgs.models import Department, Division, Grid

A = WorkOrderAction
APPEAL_DOC = "appeals.appeal"
KB_DOC = "appeals.kb"
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
DIRECT_ANSWER_TYPES = frozenset(
    {AppealType.CONSULT, AppealType.SUGGESTION, AppealType.PRAISE, AppealType.HELP}
)
HANDLER_ROLE = "department_handler"
#: Appeals another may be merged into: not a grid event its worker may still handle on the spot.
MERGE_TARGET_STATUSES = (AppealStatus.PENDING_DISPATCH, AppealStatus.DISPATCHED)


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def extend(self, error: ValidationFailed) -> None:
        self.items.extend(error.errors or [{"field": "", "message": error.detail}])

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed("；".join(e["message"] for e in self.items), errors=list(self.items))


def _now() -> datetime:
    return timezone.now()


def _text(value: str | None) -> str:
    """Trimmed text without NUL characters (PostgreSQL refuses them in text columns)."""
    return (value or "").replace("\x00", "").strip()


def _require_perm(actor: Any, perm: str, what: str) -> None:
    if actor is None:  # the platform itself (demo load, automatic dispatch)
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{what}的权限{missing_permission(perm)}")


def next_number(prefix: str, *, day: date | None = None) -> str:
    """``<prefix><YYYYMMDD><6 digits>`` from the per-day AppealSequence counter (core.counters)."""
    day = day or timezone.localdate()
    return f"{prefix}{day:%Y%m%d}{counters.increment(AppealSequence, prefix=prefix, day=day):06d}"


# --- snapshots (audit, no clear personal data) ---------------------------------------------------------


def appeal_snapshot(appeal: Appeal) -> dict[str, Any]:
    return {
        "number": appeal.number,
        "channel": appeal.channel,
        "appeal_type": appeal.appeal_type,
        "category": appeal.category.code if appeal.category_id and appeal.category else None,
        "division": appeal.division.code if appeal.division_id else None,
        "status": appeal.status,
        "urgency": appeal.urgency,
        "is_enterprise": appeal.is_enterprise,
        "publish_consent": appeal.publish_consent,
        "department_id": appeal.department_id,
        "work_order_id": appeal.work_order_id,
        "merged_into_id": appeal.merged_into_id,
        "reporter_name": mask_name(appeal.reporter_name or ""),
        "reporter_phone": mask_mobile(appeal.reporter_phone or ""),
        "due_at": appeal.due_at.isoformat() if appeal.due_at else None,
    }


def work_order_snapshot(work_order: WorkOrder) -> dict[str, Any]:
    return {
        "number": work_order.number,
        "status": work_order.status,
        "lead_department_id": work_order.lead_department_id,
        "due_at": work_order.due_at.isoformat() if work_order.due_at else None,
        "version": work_order.version,
        "reopen_count": work_order.reopen_count,
        "is_supervised": work_order.is_supervised,
    }


# --- intake ------------------------------------------------------------------------------------------


def _in_city(division: Division) -> bool:
    city = settings.SHUZHENG_APPEAL_CITY_DIVISION
    return f"/{city}/" in division.path


def _coordinate(errs: _Errors, field: str, label: str, value: Any, low: float, high: float) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errs.add(field, f"{label}应为数字")
        return None
    if not number.is_finite() or not low <= float(number) <= high:
        errs.add(field, f"{label}{value}不在本市范围内（{low}～{high}）")
        return None
    return number.quantize(Decimal("0.000001"))


@dataclass
class IntakeInput:
    """Cleaned intake data (what ``appeal_validate`` returns)."""

    channel: str
    appeal_type: str
    text: str
    title: str
    division: Division
    category: Category | None
    grid: Grid | None
    latitude: Decimal | None
    longitude: Decimal | None
    address: str
    reporter_name: str
    reporter_phone: str
    is_anonymous: bool
    is_enterprise: bool
    enterprise_uscc: str
    enterprise_name: str
    urgency: str


def appeal_validate(
    *,
    channel: str,
    appeal_type: str,
    text: str,
    division_code: str,
    title: str = "",
    category_code: str | None = None,
    grid_code: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    is_anonymous: bool = False,
    is_enterprise: bool = False,
    enterprise_uscc: str = "",
    enterprise_name: str = "",
    urgency: str = Urgency.NORMAL,
) -> IntakeInput:
    """Check intake data without writing; every bad field is named in one ValidationFailed."""
    errs = _Errors()
    text, title, address = _text(text), _text(title), _text(address)
    max_text = settings.SHUZHENG_APPEAL_MAX_TEXT
    if channel not in AppealChannel.values:
        errs.add("channel", f"渠道“{channel}”无效")
    if appeal_type not in AppealType.values:
        errs.add("appeal_type", f"诉求类型“{appeal_type}”无效")
    if urgency not in Urgency.values:
        errs.add("urgency", f"紧急程度“{urgency}”无效")
    if not text:
        errs.add("text", "诉求内容不能为空")
    elif len(text) > max_text:
        errs.add("text", f"诉求内容不能超过{max_text}个字（当前{len(text)}个字），请精简后再提交")
    if len(title) > 100:
        errs.add("title", "标题不能超过100个字")
    if len(address) > 255:
        errs.add("address", "地址不能超过255个字")
    division = Division.objects.filter(code=_text(division_code), is_active=True).first()
    if division is None:
        errs.add("division_code", f"行政区划“{division_code}”不存在或已停用")
    elif not _in_city(division):
        errs.add("division_code", f"“{division.name}”不在本市范围内，本平台只受理本市诉求")
    category = None
    if category_code:
        category = Category.objects.filter(code=_text(category_code), is_active=True).first()
        if category is None:
            errs.add("category_code", f"诉求分类“{category_code}”不存在或已停用")
    grid = None
    if grid_code:
        grid = Grid.objects.select_related("division").filter(code=_text(grid_code), is_active=True).first()
        if grid is None:
            errs.add("grid_code", f"网格“{grid_code}”不存在或已停用")
        elif division is not None and not grid.division.path.startswith(division.path):
            errs.add("grid_code", f"网格“{grid.name}”不在所选区划“{division.name}”内")
    south, west, north, east = settings.SHUZHENG_APPEAL_BBOX
    lat = _coordinate(errs, "latitude", "纬度", latitude, south, north)
    lng = _coordinate(errs, "longitude", "经度", longitude, west, east)
    if (latitude in (None, "")) != (longitude in (None, "")):
        errs.add("longitude" if longitude in (None, "") else "latitude", "经纬度须同时填写")
    reporter_name, phone = _text(reporter_name), _text(reporter_phone)
    if len(reporter_name) > 32:
        errs.add("reporter_name", "诉求人姓名不能超过32个字")
    if phone:
        try:
            phone = validate_mobile(phone, field="reporter_phone")
        except ValidationFailed as exc:
            errs.extend(exc)
    if is_anonymous:
        reporter_name, phone = "", ""
    uscc = _text(enterprise_uscc)
    if is_enterprise:
        try:
            uscc = validate_uscc(uscc, field="enterprise_uscc")
        except ValidationFailed as exc:
            errs.extend(exc)
    elif uscc:
        errs.add("enterprise_uscc", "非企业诉求无需填写统一社会信用代码")
    if len(_text(enterprise_name)) > 128:
        errs.add("enterprise_name", "企业名称不能超过128个字")
    errs.raise_if_any()
    assert division is not None
    return IntakeInput(
        channel=channel,
        appeal_type=appeal_type,
        text=text,
        title=title,
        division=division,
        category=category,
        grid=grid,
        latitude=lat,
        longitude=lng,
        address=address,
        reporter_name=reporter_name,
        reporter_phone=phone,
        is_anonymous=is_anonymous,
        is_enterprise=is_enterprise,
        enterprise_uscc=uscc if is_enterprise else "",
        enterprise_name=_text(enterprise_name) if is_enterprise else "",
        urgency=urgency,
    )


def _set_sla(appeal: Appeal) -> None:
    limit = sla.limit_for(
        appeal_type=appeal.appeal_type,
        urgency=appeal.urgency,
        category_days=appeal.category.sla_days if appeal.category else None,
        is_enterprise=appeal.is_enterprise,
    )
    appeal.due_at = sla.due_at(appeal.received_at, limit)
    appeal.sla_rule = limit.basis


@transaction.atomic
def appeal_intake(
    *,
    actor: Any,
    channel: str,
    appeal_type: str,
    text: str,
    division_code: str,
    title: str = "",
    category_code: str | None = None,
    grid_code: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    is_anonymous: bool = False,
    publish_consent: bool = False,
    reporter_user: Any = None,
    is_enterprise: bool = False,
    enterprise_uscc: str = "",
    enterprise_name: str = "",
    urgency: str = Urgency.NORMAL,
    direct_answer: str = "",
    knowledge_article_id: int | None = None,
    auto_dispatch: bool = True,
    received_at: datetime | None = None,
) -> Appeal:
    """Register an appeal from any channel.

    With ``direct_answer`` (or a KB article) an inquiry answered on the spot is concluded at once
    (直接答复); otherwise the appeal is dispatched by the first matching routing rule, else by the
    classifier above the confidence threshold, else it waits in the manual dispatch queue with the
    classifier's top-3 suggestions. Similar open appeals are proposed for merging. A grid event waits
    (``reported``) for its worker to handle it on the spot or escalate it. ``publish_consent`` is the
    reporter's yes to publishing the text (masked) and the place; without it only category, town and
    status are public.
    """
    if channel == AppealChannel.GRID:
        _require_perm(actor, "appeals.report_grid_event", "上报网格事件")
    elif actor is not None and getattr(actor, "kind", "staff") == "staff":
        _require_perm(actor, "appeals.intake_appeal", "登记诉求")
    data = appeal_validate(
        channel=channel,
        appeal_type=appeal_type,
        text=text,
        division_code=division_code,
        title=title,
        category_code=category_code,
        grid_code=grid_code,
        latitude=latitude,
        longitude=longitude,
        address=address,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        is_anonymous=is_anonymous,
        is_enterprise=is_enterprise,
        enterprise_uscc=enterprise_uscc,
        enterprise_name=enterprise_name,
        urgency=urgency,
    )
    article = None
    answer = _text(direct_answer)
    if knowledge_article_id is not None:
        article = _published_article(knowledge_article_id, field="knowledge_article_id")
        answer = answer or article.answer
    if answer and appeal_type not in DIRECT_ANSWER_TYPES:
        raise ValidationFailed.for_field("direct_answer", "投诉、举报类诉求须派单办理，不能直接答复办结")
    if len(answer) > 5000:
        raise ValidationFailed.for_field("direct_answer", "答复内容不能超过5000个字")
    grid = data.grid
    worker = getattr(actor, "grid_worker", None) if data.channel == AppealChannel.GRID else None
    if grid is None and worker is not None and worker.grid.division.path.startswith(data.division.path):
        grid = worker.grid  # a grid worker reports in their own grid unless they name another
    if grid is None and data.division.level == Division.Level.VILLAGE:
        grid = Grid.objects.filter(division=data.division, is_active=True).order_by("code").first()
    now = _now()
    appeal = Appeal(
        number=f"P{uuid.uuid4().hex[:24]}",  # provisional: the day's number is taken last (below)
        channel=data.channel,
        appeal_type=data.appeal_type,
        category=data.category,
        title=data.title,
        text=data.text,
        division=data.division,
        grid=grid,
        latitude=data.latitude,
        longitude=data.longitude,
        address=data.address,
        is_anonymous=data.is_anonymous,
        publish_consent=publish_consent is True,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        reporter_phone_index=blind_index(data.reporter_phone) if data.reporter_phone else "",
        reporter_user=reporter_user,
        is_enterprise=data.is_enterprise,
        enterprise_uscc=data.enterprise_uscc,
        enterprise_name=data.enterprise_name,
        urgency=data.urgency,
        received_at=received_at or now,
        created_by=actor if actor is not None and getattr(actor, "pk", None) else None,
    )
    _set_sla(appeal)
    if answer:
        appeal.status = AppealStatus.CONCLUDED
        appeal.conclusion = ConclusionKind.KNOWLEDGE_BASE if article else ConclusionKind.DIRECT_ANSWER
        appeal.answer_text = answer
        appeal.knowledge_article = article
        appeal.replied_at = appeal.concluded_at = now
    elif data.channel == AppealChannel.GRID:
        appeal.status = AppealStatus.REPORTED
    appeal.save()
    if article is not None:
        KnowledgeArticle.objects.filter(pk=article.pk).update(use_count=F("use_count") + 1)
    fulltext.index(APPEAL_DOC, appeal.pk, f"{appeal.title} {appeal.text}")

    # Concurrent intakes queue on the day's counter row, then on the audit chain head, until commit: the
    # number is taken once the rules, the classifier and the merge check have run (always before any
    # audit write, so every transaction takes the two locks in the same order).
    def take_number() -> None:
        appeal.number = next_number("SQ")
        Appeal.objects.filter(pk=appeal.pk).update(number=appeal.number)

    if appeal.status == AppealStatus.PENDING_DISPATCH:
        auto_dispatch_appeal(
            appeal=appeal, dispatch=auto_dispatch, check_merge=True, before_writes=take_number
        )
    else:
        take_number()
    audit.record(actor=actor, action="appeals.appeal.intake", subject=appeal, after=appeal_snapshot(appeal))
    return appeal


def _published_article(article_id: int, *, field: str) -> KnowledgeArticle:
    today = timezone.localdate()
    article = KnowledgeArticle.objects.filter(pk=article_id, status=ArticleStatus.PUBLISHED).first()
    if (
        article is None
        or (article.valid_from and article.valid_from > today)
        or (article.valid_to and article.valid_to < today)
    ):
        raise ValidationFailed.for_field(field, f"知识库条目（id={article_id}）不存在、未发布或不在有效期内")
    return article


@transaction.atomic
def appeal_conclude_directly(
    *, actor: Any, appeal: Appeal, answer_text: str = "", knowledge_article_id: int | None = None
) -> Appeal:
    """直接答复: a pending inquiry answered by the agent (optionally from a KB article) is concluded."""
    _require_perm(actor, "appeals.intake_appeal", "直接答复诉求")
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.PENDING_DISPATCH or appeal.work_order_id:
        raise Conflict(f"诉求当前状态为“{appeal.get_status_display()}”，不能直接答复")
    if appeal.appeal_type not in DIRECT_ANSWER_TYPES:
        raise ValidationFailed.for_field("answer_text", "投诉、举报类诉求须派单办理，不能直接答复办结")
    article = None
    answer = _text(answer_text)
    if knowledge_article_id is not None:
        article = _published_article(knowledge_article_id, field="knowledge_article_id")
        answer = answer or article.answer
        KnowledgeArticle.objects.filter(pk=article.pk).update(use_count=F("use_count") + 1)
    if not answer:
        raise ValidationFailed.for_field("answer_text", "答复内容不能为空")
    conclusion = ConclusionKind.KNOWLEDGE_BASE if article else ConclusionKind.DIRECT_ANSWER
    return _conclude(
        actor, appeal, conclusion=conclusion, answer=answer, action="conclude_directly", article=article
    )


def _conclude(
    actor: Any,
    appeal: Appeal,
    *,
    conclusion: str,
    answer: str,
    action: str,
    article: Any = None,
    before: dict[str, Any] | None = None,
) -> Appeal:
    """Concludes an appeal without a work order (直接答复 or 自行处置), audited."""
    before = before or appeal_snapshot(appeal)
    appeal.knowledge_article = article
    appeal.status = AppealStatus.CONCLUDED
    appeal.conclusion = conclusion
    appeal.answer_text = answer
    appeal.replied_at = appeal.concluded_at = _now()
    appeal.version += 1
    appeal.save()
    audit.record(
        actor=actor,
        action=f"appeals.appeal.{action}",
        subject=appeal,
        before=before,
        after=appeal_snapshot(appeal),
    )
    return appeal


# --- attachments -------------------------------------------------------------------------------------


@transaction.atomic
def appeal_attach(
    *, actor: Any, appeal: Appeal, content: bytes, name: str = "", kind: str = AttachmentKind.PHOTO
) -> AppealAttachment:
    """A photo for an appeal; its type is read from the content (JPEG, PNG, WebP, GIF), size capped."""
    if kind not in AttachmentKind.values:
        raise ValidationFailed.for_field("kind", f"附件类型“{kind}”无效")
    limit = settings.SHUZHENG_APPEAL_MAX_PHOTO_BYTES
    if not content:
        raise ValidationFailed.for_field("file", "文件为空")
    if len(content) > limit:
        raise PayloadTooLarge(f"照片不能超过{limit // 1024}KB（当前{len(content) // 1024}KB）")
    guessed = filetype.guess(content[:8192])
    if guessed is None or guessed.mime not in PHOTO_TYPES:
        raise UnsupportedMediaType("只接受 JPEG、PNG、WebP 或 GIF 格式的照片（按文件内容判断）")
    attachment = AppealAttachment(
        appeal=appeal,
        work_order=appeal.work_order,
        kind=kind,
        original_name=_text(name)[:255],
        content_type=guessed.mime,
        size=len(content),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(f"{appeal.number}-{kind}.{guessed.extension}", ContentFile(content), save=False)
    attachment.save()
    audit.record(
        actor=actor,
        action="appeals.appeal.attach",
        subject=appeal,
        after={
            "attachment_id": attachment.pk,
            "kind": kind,
            "size": attachment.size,
            "type": attachment.content_type,
        },
    )
    return attachment


# --- grid events ---------------------------------------------------------------------------------------


def _own_grid_appeal(actor: Any, appeal: Appeal) -> Appeal:
    _require_perm(actor, "appeals.report_grid_event", "处置网格事件")
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.channel != AppealChannel.GRID or (actor is not None and appeal.created_by_id != actor.pk):
        raise NotFound("网格事件不存在或不是您上报的")
    return appeal


@transaction.atomic
def appeal_transition(*, actor: Any, appeal: Appeal, action: str, note: str = "") -> Appeal:
    """The one writer of an appeal's own moves (``workflow.APPEAL_TRANSITIONS``): checks the move,
    saves the status and writes an ``AppealEvent``. Runs inside the caller's transaction, on a locked row."""
    to_status = wf.APPEAL_TRANSITIONS.get((appeal.status, action))
    if to_status is None:
        label = wf.AppealAction(action).label if action in wf.AppealAction.values else "该操作"
        raise Conflict(f"事件当前状态为“{appeal.get_status_display()}”，不能{label}")
    from_status = appeal.status
    appeal.status = to_status
    appeal.version += 1
    appeal.save(update_fields=["status", "version", "updated_at"])
    AppealEvent.objects.create(
        appeal=appeal,
        from_status=from_status,
        to_status=to_status,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
        occurred_at=_now(),
    )
    return appeal


@transaction.atomic
def appeal_self_handle(*, actor: Any, appeal: Appeal, note: str) -> Appeal:
    """自行处置: a grid worker handled a minor event; needs before and after photos and a note."""
    appeal = _own_grid_appeal(actor, appeal)
    note = _text(note)
    errs = _Errors()
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
    before = appeal_snapshot(appeal)
    appeal_transition(actor=actor, appeal=appeal, action=wf.AppealAction.SELF_HANDLE, note=note)
    return _conclude(
        actor,
        appeal,
        conclusion=ConclusionKind.SELF_HANDLED,
        answer=note,
        action="self_handle",
        before=before,
    )


@transaction.atomic
def appeal_escalate(*, actor: Any, appeal: Appeal) -> Appeal:
    """A grid worker hands an event on (``reported`` → ``pending_dispatch``): it goes through rules and the
    classifier like any appeal, and waits in the centre's queue when neither decides."""
    appeal = _own_grid_appeal(actor, appeal)
    before = appeal_snapshot(appeal)
    appeal_transition(actor=actor, appeal=appeal, action=wf.AppealAction.ESCALATE)
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


# --- dispatch ------------------------------------------------------------------------------------------


def _keywords(rule: RoutingRule) -> list[str]:
    return [k.strip() for k in re.split(r"[,，;；、\s]+", rule.keywords or "") if k.strip()]


def rule_matches(
    rule: RoutingRule,
    *,
    text: str,
    category: Category | None,
    division: Division | None,
    channel: str,
    appeal_type: str,
    is_enterprise: bool,
) -> bool:
    if rule.category is not None and (category is None or not category.path.startswith(rule.category.path)):
        return False
    if rule.division is not None and (division is None or not division.path.startswith(rule.division.path)):
        return False
    if rule.channel and rule.channel != channel:
        return False
    if rule.appeal_type and rule.appeal_type != appeal_type:
        return False
    if rule.enterprise is not None and rule.enterprise != is_enterprise:
        return False
    words = _keywords(rule)
    return not words or any(word in text for word in words)


def routing_rule_match(
    *,
    text: str,
    category: Category | None = None,
    division: Division | None = None,
    channel: str = "",
    appeal_type: str = "",
    is_enterprise: bool = False,
) -> RoutingRule | None:
    """The first active routing rule (by position) matching the example, or None."""
    rules = (
        RoutingRule.objects.filter(is_active=True, lead_department__is_active=True)
        .select_related("category", "division", "lead_department", "set_category")
        .order_by("position", "id")
    )
    for rule in rules:
        if rule_matches(
            rule,
            text=text,
            category=category,
            division=division,
            channel=channel,
            appeal_type=appeal_type,
            is_enterprise=is_enterprise,
        ):
            return rule
    return None


def active_dispatch_model() -> tuple[DispatchModel, classifier.Bundle] | None:
    row = DispatchModel.objects.filter(is_active=True).first()
    if row is None:
        return None
    bundle = classifier.load(row.version, row.file_path)
    return (row, bundle) if bundle is not None else None


def _top_departments(prediction: classifier.Prediction) -> dict[str, Department]:
    """The active departments among the prediction's top-3 codes (one query), by code."""
    codes = [code for code, _ in prediction.top]
    return {d.code: d for d in Department.objects.filter(code__in=codes, is_active=True)}


def _suggestions(
    prediction: classifier.Prediction, departments: dict[str, Department]
) -> list[dict[str, Any]]:
    return [
        {
            "department_id": departments[code].pk,
            "department_code": code,
            "department": departments[code].name,
            "probability": round(p, 4),
        }
        for code, p in prediction.top
        if code in departments
    ]


def auto_dispatch_appeal(
    *,
    appeal: Appeal,
    dispatch: bool = True,
    check_merge: bool = False,
    before_writes: Callable[[], None] | None = None,
) -> Appeal:
    """Rules first, then the classifier above SHUZHENG_DISPATCH_CONFIDENCE; else the manual queue.

    The classifier also fills in a missing category and leaves its top-3 departments on the appeal.
    With ``check_merge`` similar open appeals are looked for (after the category is known); when there
    are any, the appeal waits in the manual queue so the centre can merge it instead of opening a
    second work order for the same problem. ``before_writes`` runs once everything is decided, before
    the first write.
    """
    rule = routing_rule_match(
        text=appeal.text,
        category=appeal.category,
        division=appeal.division,
        channel=appeal.channel,
        appeal_type=appeal.appeal_type,
        is_enterprise=appeal.is_enterprise,
    )
    fields: list[str] = []
    if rule is not None and appeal.category_id is None and rule.set_category_id:
        appeal.category = rule.set_category
        fields += ["category"]
    active = active_dispatch_model() if rule is None or appeal.category_id is None else None
    prediction = model_row = department = None
    if active is not None:
        model_row, bundle = active
        prediction = bundle.predict(f"{appeal.title} {appeal.text}")
        top_departments = _top_departments(prediction)
        suggestions = _suggestions(prediction, top_departments)
        appeal.dispatch_suggestions = [
            {**s, "category_code": prediction.category, "model_version": model_row.version}
            for s in suggestions
        ]
        fields += ["dispatch_suggestions"]
        if appeal.category_id is None and prediction.category:
            predicted = Category.objects.filter(code=prediction.category, is_active=True).first()
            if predicted is not None:
                appeal.category = predicted
                fields += ["category"]
        department = top_departments.get(prediction.department)  # the best one is in the top 3
    if "category" in fields:
        _set_sla(appeal)
        fields += ["due_at", "sla_rule"]
    if check_merge:
        appeal.merge_suggestions = merge_candidates(appeal=appeal)
        fields += ["merge_suggestions"]
    if before_writes is not None:
        before_writes()
    if fields:
        appeal.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    hold = not dispatch or bool(appeal.merge_suggestions)
    if rule is not None:
        decision = DispatchDecision.objects.create(
            appeal=appeal,
            kind=DispatchKind.SUGGESTION if hold else DispatchKind.RULE,
            rule=rule,
            department=rule.lead_department,
            category=appeal.category,
            is_automatic=not hold,
        )
        if not hold:
            _create_work_order(
                actor=None,
                appeal=appeal,
                department=rule.lead_department,
                assists=list(rule.assist_departments.filter(is_active=True)),
                kind=DispatchKind.RULE,
                note=f"命中派单规则“{rule.name}”",
                decision=decision,
            )
        return appeal
    if prediction is None or model_row is None:
        return appeal
    automatic = (
        not hold
        and department is not None
        and prediction.probability >= settings.SHUZHENG_DISPATCH_CONFIDENCE
    )
    decision = DispatchDecision.objects.create(
        appeal=appeal,
        kind=DispatchKind.MODEL if automatic else DispatchKind.SUGGESTION,
        model=model_row,
        model_version=model_row.version,
        probability=prediction.probability,
        department=department,
        category=appeal.category,
        suggestions=appeal.dispatch_suggestions,
        is_automatic=automatic,
    )
    if automatic:
        assert department is not None
        _create_work_order(
            actor=None,
            appeal=appeal,
            department=department,
            assists=[],
            kind=DispatchKind.MODEL,
            note=f"智能派单（模型 {model_row.version}，置信度 {prediction.probability:.2f}）",
            decision=decision,
        )
    return appeal


def _notify_department(work_order: WorkOrder, department: Department, title: str) -> None:
    for user in users_with_role_for_department(HANDLER_ROLE, department.pk)[:20]:
        notify(
            recipient=user,
            kind="appeals.work_order",
            title=title,
            body=f"工单 {work_order.number}：{work_order.appeal.text[:60]}",
            link=reverse("appeals:workbench_order", kwargs={"work_order_id": work_order.pk}),
            dedupe_key=f"wo-{work_order.pk}-{work_order.version}-{department.pk}",
        )


def _event(
    work_order: WorkOrder,
    *,
    actor: Any,
    from_status: str,
    action: str,
    note: str = "",
    department: Department | None = None,
    data: dict[str, Any] | None = None,
) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(
        work_order=work_order,
        from_status=from_status,
        to_status=work_order.status,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        department=department,
        note=note,
        data=data or {},
        occurred_at=_now(),
    )


def _create_work_order(
    *,
    actor: Any,
    appeal: Appeal,
    department: Department,
    assists: Sequence[Department],
    kind: str,
    note: str = "",
    decision: DispatchDecision | None = None,
) -> WorkOrder:
    now = _now()
    work_order = WorkOrder.objects.create(
        number=next_number("GD"),
        appeal=appeal,
        lead_department=department,
        status=WorkOrderStatus.DISPATCHED,
        appeal_type=appeal.appeal_type,
        category=appeal.category,
        dispatch_kind=kind,
        dispatched_at=now,
        dispatched_by=actor if getattr(actor, "pk", None) else None,
        due_at=appeal.due_at,
    )
    for assist in dict.fromkeys(assists):
        if assist.pk != department.pk:
            WorkOrderAssist.objects.create(work_order=work_order, department=assist)
    members = [appeal.pk, *Appeal.objects.filter(merged_into=appeal).values_list("pk", flat=True)]
    Appeal.objects.filter(pk__in=members).update(
        work_order=work_order,
        department=department,
        status=AppealStatus.DISPATCHED,
        updated_at=now,
        version=F("version") + 1,
    )
    appeal.refresh_from_db()
    _event(
        work_order,
        actor=actor,
        from_status="",
        action="dispatch",
        note=note,
        department=department,
        data={"kind": kind, "decision_id": decision.pk if decision else None},
    )
    audit.record(
        actor=actor,
        action="appeals.workorder.dispatch",
        subject=work_order,
        after=work_order_snapshot(work_order),
    )
    _notify_department(work_order, department, "新工单待签收")
    return work_order


@transaction.atomic
def appeal_dispatch(
    *,
    actor: Any,
    appeal: Appeal,
    department: Department,
    assist_departments: Iterable[Department] = (),
    category_code: str | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """Manual dispatch from the centre's queue (人工派单), optionally fixing the category."""
    _require_perm(actor, wf.CENTRE_PERM, "派单")
    appeal = _appeal_for_centre(actor, appeal.pk)
    if expected_version is not None and appeal.version != expected_version:
        raise Conflict("诉求已被他人处理，请刷新后重试")
    if appeal.status != AppealStatus.PENDING_DISPATCH or appeal.merged_into_id:
        raise Conflict(f"诉求当前状态为“{appeal.get_status_display()}”，不能派单")
    if not department.is_active:
        raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
    assists = list(assist_departments)
    inactive = [d.name for d in assists if not d.is_active]
    if inactive:
        raise ValidationFailed.for_field("assist_department_ids", f"协办部门已停用：{'、'.join(inactive)}")
    if category_code:
        category = Category.objects.filter(code=category_code, is_active=True).first()
        if category is None:
            raise ValidationFailed.for_field("category_code", f"诉求分类“{category_code}”不存在或已停用")
        appeal.category = category
        _set_sla(appeal)
        appeal.save(update_fields=["category", "due_at", "sla_rule", "updated_at"])
    decision = DispatchDecision.objects.create(
        appeal=appeal,
        kind=DispatchKind.MANUAL,
        department=department,
        category=appeal.category,
        decided_by=actor if getattr(actor, "pk", None) else None,
    )
    return _create_work_order(
        actor=actor,
        appeal=appeal,
        department=department,
        assists=assists,
        kind=DispatchKind.MANUAL,
        note="人工派单",
        decision=decision,
    )


def _appeal_for_centre(actor: Any, appeal_id: int) -> Appeal:
    qs: QuerySet[Appeal] = Appeal.objects.select_for_update().filter(pk=appeal_id)
    if actor is not None:
        qs = data_scope_for(actor, wf.CENTRE_PERM).filter(qs, department="department", division="division")
    appeal = qs.first()
    if appeal is None:
        raise NotFound("诉求不存在或不在您的数据范围内")
    return appeal


# --- merging (并单) -------------------------------------------------------------------------------------


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in pairwise(chars)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (0–1); cheap and good enough for near-duplicates."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def merge_candidates(*, appeal: Appeal, limit: int = 5) -> list[dict[str, Any]]:
    """Open appeals worth merging with ``appeal``: same category, same village or within the radius,
    similar text, received within the window. SQL prefilters (category, status, time, village or
    coordinate box); distance and text similarity are computed here."""
    if appeal.category_id is None:
        return []
    radius = settings.SHUZHENG_APPEAL_MERGE_RADIUS_M
    since = appeal.received_at - timedelta(days=settings.SHUZHENG_APPEAL_MERGE_DAYS)
    qs = Appeal.objects.filter(
        category_id=appeal.category_id,
        status__in=MERGE_TARGET_STATUSES,
        received_at__gte=since,
        merged_into__isnull=True,
        is_historical=False,
    ).exclude(pk=appeal.pk)
    same_village = place = qs.filter(division_id=appeal.division_id)
    if appeal.latitude is not None and appeal.longitude is not None:
        dlat = Decimal(str(radius / 111_000))
        dlng = Decimal(str(radius / (111_000 * max(math.cos(math.radians(float(appeal.latitude))), 0.1))))
        near = qs.filter(
            latitude__range=(appeal.latitude - dlat, appeal.latitude + dlat),
            longitude__range=(appeal.longitude - dlng, appeal.longitude + dlng),
        )
        place = same_village | near
    threshold = settings.SHUZHENG_APPEAL_MERGE_SIMILARITY
    found: list[dict[str, Any]] = []
    # Only the columns used below: loading whole rows would decrypt every candidate's reporter data.
    columns = ("id", "number", "text", "latitude", "longitude", "division_id", "work_order_id")
    for other in place.only(*columns).order_by("-received_at")[:200]:
        distance: float | None = None
        lat1, lng1, lat2, lng2 = appeal.latitude, appeal.longitude, other.latitude, other.longitude
        if lat1 is not None and lng1 is not None and lat2 is not None and lng2 is not None:
            distance = haversine_m(float(lat1), float(lng1), float(lat2), float(lng2))
        in_village = other.division_id == appeal.division_id
        if not in_village and (distance is None or distance > radius):
            continue
        similarity = text_similarity(appeal.text, other.text)
        if similarity < threshold:
            continue
        found.append(
            {
                "appeal_id": other.pk,
                "number": other.number,
                "similarity": round(similarity, 3),
                "distance_m": round(distance) if distance is not None else None,
                "same_village": in_village,
                "work_order_id": other.work_order_id,
            }
        )
    found.sort(key=lambda c: -c["similarity"])
    return found[:limit]


@transaction.atomic
def appeal_merge(*, actor: Any, appeal: Appeal, into: Appeal) -> Appeal:
    """并单: ``appeal`` joins ``into`` — its work order if it has one, else it follows at dispatch."""
    _require_perm(actor, wf.CENTRE_PERM, "并单")
    appeal = _appeal_for_centre(actor, appeal.pk)
    target = _appeal_for_centre(actor, into.pk)
    if target.merged_into_id:
        target = _appeal_for_centre(actor, target.merged_into_id)
    if appeal.pk == target.pk:
        raise ValidationFailed.for_field("into_id", "不能与自身并单")
    if appeal.status != AppealStatus.PENDING_DISPATCH or appeal.merged_into_id:
        raise Conflict(f"诉求当前状态为“{appeal.get_status_display()}”，不能并单")
    if target.status not in MERGE_TARGET_STATUSES:
        raise Conflict(f"目标诉求当前状态为“{target.get_status_display()}”，不能并入")
    if Appeal.objects.filter(merged_into=appeal).exists():
        raise Conflict("该诉求已有其他诉求并入，请将其他诉求并入它")
    before = appeal_snapshot(appeal)
    appeal.merged_into = target
    appeal.category = appeal.category or target.category
    if target.work_order_id:
        work_order = WorkOrder.objects.select_for_update().get(pk=target.work_order_id)
        if work_order.status == WorkOrderStatus.CLOSED:
            raise Conflict("目标工单已办结，不能并入")
        appeal.work_order = work_order
        appeal.department = work_order.lead_department
        appeal.status = AppealStatus.DISPATCHED
        _event(
            work_order,
            actor=actor,
            from_status=work_order.status,
            action="merge",
            note=f"诉求 {appeal.number} 并入本工单",
        )
    appeal.version += 1
    appeal.save()
    audit.record(
        actor=actor,
        action="appeals.appeal.merge",
        subject=appeal,
        before=before,
        after=appeal_snapshot(appeal),
    )
    return appeal


# --- work-order transitions ------------------------------------------------------------------------------


def _load_for_action(actor: Any, work_order_id: int, action: str) -> WorkOrder:
    perm = wf.ACTION_PERMS[action]
    label = WorkOrderAction(action).label
    qs = WorkOrder.objects.select_for_update(of=("self",)).select_related("lead_department", "appeal")
    qs = qs.filter(pk=work_order_id)
    if actor is not None:
        scope = data_scope_for(actor, perm)
        if action in wf.DEPARTMENT_ACTIONS:
            qs = scope.filter(qs, department="lead_department")
        else:
            qs = scope.filter(qs, department="lead_department", division="appeal__division")
    work_order = qs.first()
    if work_order is None:
        raise NotFound("工单不存在或不在您的数据范围内")
    _require_perm(actor, perm, label)
    return work_order


def work_order_transition(
    *,
    actor: Any,
    work_order: WorkOrder | int,
    action: str,
    expected_version: int | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    department: Department | None = None,
) -> WorkOrder:
    """The one writer of WorkOrder.status: checks the table, the actor's scope and the version, applies
    ``changes``, writes the event row and the audit event. Call inside a transaction."""
    if action not in WorkOrderAction.values:
        raise ValidationFailed.for_field("action", f"操作“{action}”无效")
    pk = work_order if isinstance(work_order, int) else work_order.pk
    locked = _load_for_action(actor, pk, action)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("工单已被他人处理（版本已变化），请刷新后重试", code="stale_version")
    to_status = wf.target(locked.status, action)
    if to_status is None:
        raise Conflict(
            f"工单当前状态为“{locked.get_status_display()}”，不能执行“{WorkOrderAction(action).label}”",
            code="transition_not_allowed",
        )
    before = work_order_snapshot(locked)
    from_status = locked.status
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.status = to_status
    locked.version += 1
    locked.save()
    if any(hasattr(value, "resolve_expression") for value in (changes or {}).values()):
        locked.refresh_from_db()
    _event(
        locked,
        actor=actor,
        from_status=from_status,
        action=action,
        note=note,
        department=department or locked.lead_department,
        data=data,
    )
    audit.record(
        actor=actor,
        action=f"appeals.workorder.{action}",
        subject=locked,
        before=before,
        after=work_order_snapshot(locked),
    )
    return locked


def _sync_appeals(work_order: WorkOrder, **values: Any) -> None:
    Appeal.objects.filter(work_order=work_order).update(updated_at=_now(), version=F("version") + 1, **values)


@transaction.atomic
def work_order_accept(
    *, actor: Any, work_order: WorkOrder | int, expected_version: int | None = None
) -> WorkOrder:
    return work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.ACCEPT,
        expected_version=expected_version,
        changes={"accepted_at": _now()},
    )


@transaction.atomic
def work_order_forward(
    *,
    actor: Any,
    work_order: WorkOrder | int,
    department: Department,
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """下转: the lead department passes the work order to one of its own subordinate units."""
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = _load_for_action(actor, pk, A.FORWARD)
    lead = current.lead_department
    if department.pk == lead.pk or not department.path.startswith(lead.path):
        raise ValidationFailed.for_field("department_id", f"只能下转到“{lead.name}”的下级单位")
    if not department.is_active:
        raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
    result = work_order_transition(
        actor=actor,
        work_order=current,
        action=A.FORWARD,
        expected_version=expected_version,
        note=_text(note),
        changes={"lead_department": department, "accepted_at": None},
        data={"from_department_id": lead.pk, "to_department_id": department.pk},
        department=lead,
    )
    _sync_appeals(result, department=department)
    _notify_department(result, department, "上级单位下转工单待签收")
    return result


@transaction.atomic
def work_order_request_return(
    *,
    actor: Any,
    work_order: WorkOrder | int,
    reason: str,
    suggested_department: Department | None = None,
    expected_version: int | None = None,
) -> ReturnRequest:
    """退单: the department sends it back to the dispatch centre; a reason is required."""
    reason = _text(reason)
    if not reason:
        raise ValidationFailed.for_field("reason", "退单须填写理由")
    if len(reason) > 1000:
        raise ValidationFailed.for_field("reason", "退单理由不能超过1000个字")
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.REQUEST_RETURN,
        expected_version=expected_version,
        note=reason,
        changes={"return_count": F("return_count") + 1},
    )
    result.refresh_from_db()
    return ReturnRequest.objects.create(
        work_order=result,
        department=result.lead_department,
        reason=reason,
        suggested_department=suggested_department,
        requested_by=actor if getattr(actor, "pk", None) else None,
        requested_at=_now(),
    )


@transaction.atomic
def return_request_review(
    *,
    actor: Any,
    return_request: ReturnRequest | int,
    approve: bool,
    department: Department | None = None,
    note: str = "",
) -> ReturnRequest:
    """The centre approves a return and reassigns (改派) to ``department``, or rejects it back."""
    _require_perm(actor, wf.CENTRE_PERM, "审核退单")
    pk = return_request if isinstance(return_request, int) else return_request.pk
    request = ReturnRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None:
        raise NotFound("退单申请不存在")
    if request.status != RequestStatus.PENDING:
        raise Conflict("该退单申请已审核")
    note = _text(note)
    if approve:
        if department is None:
            raise ValidationFailed.for_field("department_id", "同意退单须指定改派部门")
        if department.pk == request.department_id:
            raise ValidationFailed.for_field("department_id", "改派部门不能是退单部门")
        if not department.is_active:
            raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
        work_order = work_order_transition(
            actor=actor,
            work_order=request.work_order_id,
            action=A.APPROVE_RETURN,
            note=note,
            changes={
                "lead_department": department,
                "accepted_at": None,
                "reassign_count": F("reassign_count") + 1,
            },
            data={"return_request_id": request.pk, "to_department_id": department.pk},
        )
        work_order.refresh_from_db()
        _sync_appeals(work_order, department=department)
        _notify_department(work_order, department, "改派工单待签收")
        request.status, request.reassigned_to = RequestStatus.APPROVED, department
    else:
        if not note:
            raise ValidationFailed.for_field("note", "驳回退单须填写理由")
        work_order_transition(
            actor=actor,
            work_order=request.work_order_id,
            action=A.REJECT_RETURN,
            note=note,
            data={"return_request_id": request.pk},
        )
        request.status = RequestStatus.REJECTED
    request.reviewed_by = actor if getattr(actor, "pk", None) else None
    request.reviewed_at = _now()
    request.review_note = note
    request.save()
    return request


@transaction.atomic
def work_order_reassign(
    *,
    actor: Any,
    work_order: WorkOrder | int,
    department: Department,
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """改派 by the centre before the department signed for it."""
    if not department.is_active:
        raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = _load_for_action(actor, pk, A.REASSIGN)
    if current.lead_department_id == department.pk:
        raise ValidationFailed.for_field("department_id", "改派部门与当前主办部门相同")
    result = work_order_transition(
        actor=actor,
        work_order=current,
        action=A.REASSIGN,
        expected_version=expected_version,
        note=_text(note),
        changes={"lead_department": department, "reassign_count": F("reassign_count") + 1},
        data={"from_department_id": current.lead_department_id, "to_department_id": department.pk},
    )
    result.refresh_from_db()
    _sync_appeals(result, department=department)
    _notify_department(result, department, "改派工单待签收")
    return result


@transaction.atomic
def work_order_reply(
    *, actor: Any, work_order: WorkOrder | int, reply_text: str, expected_version: int | None = None
) -> WorkOrder:
    """答复: the lead department's answer goes to every reporter of the (merged) appeals."""
    reply_text = _text(reply_text)
    if not reply_text:
        raise ValidationFailed.for_field("reply_text", "答复内容不能为空")
    if len(reply_text) > 5000:
        raise ValidationFailed.for_field("reply_text", "答复内容不能超过5000个字")
    now = _now()
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.REPLY,
        expected_version=expected_version,
        note=reply_text[:200],
        changes={
            "reply_text": reply_text,
            "replied_at": now,
            "replied_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    _sync_appeals(result, answer_text=reply_text, replied_at=now)
    for appeal in Appeal.objects.filter(work_order=result, reporter_user__isnull=False).select_related(
        "reporter_user"
    ):
        notify(
            recipient=appeal.reporter_user,
            kind="appeals.reply",
            title=f"您的诉求 {appeal.number} 已答复",
            body=reply_text[:500],
            link=reverse("appeals:portal_appeal", kwargs={"appeal_id": appeal.pk}),
            dedupe_key=f"appeal-reply-{appeal.pk}-{result.version}",
        )
    return result


@transaction.atomic
def work_order_remind(*, actor: Any, work_order: WorkOrder | int, note: str = "") -> WorkOrder:
    """催办: recorded on the work order (count + event), status unchanged."""
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.REMIND,
        note=_text(note),
        changes={"remind_count": F("remind_count") + 1},
    )
    result.refresh_from_db()
    _notify_department(result, result.lead_department, "工单催办")
    return result


@transaction.atomic
def work_order_supervise(*, actor: Any, work_order: WorkOrder | int, note: str) -> WorkOrder:
    """督办: the work order is flagged and handled under supervision."""
    note = _text(note)
    if not note:
        raise ValidationFailed.for_field("note", "督办须填写督办意见")
    result = work_order_transition(
        actor=actor,
        work_order=work_order,
        action=A.SUPERVISE,
        note=note,
        changes={"supervise_count": F("supervise_count") + 1, "is_supervised": True},
    )
    result.refresh_from_db()
    _notify_department(result, result.lead_department, "工单督办")
    return result


@transaction.atomic
def extension_request_create(
    *, actor: Any, work_order: WorkOrder | int, working_days: int, reason: str
) -> ExtensionRequest:
    """延期申请 by the lead department; the centre decides (``extension_request_review``)."""
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = _load_for_action(actor, pk, A.REPLY)  # same who-may-act rule as handling
    errs = _Errors()
    if not 1 <= working_days <= 30:
        errs.add("working_days", "延期天数应为1至30个工作日")
    reason = _text(reason)
    if not reason:
        errs.add("reason", "延期须填写理由")
    errs.raise_if_any()
    if current.status not in (WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED):
        raise Conflict(f"工单当前状态为“{current.get_status_display()}”，不能申请延期")
    if current.extension_requests.filter(status=RequestStatus.PENDING).exists():
        raise Conflict("已有待审核的延期申请")
    request = ExtensionRequest.objects.create(
        work_order=current,
        department=current.lead_department,
        working_days=working_days,
        reason=reason,
        requested_by=actor if getattr(actor, "pk", None) else None,
        requested_at=_now(),
    )
    audit.record(
        actor=actor,
        action="appeals.extension.request",
        subject=request,
        after={"work_order": current.number, "working_days": working_days},
    )
    return request


@transaction.atomic
def extension_request_review(
    *, actor: Any, extension_request: ExtensionRequest | int, approve: bool, note: str = ""
) -> ExtensionRequest:
    """Approving moves the work order's (and its appeals') due time by the working days asked for."""
    _require_perm(actor, wf.CENTRE_PERM, "审核延期")
    pk = extension_request if isinstance(extension_request, int) else extension_request.pk
    request = ExtensionRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None:
        raise NotFound("延期申请不存在")
    if request.status != RequestStatus.PENDING:
        raise Conflict("该延期申请已审核")
    note = _text(note)
    if approve:
        current = WorkOrder.objects.get(pk=request.work_order_id)
        new_due = sla.extend(current.due_at, request.working_days)
        result = work_order_transition(
            actor=actor,
            work_order=current,
            action=A.EXTEND,
            note=note or f"同意延期{request.working_days}个工作日",
            changes={"due_at": new_due},
            data={"extension_request_id": request.pk, "days": request.working_days},
        )
        _sync_appeals(result, due_at=new_due)
        request.old_due_at, request.new_due_at = current.due_at, new_due
        request.status = RequestStatus.APPROVED
    else:
        if not note:
            raise ValidationFailed.for_field("note", "驳回延期须填写理由")
        request.status = RequestStatus.REJECTED
    request.reviewed_by = actor if getattr(actor, "pk", None) else None
    request.reviewed_at = _now()
    request.review_note = note
    request.save()
    audit.record(
        actor=actor,
        action="appeals.extension.review",
        subject=request,
        after={"status": request.status, "new_due_at": str(request.new_due_at or "")},
    )
    return request


@transaction.atomic
def work_order_visit(
    *,
    actor: Any,
    work_order: WorkOrder | int,
    result: str,
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """回访 after the reply. Satisfied / basically satisfied → closed; a failed visit (reason required)
    → closed; unsatisfied (the reporter's reason required) → reopened once to the same department, a
    second time → supervision (督办), after supervision → closed as unsatisfied."""
    if result not in VisitResult.values:
        raise ValidationFailed.for_field("result", f"回访结果“{result}”无效")
    note = _text(note)
    if result == VisitResult.FAILED and not note:
        raise ValidationFailed.for_field("note", "回访未成功须说明原因（如多次致电无人接听）")
    if result == VisitResult.UNSATISFIED and not note:
        raise ValidationFailed.for_field("note", "不满意须记录诉求人的理由")
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = _load_for_action(actor, pk, A.VISIT_SATISFIED)
    now = _now()
    changes: dict[str, Any] = {}
    if result in SATISFIED_RESULTS:
        action = A.VISIT_SATISFIED
        changes = {"satisfaction": result, "closed_at": now}
    elif result == VisitResult.FAILED:
        action = A.VISIT_FAILED
        changes = {"closed_at": now}
    elif current.reopen_count == 0:
        action = A.REOPEN
        changes = {
            "reopen_count": 1,
            "unsatisfied_count": F("unsatisfied_count") + 1,
            "reopen_reason": note,
            "reply_text": "",
            "replied_at": None,
        }
    elif not current.is_supervised:
        action = A.ESCALATE
        changes = {
            "unsatisfied_count": F("unsatisfied_count") + 1,
            "is_supervised": True,
            "supervise_count": F("supervise_count") + 1,
            "reopen_reason": note,
        }
    else:
        action = A.CLOSE_UNSATISFIED
        changes = {"unsatisfied_count": F("unsatisfied_count") + 1, "satisfaction": result, "closed_at": now}
    ReturnVisit.objects.create(
        work_order=current,
        result=result,
        note=note,
        visited_by=actor if getattr(actor, "pk", None) else None,
        visited_at=now,
    )
    updated = work_order_transition(
        actor=actor,
        work_order=current,
        action=action,
        expected_version=expected_version,
        note=note,
        changes=changes,
        data={"result": result},
    )
    updated.refresh_from_db()
    if updated.status == WorkOrderStatus.CLOSED:
        _sync_appeals(
            updated,
            status=AppealStatus.CLOSED,
            conclusion=ConclusionKind.WORK_ORDER,
            concluded_at=now,
            satisfaction=result,
        )
    else:
        _sync_appeals(updated, satisfaction=result)
        _notify_department(
            updated, updated.lead_department, "群众不满意，工单重办" if action == A.REOPEN else "工单转督办"
        )
    return updated


@transaction.atomic
def work_order_close(
    *, actor: Any, work_order: WorkOrder | int, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """办结 without a visit — only for types that need none; 投诉/举报 need a reply and a visit."""
    pk = work_order if isinstance(work_order, int) else work_order.pk
    current = _load_for_action(actor, pk, A.CLOSE)
    if current.appeal_type in VISIT_REQUIRED_TYPES:
        raise ValidationFailed.for_field(
            "result",
            "投诉、举报类工单须答复并回访（或记录回访未成功的原因）后方可办结",
            code="visit_required",
        )
    now = _now()
    updated = work_order_transition(
        actor=actor,
        work_order=current,
        action=A.CLOSE,
        expected_version=expected_version,
        note=_text(note),
        changes={"closed_at": now},
    )
    _sync_appeals(updated, status=AppealStatus.CLOSED, conclusion=ConclusionKind.WORK_ORDER, concluded_at=now)
    return updated


# --- assisting departments --------------------------------------------------------------------------------


def _assist_for(actor: Any, assist_id: int) -> WorkOrderAssist:
    qs = (
        WorkOrderAssist.objects.select_for_update(of=("self",))
        .select_related("work_order")
        .filter(pk=assist_id)
    )
    if actor is not None:
        qs = data_scope_for(actor, wf.DEPARTMENT_PERM).filter(qs, department="department")
    assist = qs.first()
    if assist is None:
        raise NotFound("协办任务不存在或不在您的数据范围内")
    _require_perm(actor, wf.DEPARTMENT_PERM, "办理协办")
    if assist.work_order.status == WorkOrderStatus.CLOSED:
        raise Conflict("工单已办结")
    return assist


@transaction.atomic
def work_order_assist_accept(*, actor: Any, assist: WorkOrderAssist | int) -> WorkOrderAssist:
    item = _assist_for(actor, assist if isinstance(assist, int) else assist.pk)
    if item.status != AssistStatus.PENDING:
        raise Conflict("协办任务已签收")
    item.status, item.accepted_at = AssistStatus.ACCEPTED, _now()
    item.save()
    _event(
        item.work_order,
        actor=actor,
        from_status=item.work_order.status,
        action="assist_accept",
        department=item.department,
    )
    audit.record(actor=actor, action="appeals.assist.accept", subject=item, after={"status": item.status})
    return item


@transaction.atomic
def work_order_assist_reply(*, actor: Any, assist: WorkOrderAssist | int, reply_text: str) -> WorkOrderAssist:
    item = _assist_for(actor, assist if isinstance(assist, int) else assist.pk)
    reply_text = _text(reply_text)
    if not reply_text:
        raise ValidationFailed.for_field("reply_text", "协办意见不能为空")
    if item.status == AssistStatus.PENDING:
        item.accepted_at = _now()
    item.status, item.reply_text, item.replied_at = AssistStatus.REPLIED, reply_text, _now()
    item.save()
    _event(
        item.work_order,
        actor=actor,
        from_status=item.work_order.status,
        action="assist_reply",
        department=item.department,
        note=reply_text[:200],
    )
    audit.record(actor=actor, action="appeals.assist.reply", subject=item, after={"status": item.status})
    return item


# --- knowledge base -----------------------------------------------------------------------------------


def _article_version(article: KnowledgeArticle, *, actor: Any, action: str, note: str = "") -> None:
    KnowledgeArticleVersion.objects.create(
        article=article,
        version=article.version,
        question=article.question,
        answer=article.answer,
        status=article.status,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )


def _article_snapshot(article: KnowledgeArticle) -> dict[str, Any]:
    return {
        "question": article.question,
        "status": article.status,
        "version": article.version,
        "category_id": article.category_id,
        "department_id": article.department_id,
    }


def _article_validate(question: str, answer: str, valid_from: date | None, valid_to: date | None) -> None:
    errs = _Errors()
    if not question:
        errs.add("question", "问题不能为空")
    elif len(question) > 200:
        errs.add("question", "问题不能超过200个字")
    if not answer:
        errs.add("answer", "答复口径不能为空")
    elif len(answer) > 10000:
        errs.add("answer", "答复口径不能超过10000个字")
    if valid_from and valid_to and valid_to < valid_from:
        errs.add("valid_to", "失效日期不能早于生效日期")
    errs.raise_if_any()


def _index_article(article: KnowledgeArticle) -> None:
    if article.status == ArticleStatus.PUBLISHED:
        fulltext.index(KB_DOC, article.pk, f"{article.question} {article.keywords} {article.answer}")
    else:
        fulltext.remove(KB_DOC, article.pk)


@transaction.atomic
def knowledge_article_create(
    *,
    actor: Any,
    question: str,
    answer: str,
    keywords: str = "",
    category: Category | None = None,
    department: Department | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> KnowledgeArticle:
    _require_perm(actor, "appeals.add_knowledgearticle", "新增知识库条目")
    question, answer = _text(question), _text(answer)
    _article_validate(question, answer, valid_from, valid_to)
    article = KnowledgeArticle.objects.create(
        question=question,
        answer=answer,
        keywords=_text(keywords)[:255],
        category=category,
        department=department,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _article_version(article, actor=actor, action="create")
    audit.record(actor=actor, action="appeals.kb.create", subject=article, after=_article_snapshot(article))
    return article


@transaction.atomic
def knowledge_article_update(
    *,
    actor: Any,
    article: KnowledgeArticle,
    question: str,
    answer: str,
    keywords: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> KnowledgeArticle:
    """Editing a published article takes it back to draft (it needs review again); a new version row."""
    _require_perm(actor, "appeals.change_knowledgearticle", "修改知识库条目")
    article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    question, answer = _text(question), _text(answer)
    _article_validate(question, answer, valid_from, valid_to)
    before = _article_snapshot(article)
    article.question, article.answer = question, answer
    if keywords is not None:
        article.keywords = _text(keywords)[:255]
    article.valid_from, article.valid_to = valid_from, valid_to
    article.status = ArticleStatus.DRAFT
    article.version += 1
    article.reviewed_by = None
    article.save()
    _index_article(article)
    _article_version(article, actor=actor, action="update")
    audit.record(
        actor=actor,
        action="appeals.kb.update",
        subject=article,
        before=before,
        after=_article_snapshot(article),
    )
    return article


@transaction.atomic
def knowledge_article_submit(*, actor: Any, article: KnowledgeArticle) -> KnowledgeArticle:
    _require_perm(actor, "appeals.change_knowledgearticle", "提交审核")
    article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    if article.status != ArticleStatus.DRAFT:
        raise Conflict(f"条目当前状态为“{article.get_status_display()}”，不能提交审核")
    before = _article_snapshot(article)
    article.status = ArticleStatus.IN_REVIEW
    article.submitted_by = actor if getattr(actor, "pk", None) else None
    article.save()
    _article_version(article, actor=actor, action="submit")
    audit.record(
        actor=actor,
        action="appeals.kb.submit",
        subject=article,
        before=before,
        after=_article_snapshot(article),
    )
    return article


@transaction.atomic
def knowledge_article_review(
    *, actor: Any, article: KnowledgeArticle, approve: bool, note: str = ""
) -> KnowledgeArticle:
    """Publish (or send back to draft) an article in review; the reviewer must not be who submitted it."""
    _require_perm(actor, "appeals.review_knowledgearticle", "审核知识库条目")
    article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    if article.status != ArticleStatus.IN_REVIEW:
        raise Conflict(f"条目当前状态为“{article.get_status_display()}”，不在待审核状态")
    if actor is not None and article.submitted_by_id == actor.pk:
        raise PermissionDenied("不能审核自己提交的条目，请由其他审核人审核")
    note = _text(note)
    if not approve and not note:
        raise ValidationFailed.for_field("note", "退回修改须填写意见")
    before = _article_snapshot(article)
    article.reviewed_by = actor if getattr(actor, "pk", None) else None
    if approve:
        article.status = ArticleStatus.PUBLISHED
        article.published_at = _now()
    else:
        article.status = ArticleStatus.DRAFT
    article.save()
    _index_article(article)
    _article_version(article, actor=actor, action="publish" if approve else "reject", note=note)
    audit.record(
        actor=actor,
        action="appeals.kb.review",
        subject=article,
        before=before,
        after=_article_snapshot(article),
    )
    return article


@transaction.atomic
def knowledge_article_retire(*, actor: Any, article: KnowledgeArticle, note: str = "") -> KnowledgeArticle:
    _require_perm(actor, "appeals.review_knowledgearticle", "下线知识库条目")
    article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict("只有已发布的条目可以下线")
    before = _article_snapshot(article)
    article.status = ArticleStatus.RETIRED
    article.save()
    _index_article(article)
    _article_version(article, actor=actor, action="retire", note=_text(note))
    audit.record(
        actor=actor,
        action="appeals.kb.retire",
        subject=article,
        before=before,
        after=_article_snapshot(article),
    )
    return article


# --- training ---------------------------------------------------------------------------------------------


def training_data(limit: int | None = None) -> tuple[list[str], list[str], list[str | None]]:
    """Texts, final departments and categories of closed appeals (newest first, up to ``limit``)."""
    qs = (
        Appeal.objects.filter(status=AppealStatus.CLOSED, department__isnull=False)
        .order_by("-received_at", "-id")
        .values_list("title", "text", "department__code", "category__code")
    )
    if limit:
        qs = qs[:limit]
    texts: list[str] = []
    departments: list[str] = []
    categories: list[str | None] = []
    for title, text, department, category in qs.iterator(chunk_size=5000):
        texts.append(f"{title} {text}".strip())
        departments.append(department)
        categories.append(category)
    return texts, departments, categories


def dispatch_model_train(
    *,
    actor: Any,
    limit: int | None = None,
    activate: bool = True,
    progress: classifier.Progress | None = None,
) -> DispatchModel:
    """Train on closed appeals, store the file and metrics as a DispatchModel, activate it."""
    started = time.perf_counter()
    texts, departments, categories = training_data(limit)
    keywords = {
        code: [k.strip() for k in re.split(r"[,，]", words) if k.strip()]
        for code, words in Category.objects.exclude(keywords="").values_list("code", "keywords")
    }
    version = timezone.now().strftime("%Y%m%d%H%M%S") + f"-{len(texts)}"
    try:
        result = classifier.train(
            texts, departments, categories, version=version, keywords=keywords, progress=progress
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="not_enough_training_data") from exc
    path = classifier.save(result.bundle)
    with transaction.atomic():
        if activate:
            DispatchModel.objects.filter(is_active=True).update(is_active=False)
        row = DispatchModel.objects.create(
            version=version,
            trained_at=timezone.now(),
            sample_count=result.sample_count,
            test_count=result.test_count,
            accuracy=result.accuracy,
            macro_f1=result.macro_f1,
            category_accuracy=result.category_accuracy,
            category_macro_f1=result.category_macro_f1,
            baseline_accuracy=result.baseline_accuracy,
            baseline_macro_f1=result.baseline_macro_f1,
            training_seconds=round(time.perf_counter() - started, 2),
            report=result.report,
            file_path=str(path),
            is_active=activate,
        )
        audit.record(
            actor=actor,
            action="appeals.model.train",
            subject=row,
            after={
                "version": version,
                "accuracy": round(result.accuracy, 4),
                "macro_f1": round(result.macro_f1, 4),
                "baseline_accuracy": round(result.baseline_accuracy, 4),
                "samples": result.sample_count,
            },
        )
    return row


@transaction.atomic
def dispatch_model_activate(*, actor: Any, model: DispatchModel) -> DispatchModel:
    _require_perm(actor, "appeals.change_dispatchmodel", "切换派单模型")
    if classifier.load(model.version, model.file_path) is None:
        raise ValidationFailed.for_field("model", f"模型文件不可读：{model.file_path}")
    DispatchModel.objects.filter(is_active=True).update(is_active=False)
    model.is_active = True
    model.save(update_fields=["is_active"])
    audit.record(
        actor=actor, action="appeals.model.activate", subject=model, after={"version": model.version}
    )
    return model


# --- workbench pages: an action and its files in one transaction ------------------------------------------


@transaction.atomic
def appeal_intake_with_photos(*, actor: Any, photos: Sequence[tuple[str, bytes]] = (), **data: Any) -> Appeal:
    """``appeal_intake`` plus its photos: a refused photo (type, size) leaves no appeal behind."""
    appeal = appeal_intake(actor=actor, **data)
    for name, content in photos:
        appeal_attach(actor=actor, appeal=appeal, content=content, name=name, kind=AttachmentKind.PHOTO)
    return appeal


@transaction.atomic
def work_order_reply_with_files(
    *,
    actor: Any,
    work_order: WorkOrder | int,
    reply_text: str,
    files: Sequence[tuple[str, bytes]] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """答复 with attachments (photos of the result) stored on the primary appeal of the work order; a
    refused file leaves the work order as it was."""
    result = work_order_reply(
        actor=actor, work_order=work_order, reply_text=reply_text, expected_version=expected_version
    )
    appeal = Appeal.objects.get(pk=result.appeal_id)
    for name, content in files:
        appeal_attach(actor=actor, appeal=appeal, content=content, name=name, kind=AttachmentKind.REPLY)
    return result


# --- grid-event page: self-handling with its photos in one transaction ------------------------------------


@transaction.atomic
def appeal_self_handle_with_photos(
    *,
    actor: Any,
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
