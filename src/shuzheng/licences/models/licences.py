"""Licence types, electronic licences (电子证照), their use in cases (用证), share links, and sealed
decision documents (准予/不予许可决定书)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel
from shuzheng.licences.constants import DecisionKind, HolderCodeType, HolderKind, LicenceStatus
from shuzheng.licences.models.seals import Seal


class LicenceType(TimestampedModel):
    code = models.CharField(
        "证照类型代码", max_length=21, unique=True, help_text="定义机构统一社会信用代码+3位"
    )
    name = models.CharField("证照名称", max_length=64)
    material_label = models.CharField(
        "对应材料的电子证照类型", max_length=64, db_index=True, help_text="与事项材料的“电子证照类型”一致"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="颁发部门", on_delete=models.PROTECT, related_name="+"
    )
    holder_kind = models.CharField("持证主体类型", max_length=16, choices=HolderKind.choices)
    fields = models.JSONField("照面信息项", default=list, help_text='[{"key": "address", "label": "住所"}]')
    validity_years = models.PositiveSmallIntegerField(
        "有效期（年）", null=True, blank=True, help_text="空为长期"
    )
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name="产生该证照的事项", blank=True, related_name="+"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "证照类型"
        verbose_name_plural = "证照类型"
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return self.name


class LicenceSequence(models.Model):
    """Per type, issuer and year: the 流水号 counter (core.counters.increment)."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="+")
    issuer_code = models.CharField(max_length=18)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "issuer_code", "year"], name="licenceseq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer_code} {self.year} {self.last_value}"


class Licence(TimestampedModel):
    identifier = models.CharField("电子证照标识", max_length=96, unique=True)
    number = models.CharField("证照编号", max_length=40, db_index=True)
    licence_type = models.ForeignKey(
        LicenceType, verbose_name="证照类型", on_delete=models.PROTECT, related_name="licences"
    )
    serial = models.CharField("流水号", max_length=11)
    version = models.PositiveSmallIntegerField("版本号", default=1)
    status = models.CharField(
        "状态", max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.VALID, db_index=True
    )
    holder_kind = models.CharField("持证主体类型", max_length=16, choices=HolderKind.choices)
    holder_name = models.CharField("持证主体", max_length=128)
    holder_code = EncryptedTextField("持证主体代码")
    holder_code_index = models.CharField(max_length=64, db_index=True, editable=False)
    holder_code_type = models.CharField("持证主体代码类型", max_length=8, choices=HolderCodeType.choices)
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持证人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="颁发机构", on_delete=models.PROTECT, related_name="+"
    )
    issuer_code = models.CharField("颁发机构代码", max_length=18)
    division_code = models.CharField("属地编码", max_length=12)
    issued_on = models.DateField("颁证日期")
    valid_from = models.DateField("有效期起始")
    valid_until = models.DateField("有效期截止", null=True, blank=True, help_text="空为长期")
    data = models.JSONField("照面信息", default=dict)
    seal = models.ForeignKey(Seal, verbose_name="签章印章", on_delete=models.PROTECT, related_name="licences")
    sm2_signature = models.CharField("SM2签名", max_length=128)
    pdf = models.BinaryField("版式文件（PDF，PAdES签章）")
    pdf_sm3 = models.CharField("版式文件SM3摘要", max_length=64, db_index=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="来源办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name="变更前证照",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="颁证人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField("注销/变更时间", null=True, blank=True)
    end_reason = models.TextField("注销/变更原因", blank=True)
    lock_version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        ordering = ["-issued_on", "-id"]
        permissions = [
            ("issue_licence", "颁发和变更电子证照"),
            ("revoke_licence", "注销电子证照"),
        ]
        indexes = [
            models.Index(fields=["holder_user", "-issued_on", "-id"], name="licence_holder"),
            models.Index(fields=["department", "-issued_on", "-id"], name="licence_dept"),
        ]

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.number}"


class LicenceStatusChange(models.Model):
    licence = models.ForeignKey(
        Licence, verbose_name="证照", on_delete=models.CASCADE, related_name="history"
    )
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=LicenceStatus.choices)
    action = models.CharField("操作", max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField("时间")
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "证照状态记录"
        verbose_name_plural = "证照状态记录"
        ordering = ["licence", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class LicenceUse(models.Model):
    """用证: a held licence satisfied a material of a case."""

    licence = models.ForeignKey(Licence, verbose_name="证照", on_delete=models.PROTECT, related_name="uses")
    case = models.ForeignKey("cases.Case", verbose_name="办件", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="+"
    )
    material_name = models.CharField("材料名称", max_length=200)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用证人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    used_at = models.DateTimeField("用证时间", db_index=True)

    class Meta:
        verbose_name = "用证记录"
        verbose_name_plural = "用证记录"
        ordering = ["licence", "-used_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["licence", "case"], name="licenceuse_unique")]

    def __str__(self) -> str:
        return self.material_name


class ShareLink(models.Model):
    """A one-time verification link the holder hands to someone; only the token's SM3 is stored."""

    licence = models.ForeignKey(Licence, verbose_name="证照", on_delete=models.CASCADE, related_name="shares")
    token_sm3 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分享人", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField("分享时间")
    expires_at = models.DateTimeField("失效时间")
    opened_at = models.DateTimeField("查看时间", null=True, blank=True)

    class Meta:
        verbose_name = "证照分享"
        verbose_name_plural = "证照分享"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.created_at:%Y-%m-%d %H:%M}"


class DecisionDocument(TimestampedModel):
    """准予/不予许可决定书, rendered from the item's template and sealed (PAdES) with the department seal."""

    case = models.ForeignKey("cases.Case", verbose_name="办件", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("文书类型", max_length=16, choices=DecisionKind.choices)
    number = models.CharField("文号", max_length=64)
    seal = models.ForeignKey(Seal, verbose_name="印章", on_delete=models.PROTECT, related_name="+")
    pdf = models.BinaryField("文书（PDF，PAdES签章）")
    pdf_sm3 = models.CharField("SM3摘要", max_length=64)

    class Meta:
        verbose_name = "许可决定书"
        verbose_name_plural = "许可决定书"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="decisiondoc_unique")]

    def __str__(self) -> str:
        return self.number


class DecisionTemplate(TimestampedModel):
    """The wording of a decision document for one item (or the default when ``item`` is empty); the body
    names case variables in braces, e.g. {申请人} {事项名称} {决定理由} {法律依据}."""

    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField("文书类型", max_length=16, choices=DecisionKind.choices)
    body = models.TextField("正文模板")

    class Meta:
        verbose_name = "决定书模板"
        verbose_name_plural = "决定书模板"
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "kind"], name="decisiontemplate_unique")]

    def __str__(self) -> str:
        return self.get_kind_display()
