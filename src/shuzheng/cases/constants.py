from django.db import models


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    CORRECTION_REQUESTED = "correction_requested", "待补正"
    UNDER_REVIEW = "under_review", "审查中"
    SUSPENDED = "suspended", "特别程序中"
    APPROVED = "approved", "准予许可"
    REFUSED = "refused", "不予许可"
    DELIVERED = "delivered", "已送达"
    CONCLUDED = "concluded", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"
    FORWARDED = "forwarded", "已转办（跨省通办）"


class CaseChannel(models.TextChoices):
    PORTAL = "portal", "网上办事大厅"
    WINDOW = "window", "窗口（一窗受理）"
    KIOSK = "kiosk", "自助机（侨都之窗）"
    BANK_TERMINAL = "bank_terminal", "政银通办终端"
    CROSS_REGION = "cross_region", "跨省通办代收"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人"


class SuspensionKind(models.TextChoices):
    HEARING = "hearing", "听证"
    INSPECTION = "inspection", "现场勘验"
    EXPERT_REVIEW = "expert_review", "专家评审"


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", "窗口领取"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"


class Decision(models.TextChoices):
    APPROVED = "approved", "准予"
    REFUSED = "refused", "不予"


class DeadlineState(models.TextChoices):
    """Derived in selectors from due_at and now — never stored."""

    ON_TIME = "on_time", "正常"
    WARNING = "warning", "即将到期"
    OVERDUE = "overdue", "已超期"
    STOPPED = "stopped", "计时暂停"
    CLOSED = "closed", "已结束"
