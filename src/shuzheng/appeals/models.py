"""一网统管: appeals from every channel (12345, web, grid, patrol, sensors …), their dispatch to work orders,
time limits, return visits, and the knowledge base behind the hotline.

- ``Appeal`` (诉求) is what a person or a sensor reported; ``WorkOrder`` (工单) is the dispatched unit of
  work. Merged appeals (并单) point at the same work order, so one reply answers every reporter.
- ``Appeal.department`` is the current lead department, denormalised so data scopes filter with one index.
- Every state change of a work order is a ``WorkOrderEvent`` row written by ``work_order_transition``.
- ``is_historical`` rows were imported from the previous hotline system (the demo's synthetic training
  data): closed, without a work order, used for the classifier and statistics.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.appeals.constants import (
    OPEN_WORK_ORDER_STATUSES,
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
from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel

USER = settings.AUTH_USER_MODEL


class Category(TimestampedModel):
    """诉求分类: a code tree ("/CG/CG01/"); Open311 services are the active categories."""

    code = models.CharField("分类编码", max_length=32, unique=True)
    name = models.CharField("分类名称", max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    description = models.TextField("说明", blank=True)
    keywords = models.CharField(
        "关键词", max_length=255, blank=True, help_text="逗号分隔，用于关键词基线与规则提示"
    )
    sla_days = models.PositiveSmallIntegerField(
        "办理时限（工作日）", null=True, blank=True, help_text="留空则按诉求类型的默认时限"
    )
    position = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class DispatchCatalogueEntry(TimestampedModel):
    """派单目录: which department answers a category in a division; lookups fall back up the division tree."""

    category = models.ForeignKey(
        Category, verbose_name="分类", on_delete=models.CASCADE, related_name="catalogue"
    )
    division = models.ForeignKey(
        "orgs.Division", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "派单目录"
        verbose_name_plural = "派单目录"
        ordering = ["category", "division"]
        constraints = [
            models.UniqueConstraint(fields=["category", "division"], name="appeals_catalogue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} · {self.division.name} → {self.department.name}"


class RoutingRule(TimestampedModel):
    """派单规则: checked in ``position`` order before the classifier; the first matching active rule wins.

    Empty conditions match anything; ``keywords`` match when any of them (comma-separated) is in the text;
    ``division`` matches the division and everything below it.
    """

    name = models.CharField("规则名称", max_length=64)
    position = models.PositiveIntegerField("顺序", default=100, db_index=True)
    is_active = models.BooleanField("启用", default=True)
    category = models.ForeignKey(
        Category,
        verbose_name="分类（含下级）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    division = models.ForeignKey(
        "orgs.Division",
        verbose_name="区划（含下级）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keywords = models.CharField("关键词（任一）", max_length=500, blank=True, help_text="逗号分隔")
    channel = models.CharField("渠道", max_length=16, choices=AppealChannel.choices, blank=True)
    appeal_type = models.CharField("诉求类型", max_length=16, choices=AppealType.choices, blank=True)
    enterprise = models.BooleanField(
        "企业诉求", null=True, blank=True, help_text="是：仅企业诉求；否：仅非企业诉求；空：不限"
    )
    lead_department = models.ForeignKey(
        "orgs.Department", verbose_name="主办部门", on_delete=models.PROTECT, related_name="+"
    )
    assist_departments = models.ManyToManyField(
        "orgs.Department", verbose_name="协办部门", blank=True, related_name="+"
    )
    set_category = models.ForeignKey(
        Category,
        verbose_name="同时设定分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="诉求未选分类时采用",
    )
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "派单规则"
        verbose_name_plural = "派单规则"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class DispatchModel(models.Model):
    """A trained dispatch classifier: its file, metrics, and whether it is the active one."""

    version = models.CharField("版本", max_length=32, unique=True)
    trained_at = models.DateTimeField("训练时间")
    sample_count = models.PositiveIntegerField("训练样本数")
    test_count = models.PositiveIntegerField("测试样本数")
    accuracy = models.FloatField("部门准确率")
    macro_f1 = models.FloatField("部门宏平均F1")
    category_accuracy = models.FloatField("分类准确率", null=True, blank=True)
    category_macro_f1 = models.FloatField("分类宏平均F1", null=True, blank=True)
    baseline_accuracy = models.FloatField("关键词基线准确率", null=True, blank=True)
    baseline_macro_f1 = models.FloatField("关键词基线宏平均F1", null=True, blank=True)
    training_seconds = models.FloatField("训练耗时（秒）", default=0)
    report = models.JSONField("分部门评估", default=dict, blank=True)
    file_path = models.CharField("模型文件", max_length=500)
    is_active = models.BooleanField("当前使用", default=False)

    class Meta:
        verbose_name = "派单模型"
        verbose_name_plural = "派单模型"
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="appeals_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version}（准确率 {self.accuracy:.1%}）"


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


class Appeal(TimestampedModel):
    """诉求: one report from one channel; anonymous allowed, contact data SM4-encrypted."""

    number = models.CharField("诉求编号", max_length=32, unique=True)
    channel = models.CharField("渠道", max_length=16, choices=AppealChannel.choices)
    appeal_type = models.CharField("诉求类型", max_length=16, choices=AppealType.choices)
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    title = models.CharField("标题", max_length=100, blank=True)
    text = models.TextField("诉求内容")
    division = models.ForeignKey(
        "orgs.Division", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name="网格", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    is_anonymous = models.BooleanField("匿名", default=False)
    publish_consent = models.BooleanField(
        "同意公开诉求内容",
        default=False,
        help_text="诉求人同意后，公开接口才显示诉求内容（人名、电话、证件号脱敏）与详细地点",
    )
    reporter_name = EncryptedTextField("诉求人姓名", blank=True)
    reporter_phone = EncryptedTextField("联系电话", blank=True)
    reporter_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    reporter_user = models.ForeignKey(
        USER,
        verbose_name="诉求人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    is_enterprise = models.BooleanField("企业诉求（中小微企业快速响应）", default=False)
    enterprise_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    enterprise_name = models.CharField("企业名称", max_length=128, blank=True)
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(
        "状态", max_length=20, choices=AppealStatus.choices, default=AppealStatus.PENDING_DISPATCH
    )
    received_at = models.DateTimeField("登记时间")
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    sla_rule = models.CharField("时限依据", max_length=64, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="主办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入诉求",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_appeals",
    )
    merge_suggestions = models.JSONField("并单建议", default=list, blank=True)
    dispatch_suggestions = models.JSONField("派单建议", default=list, blank=True)
    conclusion = models.CharField("办结方式", max_length=20, choices=ConclusionKind.choices, blank=True)
    answer_text = models.TextField("答复内容", blank=True)
    knowledge_article = models.ForeignKey(
        "KnowledgeArticle",
        verbose_name="引用知识",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=20, choices=VisitResult.choices, blank=True)
    is_historical = models.BooleanField(
        "历史导入", default=False, help_text="从原热线系统导入（演示数据为合成）"
    )
    created_by = models.ForeignKey(
        USER, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        permissions = [
            ("intake_appeal", "登记诉求（话务员）"),
            ("dispatch_appeal", "派单、改派、并单、审核退单与延期（调度中心）"),
            ("report_grid_event", "上报网格事件并自行处置（网格员）"),
            ("view_appeal_stats", "查看诉求统计"),
        ]
        indexes = [
            models.Index(fields=["status", "received_at", "id"], name="appeals_status_received"),
            models.Index(fields=["department", "status", "received_at", "id"], name="appeals_dept_queue"),
            models.Index(fields=["division", "status", "received_at"], name="appeals_division_status"),
            models.Index(fields=["category", "status", "received_at"], name="appeals_category_status"),
            models.Index(fields=["created_by", "received_at"], name="appeals_created_by"),
            models.Index(fields=["reporter_user", "received_at"], name="appeals_reporter_user"),
            models.Index(fields=["received_at", "id"], name="appeals_received"),
        ]

    def __str__(self) -> str:
        return self.number


class AppealEvent(models.Model):
    """Status history of an appeal before it has a work order (grid events: escalated, handled)."""

    appeal = models.ForeignKey(Appeal, verbose_name="诉求", on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=20, choices=AppealStatus.choices)
    to_status = models.CharField("新状态", max_length=20, choices=AppealStatus.choices)
    action = models.CharField("操作", max_length=32)
    actor = models.ForeignKey(
        USER, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField("说明", blank=True)
    occurred_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "诉求记录"
        verbose_name_plural = "诉求记录"
        ordering = ["appeal", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} ({self.action})"


class AppealSequence(models.Model):
    """Per-day counter behind appeal and work-order numbers (locked row by row)."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="appeals_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day} {self.last_value}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(
        Appeal, verbose_name="诉求", on_delete=models.CASCADE, related_name="attachments"
    )
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(
        "类型", max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO
    )
    file = models.FileField("文件", upload_to="appeals/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255, blank=True)
    content_type = models.CharField("文件类型", max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        USER, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "诉求附件"
        verbose_name_plural = "诉求附件"
        ordering = ["appeal", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


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


class DispatchDecision(models.Model):
    """How an appeal was (or would be) dispatched: by which rule or model version, with what probability."""

    appeal = models.ForeignKey(
        Appeal, verbose_name="诉求", on_delete=models.CASCADE, related_name="dispatch_decisions"
    )
    kind = models.CharField("方式", max_length=16, choices=DispatchKind.choices)
    rule = models.ForeignKey(
        RoutingRule,
        verbose_name="命中规则",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    model = models.ForeignKey(
        DispatchModel,
        verbose_name="模型版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    model_version = models.CharField("模型版本号", max_length=32, blank=True)
    probability = models.FloatField("置信度", null=True, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="派往部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggestions = models.JSONField("候选（前三）", default=list, blank=True)
    is_automatic = models.BooleanField("自动", default=False)
    decided_by = models.ForeignKey(
        USER, verbose_name="派单人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "派单决策"
        verbose_name_plural = "派单决策"
        ordering = ["appeal", "id"]

    def __str__(self) -> str:
        return f"{self.appeal} {self.get_kind_display()}"


class KnowledgeArticle(TimestampedModel):
    """知识库条目: the current text; every edit is a ``KnowledgeArticleVersion``; publish needs a reviewer."""

    question = models.CharField("问题", max_length=200)
    answer = models.TextField("答复口径")
    keywords = models.CharField("关键词", max_length=255, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        USER, verbose_name="编辑", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        USER, verbose_name="提交人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    use_count = models.PositiveIntegerField("引用次数", default=0)

    class Meta:
        verbose_name = "知识库条目"
        verbose_name_plural = "知识库条目"
        ordering = ["-updated_at", "-id"]
        permissions = [("review_knowledgearticle", "审核发布知识库条目")]
        indexes = [models.Index(fields=["status", "category"], name="appeals_kb_status")]

    def __str__(self) -> str:
        return self.question


class KnowledgeArticleVersion(models.Model):
    article = models.ForeignKey(
        KnowledgeArticle, verbose_name="条目", on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField("版本")
    question = models.CharField("问题", max_length=200)
    answer = models.TextField("答复口径")
    status = models.CharField("状态", max_length=16, choices=ArticleStatus.choices)
    action = models.CharField("操作", max_length=32)
    actor = models.ForeignKey(
        USER, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "知识库版本"
        verbose_name_plural = "知识库版本"
        ordering = ["article", "id"]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version} {self.action}"
