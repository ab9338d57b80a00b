"""Appeals (诉求): the appeal, its own status history, numbering, attachments and how it was dispatched."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.appeals.constants import (
    AppealChannel,
    AppealStatus,
    AppealType,
    AttachmentKind,
    ConclusionKind,
    DispatchKind,
    Urgency,
    VisitResult,
)
from shuzheng.appeals.models.dispatch import Category, DispatchModel, RoutingRule
from shuzheng.appeals.models.work_orders import WorkOrder
from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel

USER = settings.AUTH_USER_MODEL


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
    """Status history of an appeal: one row per move of `workflow.APPEAL_TRANSITIONS` (escalated, handled on
    the spot, answered directly, dispatched, merged into a work order, closed with it)."""

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
