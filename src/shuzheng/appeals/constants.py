"""Choices of the appeals context (诉求 / 工单). Codes are English; labels are what users see."""

from django.db import models


class AppealChannel(models.TextChoices):
    HOTLINE = "hotline", "12345热线电话"
    WEB = "web", "网站"
    WECHAT = "wechat", "微信公众号/小程序"
    APP = "app", "移动客户端"
    MAILBOX = "mailbox", "市长信箱"
    GRID = "grid", "网格员上报"
    PATROL = "patrol", "城管巡查"
    SENSOR = "sensor", "感知设备告警"
    BAD_REVIEW = "bad_review", "差评转办"
    OPEN311 = "open311", "Open311接口"


class AppealType(models.TextChoices):
    CONSULT = "consult", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"


#: Types that may not close without a reply and a (possibly failed, documented) return visit.
VISIT_REQUIRED_TYPES = frozenset({AppealType.COMPLAINT, AppealType.REPORT})


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    CRITICAL = "critical", "特急"


class AppealStatus(models.TextChoices):
    REPORTED = "reported", "网格员待处置"
    PENDING_DISPATCH = "pending_dispatch", "待派单"
    DISPATCHED = "dispatched", "办理中"
    CONCLUDED = "concluded", "已直接办结"
    CLOSED = "closed", "已办结"


OPEN_APPEAL_STATUSES = (AppealStatus.REPORTED, AppealStatus.PENDING_DISPATCH, AppealStatus.DISPATCHED)


class ConclusionKind(models.TextChoices):
    DIRECT_ANSWER = "direct_answer", "直接答复"
    KNOWLEDGE_BASE = "knowledge_base", "知识库答复"
    SELF_HANDLED = "self_handled", "网格员自行处置"
    WORK_ORDER = "work_order", "工单办结"


class WorkOrderStatus(models.TextChoices):
    DISPATCHED = "dispatched", "待签收"
    RETURN_REQUESTED = "return_requested", "退单审核中"
    HANDLING = "handling", "办理中"
    SUPERVISED = "supervised", "督办中"
    REPLIED = "replied", "已答复待回访"
    CLOSED = "closed", "已办结"


OPEN_WORK_ORDER_STATUSES = (
    WorkOrderStatus.DISPATCHED,
    WorkOrderStatus.RETURN_REQUESTED,
    WorkOrderStatus.HANDLING,
    WorkOrderStatus.SUPERVISED,
)


class DispatchKind(models.TextChoices):
    RULE = "rule", "规则派单"
    MODEL = "model", "智能派单"
    MANUAL = "manual", "人工派单"
    SUGGESTION = "suggestion", "智能建议（待人工）"


class AssistStatus(models.TextChoices):
    PENDING = "pending", "待签收"
    ACCEPTED = "accepted", "办理中"
    REPLIED = "replied", "已反馈"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "已驳回"


class VisitResult(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"
    FAILED = "failed", "回访未成功"


SATISFIED_RESULTS = frozenset({VisitResult.SATISFIED, VisitResult.BASICALLY_SATISFIED})


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "待审核"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已下线"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", "现场照片"
    BEFORE = "before", "处置前照片"
    AFTER = "after", "处置后照片"
    REPLY = "reply", "答复附件"


#: Full-text document kinds (``core.fulltext``): appeals' title and text, published knowledge-base articles.
APPEAL_DOC = "appeals.appeal"
KB_DOC = "appeals.kb"
