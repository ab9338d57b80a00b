"""The platform's certificate authority and the electronic seals (电子印章) it certifies."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel
from shuzheng.licences.constants import SealKind, SealStatus


class CertificateAuthority(TimestampedModel):
    """The platform CA (ECDSA P-256) that certifies seal keys; its private key is SM4-encrypted."""

    name = models.CharField("名称", max_length=128)
    certificate_pem = models.TextField("CA证书")
    private_key_pem = EncryptedTextField("CA私钥（加密存储）")
    valid_until = models.DateTimeField("有效期至")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "平台证书颁发机构"
        verbose_name_plural = "平台证书颁发机构"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Seal(TimestampedModel):
    code = models.CharField("印章编码", max_length=32, unique=True)
    name = models.CharField("印章名称", max_length=128)
    kind = models.CharField("印章类型", max_length=16, choices=SealKind.choices)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="用章部门", on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        "orgs.Hall",
        verbose_name="受理大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation_code = models.CharField("单位统一社会信用代码", max_length=18)
    status = models.CharField("状态", max_length=16, choices=SealStatus.choices, default=SealStatus.ACTIVE)
    valid_from = models.DateTimeField("启用时间")
    valid_until = models.DateTimeField("有效期至", db_index=True)
    authority = models.ForeignKey(
        CertificateAuthority, verbose_name="签发机构", on_delete=models.PROTECT, related_name="seals"
    )
    certificate_pem = models.TextField("签章证书（X.509）")
    certificate_serial = models.CharField("证书序列号", max_length=64)
    ec_private_key = EncryptedTextField("签章私钥（加密存储）")
    sm2_public_key = models.CharField("SM2公钥", max_length=130)
    sm2_private_key = EncryptedTextField("SM2私钥（加密存储）")
    image_svg = models.TextField("印模（SVG）")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制章人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    lock_version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = "电子印章"
        verbose_name_plural = "电子印章"
        ordering = ["department__code", "kind", "-valid_from"]
        permissions = [("manage_seal", "制发、暂停、恢复、吊销电子印章")]
        indexes = [models.Index(fields=["department", "kind", "status"], name="seal_dept_kind_status")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class SealStatusChange(models.Model):
    seal = models.ForeignKey(Seal, verbose_name="印章", on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=SealStatus.choices)
    action = models.CharField("操作", max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField("时间")
    reason = models.TextField("原因", blank=True)

    class Meta:
        verbose_name = "印章状态记录"
        verbose_name_plural = "印章状态记录"
        ordering = ["seal", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class SealUse(models.Model):
    """One use of a seal: which document, its digest, who, when."""

    seal = models.ForeignKey(Seal, verbose_name="印章", on_delete=models.PROTECT, related_name="uses")
    document_kind = models.CharField("文书类型", max_length=32)
    document_ref = models.CharField("文书标识", max_length=128)
    document_sm3 = models.CharField("文书SM3摘要", max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用章人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    used_at = models.DateTimeField("用章时间", db_index=True)

    class Meta:
        verbose_name = "用章记录"
        verbose_name_plural = "用章记录"
        ordering = ["seal", "-used_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document_kind} {self.document_ref}"
