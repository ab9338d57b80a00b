"""Applications (办件): the case, its status history, materials, corrections and suspensions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.cases.constants import (
    ApplicantKind,
    CaseChannel,
    CaseStatus,
    Decision,
    DeliveryMethod,
    SuspensionKind,
)
from shuzheng.cases.workflow import OPEN_STATUSES
from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel


class Case(TimestampedModel):
    number = models.CharField("办件编号", max_length=40, unique=True)
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        "catalog.ServiceItemVersion", verbose_name="事项版本", on_delete=models.PROTECT, related_name="cases"
    )
    # Denormalised from the version / place of intake so data scopes filter with one index.
    department = models.ForeignKey(
        "orgs.Department", verbose_name="实施部门", on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "orgs.Division", verbose_name="办理区划", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("申请渠道", max_length=16, choices=CaseChannel.choices)
    hall = models.ForeignKey(
        "orgs.Hall",
        verbose_name="受理大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    window = models.ForeignKey(
        "orgs.Window",
        verbose_name="受理窗口",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kiosk = models.ForeignKey(
        "orgs.Kiosk",
        verbose_name="自助终端",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_region = models.CharField("跨省通办目标地区代码", max_length=12, blank=True)
    target_region_name = models.CharField("跨省通办目标地区", max_length=64, blank=True)
    remote_reference = models.CharField("对方受理编号", max_length=64, blank=True)

    applicant_kind = models.CharField("申请人类型", max_length=16, choices=ApplicantKind.choices)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant_name = models.CharField("申请人姓名/名称", max_length=128)
    # Keyed SM3 of the normalised name (selectors.applicant_name_index): the queue finds an applicant by
    # full name without a clear-text or LIKE search over names.
    applicant_name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    applicant_id_number = EncryptedTextField("证件号码", blank=True)
    applicant_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    applicant_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    applicant_mobile = EncryptedTextField("联系电话", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField("幂等键", max_length=64)

    status = models.CharField("状态", max_length=24, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    form_data = models.JSONField("申请表数据", default=dict)
    received_at = models.DateTimeField("收件时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)

    # The clock: due_at moves only when the clock stops or restarts (补正, 特别程序), so warning and
    # overdue are derived from it at query time.
    clock_start = models.DateField("计时起算日", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField("暂停工作日数", default=0)
    paused_since = models.DateTimeField("暂停开始", null=True, blank=True)
    due_at = models.DateTimeField("承诺办结期限", null=True, blank=True, db_index=True)
    current_step = models.ForeignKey(
        "catalog.WorkflowStep",
        verbose_name="当前环节",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    step_department = models.ForeignKey(
        "orgs.Department",
        verbose_name="当前环节部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="当前经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    decision = models.CharField("决定", max_length=16, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField("决定理由", blank=True)
    decision_legal_basis = models.TextField("决定依据", blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivery_method = models.CharField("送达方式", max_length=16, choices=DeliveryMethod.choices, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    result_file = models.FileField("办理结果", upload_to="cases/results/%Y/%m/", blank=True)
    lock_version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        permissions = [
            ("intake_case", "窗口代为申请（一窗受理）"),
            ("accept_case", "受理、不予受理、补正、容缺"),
            ("review_case", "审查办理环节"),
            ("decide_case", "作出许可决定"),
            ("deliver_case", "送达办理结果并办结"),
            ("suspend_case", "启动特别程序"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="case_unique_idempotency"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "due_at", "id"], name="case_queue_dept"),
            models.Index(fields=["division", "status", "due_at", "id"], name="case_queue_division"),
            models.Index(fields=["applicant", "-received_at"], name="case_applicant"),
            # The staff queue (selectors.case_queue): open cases in (due_at, id) order, with the scope
            # columns included so the scope filter is checked in the index (index-only scan, stops at the
            # page). Without it PostgreSQL walks the full due_at index through years of concluded cases
            # (≈0.6 s for a town clerk at 1M cases; bench/README.md).
            models.Index(
                fields=["due_at", "id"],
                include=["division", "department", "step_department"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField("原状态", max_length=24, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=24, choices=CaseStatus.choices)
    action = models.CharField("操作", max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField("时间")
    note = models.TextField("说明", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "办件状态记录"
        verbose_name_plural = "办件状态记录"
        ordering = ["case", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class CaseSequence(models.Model):
    """Per-day, per-division counter behind case numbers; locked row by row, so numbers never repeat."""

    day = models.DateField()
    division_code = models.CharField(max_length=12)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "division_code"], name="casesequence_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.division_code} {self.last_value}"


class CaseMaterial(TimestampedModel):
    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="materials")
    requirement = models.ForeignKey(
        "catalog.MaterialRequirement",
        verbose_name="材料要求",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("材料名称", max_length=200)
    file = models.FileField("文件", upload_to="cases/materials/%Y/%m/", blank=True)
    content_type = models.CharField("文件类型", max_length=64, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    sm3 = models.CharField("SM3摘要", max_length=64, blank=True)
    licence_reference = models.CharField("电子证照引用", max_length=128, blank=True)
    checked_on_paper = models.BooleanField("窗口已核验纸质材料", default=False)
    deferred = models.BooleanField("容缺", default=False)
    deferred_due = models.DateField("容缺补交期限", null=True, blank=True)
    supplied_at = models.DateTimeField("容缺材料补交时间", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "办件材料"
        verbose_name_plural = "办件材料"
        ordering = ["case", "id"]


class MaterialUpload(models.Model):
    """A checked file (type by content, size, pages, SM3) waiting to be attached to a case.

    Files are uploaded first and referenced by id when a case is submitted or a material is added, so a
    retried submission never uploads twice and JSON stays the submission format.
    """

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField("文件", upload_to="cases/materials/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    sm3 = models.CharField("SM3摘要", max_length=64)
    created_at = models.DateTimeField("上传时间", auto_now_add=True, db_index=True)
    material = models.OneToOneField(
        CaseMaterial,
        verbose_name="已用于材料",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="upload",
    )

    class Meta:
        verbose_name = "材料上传"
        verbose_name_plural = "材料上传"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class CorrectionRequest(TimestampedModel):
    """补正: one complete list of what to correct; the clock stops until the applicant responds."""

    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="corrections")
    items = models.JSONField("补正内容", help_text='[{"target": "材料或字段", "reason": "原因"}]')
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("发起时间")
    respond_by = models.DateField("补正期限")
    responded_at = models.DateTimeField("补正时间", null=True, blank=True)
    response_note = models.TextField("补正说明", blank=True)

    class Meta:
        verbose_name = "补正告知"
        verbose_name_plural = "补正告知"
        ordering = ["case", "-requested_at"]


class Suspension(TimestampedModel):
    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField("特别程序", max_length=16, choices=SuspensionKind.choices)
    reason = models.TextField("原因")
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    working_days = models.PositiveIntegerField("占用工作日", default=0)

    class Meta:
        verbose_name = "特别程序"
        verbose_name_plural = "特别程序"
        ordering = ["case", "-started_at"]
