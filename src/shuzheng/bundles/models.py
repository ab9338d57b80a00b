"""一件事 bundles: a bundle and its immutable versions (members, shared fields, one materials list), and the
parent application that groups one child case per member."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.bundles.constants import (
    ApplicationStatus,
    Audience,
    ChildStatus,
    Outcome,
    RefusalRule,
    Theme,
)
from shuzheng.catalog.constants import VersionStatus
from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel


class Bundle(TimestampedModel):
    code = models.CharField("主题编码", max_length=40, unique=True)
    # Kept by the publish/retire services so the portal reads the live version in one join.
    live_version = models.OneToOneField(
        "BundleVersion",
        verbose_name="现行版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "一件事主题"
        verbose_name_plural = "一件事主题"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class BundleVersion(TimestampedModel):
    """Immutable once published: an application keeps the version it was filed under."""

    bundle = models.ForeignKey(Bundle, verbose_name="主题", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    code = models.CharField("主题编码", max_length=40)
    name = models.CharField("主题名称", max_length=100)
    summary = models.TextField("简介", blank=True)
    audience = models.CharField("服务对象", max_length=16, choices=Audience.choices)
    theme = models.CharField("人生事件/企业生命周期", max_length=16, choices=Theme.choices, db_index=True)
    lead_department = models.ForeignKey(
        "orgs.Department", verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+"
    )
    keywords = models.CharField("搜索关键词", max_length=255, blank=True)
    refusal_rule = models.CharField(
        "事项未获批准时", max_length=16, choices=RefusalRule.choices, default=RefusalRule.CONTINUE
    )
    shared_fields = models.JSONField(
        "共用字段",
        default=list,
        help_text='[{"name": "phone", "schema": {"type": "string", "title": "联系电话"}}]',
    )

    class Meta:
        verbose_name = "一件事主题版本"
        verbose_name_plural = "一件事主题版本"
        permissions = [("publish_bundleversion", "发布或废止一件事主题")]
        ordering = ["bundle", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "number"], name="bundleversion_unique_number"),
            models.UniqueConstraint(
                fields=["bundle"], condition=models.Q(status="draft"), name="bundleversion_one_draft"
            ),
        ]
        indexes = [models.Index(fields=["status", "theme", "code"], name="bundleversion_status_theme")]

    def __str__(self) -> str:
        return f"{self.name}（v{self.number}）"


class BundleMember(models.Model):
    """One item of a bundle version: which of its form fields come from which shared field, which it asks
    itself, and (optionally) the earlier member whose approval it waits for."""

    version = models.ForeignKey(
        BundleVersion, verbose_name="主题版本", on_delete=models.CASCADE, related_name="members"
    )
    position = models.PositiveSmallIntegerField("序号")
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="+"
    )
    mapping = models.JSONField("字段映射", default=dict, help_text='{"事项表单字段": "共用字段"}')
    own_fields = models.JSONField("单独填写的字段", default=list)
    waits_for = models.PositiveSmallIntegerField("等待序号", null=True, blank=True)

    class Meta:
        verbose_name = "主题事项"
        verbose_name_plural = "主题事项"
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="bundlemember_unique_position"),
            models.UniqueConstraint(fields=["version", "item"], name="bundlemember_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}#{self.position}"


class BundleApplication(TimestampedModel):
    """The parent 一件事 case: one submission, one status view, one result."""

    number = models.CharField("一件事编号", max_length=40, unique=True)
    version = models.ForeignKey(
        BundleVersion, verbose_name="主题版本", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField("幂等键", max_length=64)
    status = models.CharField(
        "状态", max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.IN_PROGRESS
    )
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices, blank=True)
    received_at = models.DateTimeField("收件时间")
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "一件事申请"
        verbose_name_plural = "一件事申请"
        constraints = [
            models.UniqueConstraint(fields=["applicant", "idempotency_key"], name="bundleapp_unique_key"),
        ]
        indexes = [models.Index(fields=["applicant", "-received_at"], name="bundleapp_applicant")]

    def __str__(self) -> str:
        return self.number


class BundleChild(models.Model):
    """One member's part of an application: its case once filed, or what will be filed when it may."""

    application = models.ForeignKey(
        BundleApplication, verbose_name="一件事申请", on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveSmallIntegerField("序号")
    item_code = models.CharField("实施编码", max_length=64)
    item_name = models.CharField("事项名称", max_length=200)
    waits_for = models.PositiveSmallIntegerField("等待序号", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=ChildStatus.choices)
    case = models.OneToOneField(
        "cases.Case", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_number = models.CharField("办件编号", max_length=40, blank=True)
    # What a waiting child will be filed with (form data and material answers, JSON), encrypted at rest.
    pending = EncryptedTextField("待提交内容", blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "一件事子办件"
        verbose_name_plural = "一件事子办件"
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "position"], name="bundlechild_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.position}"


class BundleStatusChange(models.Model):
    application = models.ForeignKey(
        BundleApplication, verbose_name="一件事申请", on_delete=models.CASCADE, related_name="history"
    )
    action = models.CharField("操作", max_length=32)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16)
    occurred_at = models.DateTimeField("时间")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "一件事状态记录"
        verbose_name_plural = "一件事状态记录"
        ordering = ["application", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
