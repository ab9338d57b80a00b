"""Work orders (工单) and what happens to them: status history, assisting departments, return and
extension requests, return visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.appeals.constants import (
    OPEN_WORK_ORDER_STATUSES,
    AppealType,
    AssistStatus,
    DispatchKind,
    RequestStatus,
    VisitResult,
    WorkOrderStatus,
)
from shuzheng.appeals.models.dispatch import Category
from shuzheng.core.models import TimestampedModel

USER = settings.AUTH_USER_MODEL


class WorkOrder(TimestampedModel):
    """工单: the unit of work dispatched to a lead department (with optional assisting departments)."""

    number = models.CharField("工单编号", max_length=32, unique=True)
    appeal = models.ForeignKey(
        "Appeal", verbose_name="主诉求", on_delete=models.PROTECT, related_name="primary_work_orders"
    )
    lead_department = models.ForeignKey(
        "orgs.Department", verbose_name="主办部门", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.DISPATCHED
    )
    appeal_type = models.CharField("诉求类型", max_length=16, choices=AppealType.choices)
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatch_kind = models.CharField("派单方式", max_length=16, choices=DispatchKind.choices)
    dispatched_at = models.DateTimeField("派单时间")
    dispatched_by = models.ForeignKey(
        USER, verbose_name="派单人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    reply_text = models.TextField("答复内容", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        USER, verbose_name="答复人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=20, choices=VisitResult.choices, blank=True)
    return_count = models.PositiveSmallIntegerField("退单次数", default=0)
    reassign_count = models.PositiveSmallIntegerField("改派次数", default=0)
    remind_count = models.PositiveSmallIntegerField("催办次数", default=0)
    supervise_count = models.PositiveSmallIntegerField("督办次数", default=0)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    unsatisfied_count = models.PositiveSmallIntegerField("不满意次数", default=0)
    is_supervised = models.BooleanField("督办件", default=False)
    reopen_reason = models.TextField("重办原因", blank=True)
    version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        permissions = [
            ("handle_workorder", "签收、退单、答复、下转工单（本部门）"),
            ("supervise_workorder", "催办、督办工单"),
            ("visit_workorder", "回访与办结工单"),
        ]
        indexes = [
            models.Index(
                fields=["lead_department", "status", "dispatched_at", "id"], name="appeals_wo_dept_queue"
            ),
            models.Index(fields=["status", "dispatched_at", "id"], name="appeals_wo_status_queue"),
            models.Index(fields=["status", "replied_at", "id"], name="appeals_wo_visit_queue"),
            # Department queues: open work orders in dispatch order, the lead department alongside, so
            # the first page is read in order and stops after a page (bench/README.md, appeals).
            models.Index(
                fields=["dispatched_at", "id"],
                include=["lead_department"],
                condition=models.Q(status__in=list(OPEN_WORK_ORDER_STATUSES)),
                name="appeals_wo_open_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class WorkOrderAssist(TimestampedModel):
    """协办: an assisting department with its own acceptance and feedback."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="assists"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="协办部门", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=AssistStatus.choices, default=AssistStatus.PENDING
    )
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    reply_text = models.TextField("协办意见", blank=True)
    replied_at = models.DateTimeField("反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = "协办"
        verbose_name_plural = "协办"
        constraints = [
            models.UniqueConstraint(fields=["work_order", "department"], name="appeals_assist_unique"),
        ]
        indexes = [models.Index(fields=["department", "status", "id"], name="appeals_assist_queue")]

    def __str__(self) -> str:
        return f"{self.work_order} · {self.department}"


class WorkOrderEvent(models.Model):
    """Status history of a work order: one row per action (status changes and remind/supervise notes)."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField("原状态", max_length=20, choices=WorkOrderStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=WorkOrderStatus.choices)
    action = models.CharField("操作", max_length=32)
    actor = models.ForeignKey(
        USER, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="处理部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    occurred_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "工单记录"
        verbose_name_plural = "工单记录"
        ordering = ["work_order", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} ({self.action})"


class ReturnRequest(models.Model):
    """退单: a department sends a work order back with a reason; the dispatch centre reviews it."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="return_requests"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="退单部门", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("退单理由")
    suggested_department = models.ForeignKey(
        "orgs.Department",
        verbose_name="建议承办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        USER, verbose_name="申请人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    status = models.CharField(
        "审核结果", max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    reassigned_to = models.ForeignKey(
        "orgs.Department",
        verbose_name="改派部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "退单申请"
        verbose_name_plural = "退单申请"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at", "id"], name="appeals_return_queue")]

    def __str__(self) -> str:
        return f"{self.work_order} 退单"


class ExtensionRequest(models.Model):
    """延期申请: approved by the dispatch centre, it moves the work order's due date."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="extension_requests"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="申请部门", on_delete=models.PROTECT, related_name="+"
    )
    working_days = models.PositiveSmallIntegerField("延期工作日")
    reason = models.TextField("延期理由")
    requested_by = models.ForeignKey(
        USER, verbose_name="申请人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    status = models.CharField(
        "审核结果", max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    old_due_at = models.DateTimeField("原期限", null=True, blank=True)
    new_due_at = models.DateTimeField("新期限", null=True, blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at", "id"], name="appeals_extension_queue")]

    def __str__(self) -> str:
        return f"{self.work_order} 延期{self.working_days}个工作日"


class ReturnVisit(models.Model):
    """回访 by the dispatch centre after the reply: satisfaction, or a failed visit with its reason."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name="工单", on_delete=models.CASCADE, related_name="visits"
    )
    result = models.CharField("回访结果", max_length=20, choices=VisitResult.choices)
    note = models.TextField("回访记录/原因", blank=True)
    visited_by = models.ForeignKey(
        USER, verbose_name="回访人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField("回访时间")

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["work_order", "visited_at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order} {self.get_result_display()}"
