"""Intake from every channel (hotline, portal, grid, Open311…): validation, registration with its first
dispatch, direct answers (直接答复) and photos."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shuzheng.appeals.constants import (
    APPEAL_DOC,
    AppealChannel,
    AppealStatus,
    AppealType,
    ArticleStatus,
    AttachmentKind,
    ConclusionKind,
    Urgency,
)
from shuzheng.appeals.models import Appeal, AppealAttachment, Category, KnowledgeArticle
from shuzheng.appeals.services.appeal_status import appeal_transition
from shuzheng.appeals.services.common import (
    appeal_snapshot,
    clean_text,
    next_number,
    now,
    require_perm,
    set_sla,
    user_of,
)
from shuzheng.appeals.services.dispatch import auto_dispatch_appeal
from shuzheng.appeals.workflow import AppealAction
from shuzheng.core import audit, fulltext
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import Conflict, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.validators import validate_mobile, validate_uscc
from shuzheng.identity.actors import Actor
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

if TYPE_CHECKING:
    from shuzheng.orgs.models import Division, Grid

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
DIRECT_ANSWER_TYPES = frozenset(
    {AppealType.CONSULT, AppealType.SUGGESTION, AppealType.PRAISE, AppealType.HELP}
)


@dataclass(frozen=True)
class IntakeInput:
    """What a channel hands to intake, as typed or posted (``appeal_validate`` cleans it). With
    ``direct_answer`` or ``knowledge_article_id`` an inquiry is answered and concluded at intake."""

    channel: str
    appeal_type: str
    text: str
    division_code: str
    title: str = ""
    category_code: str | None = None
    grid_code: str | None = None
    latitude: Any = None
    longitude: Any = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    is_anonymous: bool = False
    publish_consent: bool = False
    is_enterprise: bool = False
    enterprise_uscc: str = ""
    enterprise_name: str = ""
    urgency: str = Urgency.NORMAL
    direct_answer: str = ""
    knowledge_article_id: int | None = None


@dataclass
class CleanIntake:
    """Intake data once checked (what ``appeal_validate`` returns): trimmed text, objects for codes."""

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


def _in_city(division: Division) -> bool:
    city = settings.SHUZHENG_APPEAL_CITY_DIVISION
    return f"/{city}/" in division.path


def _coordinate(
    errs: FieldErrors, field: str, label: str, value: Any, low: float, high: float
) -> Decimal | None:
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


def appeal_validate(data: IntakeInput) -> CleanIntake:
    """Check intake data without writing; every bad field is named in one ValidationFailed."""
    errs = FieldErrors()
    text, title, address = clean_text(data.text), clean_text(data.title), clean_text(data.address)
    max_text = settings.SHUZHENG_APPEAL_MAX_TEXT
    if data.channel not in AppealChannel.values:
        errs.add("channel", f"渠道“{data.channel}”无效")
    if data.appeal_type not in AppealType.values:
        errs.add("appeal_type", f"诉求类型“{data.appeal_type}”无效")
    if data.urgency not in Urgency.values:
        errs.add("urgency", f"紧急程度“{data.urgency}”无效")
    if not text:
        errs.add("text", "诉求内容不能为空")
    elif len(text) > max_text:
        errs.add("text", f"诉求内容不能超过{max_text}个字（当前{len(text)}个字），请精简后再提交")
    if len(title) > 100:
        errs.add("title", "标题不能超过100个字")
    if len(address) > 255:
        errs.add("address", "地址不能超过255个字")
    division = orgs_selectors.active_division_by_code(clean_text(data.division_code))
    if division is None:
        errs.add("division_code", f"行政区划“{data.division_code}”不存在或已停用")
    elif not _in_city(division):
        errs.add("division_code", f"“{division.name}”不在本市范围内，本平台只受理本市诉求")
    category = None
    if data.category_code:
        category = Category.objects.filter(code=clean_text(data.category_code), is_active=True).first()
        if category is None:
            errs.add("category_code", f"诉求分类“{data.category_code}”不存在或已停用")
    grid = None
    if data.grid_code:
        grid = orgs_selectors.active_grid_by_code(clean_text(data.grid_code))
        if grid is None:
            errs.add("grid_code", f"网格“{data.grid_code}”不存在或已停用")
        elif division is not None and not grid.division.path.startswith(division.path):
            errs.add("grid_code", f"网格“{grid.name}”不在所选区划“{division.name}”内")
    south, west, north, east = settings.SHUZHENG_APPEAL_BBOX
    latitude, longitude = data.latitude, data.longitude
    lat = _coordinate(errs, "latitude", "纬度", latitude, south, north)
    lng = _coordinate(errs, "longitude", "经度", longitude, west, east)
    if (latitude in (None, "")) != (longitude in (None, "")):
        errs.add("longitude" if longitude in (None, "") else "latitude", "经纬度须同时填写")
    reporter_name, phone = clean_text(data.reporter_name), clean_text(data.reporter_phone)
    if len(reporter_name) > 32:
        errs.add("reporter_name", "诉求人姓名不能超过32个字")
    if phone:
        try:
            phone = validate_mobile(phone, field="reporter_phone")
        except ValidationFailed as exc:
            errs.extend(exc)
    if data.is_anonymous:
        reporter_name, phone = "", ""
    uscc = clean_text(data.enterprise_uscc)
    if data.is_enterprise:
        try:
            uscc = validate_uscc(uscc, field="enterprise_uscc")
        except ValidationFailed as exc:
            errs.extend(exc)
    elif uscc:
        errs.add("enterprise_uscc", "非企业诉求无需填写统一社会信用代码")
    enterprise_name = clean_text(data.enterprise_name)
    if len(enterprise_name) > 128:
        errs.add("enterprise_name", "企业名称不能超过128个字")
    errs.raise_if_any()
    assert division is not None
    return CleanIntake(
        channel=data.channel,
        appeal_type=data.appeal_type,
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
        is_anonymous=data.is_anonymous,
        is_enterprise=data.is_enterprise,
        enterprise_uscc=uscc if data.is_enterprise else "",
        enterprise_name=enterprise_name if data.is_enterprise else "",
        urgency=data.urgency,
    )


@transaction.atomic
def appeal_intake(
    *,
    actor: Actor,
    data: IntakeInput,
    reporter_user: Actor | None = None,
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
    if data.channel == AppealChannel.GRID:
        require_perm(actor, "appeals.report_grid_event", "上报网格事件")
    elif getattr(actor, "kind", "staff") == "staff":
        require_perm(actor, "appeals.intake_appeal", "登记诉求")
    clean = appeal_validate(data)
    article = None
    answer = clean_text(data.direct_answer)
    if data.knowledge_article_id is not None:
        article = _published_article(data.knowledge_article_id, field="knowledge_article_id")
        answer = answer or article.answer
    if answer and clean.appeal_type not in DIRECT_ANSWER_TYPES:
        raise ValidationFailed.for_field("direct_answer", "投诉、举报类诉求须派单办理，不能直接答复办结")
    if len(answer) > 5000:
        raise ValidationFailed.for_field("direct_answer", "答复内容不能超过5000个字")
    grid = clean.grid
    worker = getattr(actor, "grid_worker", None) if clean.channel == AppealChannel.GRID else None
    if grid is None and worker is not None and worker.grid.division.path.startswith(clean.division.path):
        grid = worker.grid  # a grid worker reports in their own grid unless they name another
    if grid is None and clean.division.level == DivisionLevel.VILLAGE:
        grid = orgs_selectors.grid_for_division(division=clean.division)
    at = now()
    appeal = Appeal(
        number=f"P{uuid.uuid4().hex[:24]}",  # provisional: the day's number is taken last (below)
        channel=clean.channel,
        appeal_type=clean.appeal_type,
        category=clean.category,
        title=clean.title,
        text=clean.text,
        division=clean.division,
        grid=grid,
        latitude=clean.latitude,
        longitude=clean.longitude,
        address=clean.address,
        is_anonymous=clean.is_anonymous,
        publish_consent=data.publish_consent is True,
        reporter_name=clean.reporter_name,
        reporter_phone=clean.reporter_phone,
        reporter_phone_index=blind_index(clean.reporter_phone) if clean.reporter_phone else "",
        reporter_user=user_of(reporter_user) if reporter_user is not None else None,
        is_enterprise=clean.is_enterprise,
        enterprise_uscc=clean.enterprise_uscc,
        enterprise_name=clean.enterprise_name,
        urgency=clean.urgency,
        received_at=(received_at or at).astimezone(UTC),  # as the database gives it back (the answer)
        created_by=user_of(actor),
    )
    set_sla(appeal)
    # Where an appeal starts (workflow.AppealAction): answered on the spot, a grid event, or to dispatch.
    if answer:
        appeal.status = AppealStatus.CONCLUDED
        appeal.conclusion = ConclusionKind.KNOWLEDGE_BASE if article else ConclusionKind.DIRECT_ANSWER
        appeal.answer_text = answer
        appeal.knowledge_article = article
        appeal.replied_at = appeal.concluded_at = at
    elif clean.channel == AppealChannel.GRID:
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
    *, actor: Actor, appeal: Appeal, answer_text: str = "", knowledge_article_id: int | None = None
) -> Appeal:
    """直接答复: a pending inquiry answered by the agent (optionally from a KB article) is concluded."""
    require_perm(actor, "appeals.intake_appeal", "直接答复诉求")
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.PENDING_DISPATCH or appeal.work_order_id:
        raise Conflict(f"诉求当前状态为“{appeal.get_status_display()}”，不能直接答复")
    if appeal.appeal_type not in DIRECT_ANSWER_TYPES:
        raise ValidationFailed.for_field("answer_text", "投诉、举报类诉求须派单办理，不能直接答复办结")
    article = None
    answer = clean_text(answer_text)
    if knowledge_article_id is not None:
        article = _published_article(knowledge_article_id, field="knowledge_article_id")
        answer = answer or article.answer
        KnowledgeArticle.objects.filter(pk=article.pk).update(use_count=F("use_count") + 1)
    if not answer:
        raise ValidationFailed.for_field("answer_text", "答复内容不能为空")
    conclusion = ConclusionKind.KNOWLEDGE_BASE if article else ConclusionKind.DIRECT_ANSWER
    return conclude(
        actor,
        appeal,
        action=AppealAction.CONCLUDE_DIRECTLY,
        conclusion=conclusion,
        answer=answer,
        article=article,
    )


def conclude(
    actor: Actor,
    appeal: Appeal,
    *,
    action: str,
    conclusion: str,
    answer: str,
    article: KnowledgeArticle | None = None,
    note: str = "",
) -> Appeal:
    """Concludes an appeal without a work order (直接答复 or 自行处置): the move, its answer, the audit."""
    before = appeal_snapshot(appeal)
    at = now()
    appeal_transition(
        actor=actor,
        appeal=appeal,
        action=action,
        note=note,
        changes={
            "knowledge_article": article,
            "conclusion": conclusion,
            "answer_text": answer,
            "replied_at": at,
            "concluded_at": at,
        },
    )
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
    *, actor: Actor, appeal: Appeal, content: bytes, name: str = "", kind: str = AttachmentKind.PHOTO
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
        original_name=clean_text(name)[:255],
        content_type=guessed.mime,
        size=len(content),
        uploaded_by=user_of(actor),
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


@transaction.atomic
def appeal_intake_with_photos(
    *,
    actor: Actor,
    data: IntakeInput,
    photos: Sequence[tuple[str, bytes]] = (),
    reporter_user: Actor | None = None,
) -> Appeal:
    """``appeal_intake`` plus its photos: a refused photo (type, size) leaves no appeal behind."""
    appeal = appeal_intake(actor=actor, data=data, reporter_user=reporter_user)
    for name, content in photos:
        appeal_attach(actor=actor, appeal=appeal, content=content, name=name, kind=AttachmentKind.PHOTO)
    return appeal
