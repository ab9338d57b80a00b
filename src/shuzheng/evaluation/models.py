"""好差评: evaluations, rectification of bad reviews, and disputes against reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel
from shuzheng.evaluation.constants import DisputeStatus, EvaluationChannel, Level, RectificationStatus


class Evaluation(TimestampedModel):
    case = models.ForeignKey(
        "cases.Case", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("评价渠道", max_length=16, choices=EvaluationChannel.choices)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="被评部门", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hall = models.ForeignKey(
        "orgs.Hall", verbose_name="大厅", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "orgs.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    dimensions = models.JSONField("分项评价", default=dict)
    comment = models.TextField("评价内容", blank=True, max_length=1000)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评价人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    real_name = models.BooleanField("实名评价", default=False)
    contact = EncryptedTextField("回访电话", blank=True)
    evaluated_at = models.DateTimeField("评价时间", db_index=True)
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.TextField("作废理由", blank=True)

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "channel"],
                condition=models.Q(case__isnull=False),
                name="evaluation_once_per_channel",
            ),
        ]
        indexes = [models.Index(fields=["department", "evaluated_at"], name="evaluation_dept_time")]

    def __str__(self) -> str:
        return f"好差评#{self.pk}（{self.get_level_display()}）"

    @property
    def is_bad(self) -> bool:
        return self.level <= Level.DISSATISFIED


class Rectification(TimestampedModel):
    """差评整改: owner, deadline, return visit for real-name reviews, result, and the supervisor's check."""

    evaluation = models.OneToOneField(
        Evaluation, verbose_name="差评", on_delete=models.PROTECT, related_name="rectification"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="整改部门", on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="整改责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    due_date = models.DateField("整改期限", db_index=True)
    return_visit_required = models.BooleanField("须回访", default=False)
    return_visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    return_visit_note = models.TextField("回访记录", blank=True)
    result = models.TextField("整改结果", blank=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    check_note = models.TextField("核查意见", blank=True)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        permissions = [("check_rectification", "核查差评整改")]
        indexes = [
            models.Index(fields=["department", "status", "due_date", "id"], name="rectification_queue"),
        ]

    def __str__(self) -> str:
        return f"差评整改#{self.pk}"


class RectificationEvent(models.Model):
    """One row per status change of a rectification (written only by `rectification_transition`)."""

    rectification = models.ForeignKey(
        Rectification, verbose_name="差评整改", on_delete=models.PROTECT, related_name="history"
    )
    from_status = models.CharField("原状态", max_length=16, choices=RectificationStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=RectificationStatus.choices)
    action = models.CharField("操作", max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occurred_at = models.DateTimeField("时间")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "差评整改记录"
        verbose_name_plural = "差评整改记录"
        ordering = ["rectification", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class RatingDispute(TimestampedModel):
    """申诉复核: a department contests a review; a reviewer voids it or not (never deleted).

    Its permission codenames predate the rename (``*_evaluationappeal``) and stay so the roles that
    hold them keep working; they are declared instead of derived from the model name."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name="评价", on_delete=models.PROTECT, related_name="disputes"
    )
    reason = models.TextField("申诉理由")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申诉人", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    review_note = models.TextField("复核意见", blank=True)

    class Meta:
        verbose_name = "评价申诉"
        verbose_name_plural = "评价申诉"
        default_permissions = ()
        permissions = [
            ("add_evaluationappeal", "Can add 评价申诉"),
            ("change_evaluationappeal", "Can change 评价申诉"),
            ("delete_evaluationappeal", "Can delete 评价申诉"),
            ("view_evaluationappeal", "Can view 评价申诉"),
            ("review_evaluationappeal", "复核评价申诉、作废评价"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=models.Q(status=DisputeStatus.PENDING),
                name="ratingdispute_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at", "id"], name="ratingdispute_queue")]

    def __str__(self) -> str:
        return f"评价申诉#{self.pk}"
