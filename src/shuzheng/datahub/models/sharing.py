"""Sharing between departments: requests, grants, the data service's credentials and its access log."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.models import TimestampedModel
from shuzheng.datahub.constants import SharingRequestStatus
from shuzheng.datahub.models.catalog import CatalogEntry


class SharingRequest(TimestampedModel):
    Status = SharingRequestStatus

    entry = models.ForeignKey(
        CatalogEntry, verbose_name="申请资源", on_delete=models.PROTECT, related_name="requests"
    )
    requester_department = models.ForeignKey(
        "orgs.Department", verbose_name="申请部门", on_delete=models.PROTECT, related_name="data_requests"
    )
    provider_department = models.ForeignKey(
        "orgs.Department",
        verbose_name="提供部门",
        on_delete=models.PROTECT,
        related_name="data_requests_received",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.CharField("用途", max_length=500)
    legal_basis = models.CharField("依据", max_length=500)
    fields = models.JSONField("申请字段", default=list)
    period_start = models.DateField("使用开始日期")
    period_end = models.DateField("使用截止日期")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    auto_granted = models.BooleanField("无条件共享自动授权", default=False)
    due_on = models.DateField("审批期限")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_fields = models.JSONField("同意字段", default=list, blank=True)
    refusal_reason = models.CharField("拒绝理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "共享申请"
        verbose_name_plural = "共享申请"
        ordering = ["-id"]
        permissions = [("decide_sharingrequest", "审批共享申请")]
        indexes = [
            models.Index(fields=["provider_department", "status"], name="datahub_req_provider"),
            models.Index(fields=["requester_department", "status"], name="datahub_req_requester"),
        ]

    def __str__(self) -> str:
        return f"共享申请#{self.pk}"


class Grant(TimestampedModel):
    """What a department may read of an entry: fields, purpose, period; revocable."""

    request = models.OneToOneField(
        SharingRequest, verbose_name="共享申请", on_delete=models.PROTECT, related_name="grant"
    )
    entry = models.ForeignKey(
        CatalogEntry, verbose_name="资源", on_delete=models.PROTECT, related_name="grants"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="使用部门", on_delete=models.PROTECT, related_name="data_grants"
    )
    fields = models.JSONField("授权字段", default=list)
    purpose = models.CharField("用途", max_length=500)
    allow_clear_text = models.BooleanField("允许明文", default=False)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("截止日期")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "共享授权"
        verbose_name_plural = "共享授权"
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "entry"], name="datahub_grant_dept_entry")]

    def __str__(self) -> str:
        return f"授权#{self.pk}"


class ApiCredential(TimestampedModel):
    """A client id + secret for the data service, scoped to one grant. Only a keyed SM3 of the secret
    is stored; the secret is shown once."""

    grant = models.ForeignKey(
        Grant, verbose_name="授权", on_delete=models.PROTECT, related_name="credentials"
    )
    client_id = models.CharField("客户端标识", max_length=40, unique=True)
    secret_hash = models.CharField("密钥摘要", max_length=64)
    label = models.CharField("名称", max_length=64, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField("每分钟调用上限", default=60)
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "接口凭证"
        verbose_name_plural = "接口凭证"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.client_id


class AccessLog(models.Model):
    """One read of mounted data (data service, base-registry lookup), or one refused attempt. Append-only."""

    class Channel(models.TextChoices):
        DATA_SERVICE = "data_service", "数据服务接口"
        REGISTRY = "registry", "基础库查询"
        OPEN_DATA = "open_data", "开放数据"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    entry = models.ForeignKey(
        CatalogEntry, verbose_name="资源", on_delete=models.PROTECT, related_name="access_logs"
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="访问部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="访问用户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    credential = models.ForeignKey(
        ApiCredential, verbose_name="凭证", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grant = models.ForeignKey(
        Grant, verbose_name="授权", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    fields = models.JSONField("字段", default=list)
    purpose = models.CharField("用途", max_length=500, blank=True)
    filters = models.JSONField("查询条件", default=dict)
    rows_returned = models.PositiveIntegerField("返回行数", default=0)
    masked = models.BooleanField("已脱敏", default=True)
    request_id = models.CharField("请求标识", max_length=64, blank=True)
    refusal = models.CharField("拒绝原因", max_length=200, blank=True, help_text="被拒绝的调用（403）也记录")

    class Meta:
        verbose_name = "数据访问日志"
        verbose_name_plural = "数据访问日志"
        ordering = ["-id"]
        indexes = [models.Index(fields=["entry", "-id"], name="datahub_access_entry")]

    def __str__(self) -> str:
        return f"访问#{self.pk}"


class AccessSubject(models.Model):
    """The people whose records one access returned, by blind index (keyed SM3) of their ID number."""

    log = models.ForeignKey(AccessLog, on_delete=models.CASCADE, related_name="subjects")
    key_index = models.CharField("身份标识索引", max_length=64, db_index=True)

    class Meta:
        verbose_name = "访问涉及个人"
        verbose_name_plural = "访问涉及个人"

    def __str__(self) -> str:
        return self.key_index[:12]
