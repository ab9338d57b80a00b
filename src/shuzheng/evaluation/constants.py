from decimal import Decimal

from django.db import models


class EvaluationChannel(models.TextChoices):
    ONLINE = "online", "线上（一事一评）"
    ONSITE = "onsite", "现场（一次一评）"
    QR = "qr", "二维码评价"


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)
#: "Satisfied" in the satisfaction rate: 满意 and above.
SATISFIED_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED)

#: Points of each level in the 10-point 好差评 score (indicator 7), as published in Guangdong
#: (《汕尾市政务服务“好差评”工作方案》: 非常满意 10, 满意 8, 基本满意 6, 不满意 3, 非常不满意 0).
#: docs/indicators.md explains the score.
LEVEL_POINTS: dict[int, Decimal] = {
    Level.VERY_SATISFIED: Decimal(10),
    Level.SATISFIED: Decimal(8),
    Level.BASICALLY_SATISFIED: Decimal(6),
    Level.DISSATISFIED: Decimal(3),
    Level.VERY_DISSATISFIED: Decimal(0),
}

COMMENT_MAX_LENGTH = 500
REASON_MIN_LENGTH = 5
REASON_MAX_LENGTH = 1000

DIMENSIONS = {
    EvaluationChannel.ONLINE: {
        "overall": "整体满意度",
        "efficiency": "办事效率",
        "guide_accuracy": "办事指南精确度",
        "convenience": "办事便捷度",
        "usability": "平台操作性",
    },
    EvaluationChannel.ONSITE: {
        "overall": "整体满意度",
        "efficiency": "服务效率",
        "service_level": "服务水平",
        "attitude": "服务态度",
    },
    EvaluationChannel.QR: {
        "overall": "整体满意度",
        "efficiency": "服务效率",
        "service_level": "服务水平",
        "attitude": "服务态度",
    },
}


class RectificationStatus(models.TextChoices):
    OPEN = "open", "待整改"
    RETURN_VISITED = "return_visited", "已回访"
    RECTIFIED = "rectified", "已整改待核查"
    VERIFIED = "verified", "核查通过"
    REJECTED = "rejected", "核查不通过（退回整改）"
    CLOSED = "closed", "已关闭（评价作废）"


#: Statuses in which the department still has to act; overdue is derived from these and the due date.
OPEN_RECTIFICATION_STATUSES = (
    RectificationStatus.OPEN,
    RectificationStatus.RETURN_VISITED,
    RectificationStatus.REJECTED,
)


class DisputeStatus(models.TextChoices):
    PENDING = "pending", "待复核"
    UPHELD = "upheld", "申诉成立（评价作废）"
    DISMISSED = "dismissed", "申诉不成立"


class DisputeDecision(models.TextChoices):
    UPHOLD = "uphold", "申诉成立，作废评价"
    DISMISS = "dismiss", "申诉不成立"
