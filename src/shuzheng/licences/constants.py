"""Choices and permission names of the licences context (other contexts import choices from here)."""

from __future__ import annotations

from typing import Final

from django.db import models


class SealKind(models.TextChoices):
    OFFICIAL = "official", "部门公章"
    ACCEPTANCE = "acceptance", "受理专用章"


class SealStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    SUSPENDED = "suspended", "已暂停"
    REVOKED = "revoked", "已吊销"
    EXPIRED = "expired", "已过期"


class SealAction(models.TextChoices):
    SUSPEND = "suspend", "暂停"
    RESUME = "resume", "恢复"
    REVOKE = "revoke", "吊销"
    EXPIRE = "expire", "到期失效"


class HolderKind(models.TextChoices):
    PERSON = "person", "自然人"
    LEGAL_ENTITY = "legal_entity", "法人或其他组织"


class HolderCodeType(models.TextChoices):
    """持证主体代码类型 (the codes of GB/T 36904's metadata)."""

    ID_CARD = "111", "居民身份证"
    USCC = "001", "统一社会信用代码"


class LicenceStatus(models.TextChoices):
    VALID = "valid", "有效"
    REVOKED = "revoked", "已注销"
    SUPERSEDED = "superseded", "已变更（旧版）"
    EXPIRED = "expired", "已过期"


class LicenceAction(models.TextChoices):
    REVOKE = "revoke", "注销"
    CHANGE = "change", "变更"
    EXPIRE = "expire", "到期失效"


class Verdict(models.TextChoices):
    """What a verification answers."""

    VALID = "valid", "有效"
    REVOKED = "revoked", "已注销"
    SUPERSEDED = "superseded", "已变更，请以新版为准"
    EXPIRED = "expired", "已过期"
    SEAL_REVOKED = "seal_revoked", "签章印章已吊销，证照不可信"
    TAMPERED = "tampered", "签名校验失败，证照数据或文件已被改动"
    UNKNOWN = "unknown", "查无此证"


class DecisionKind(models.TextChoices):
    APPROVAL = "approval", "准予行政许可决定书"
    REFUSAL = "refusal", "不予行政许可决定书"


MANAGE_SEALS: Final = "licences.manage_seal"
VIEW_SEALS: Final = "licences.view_seal"
ISSUE_LICENCES: Final = "licences.issue_licence"
REVOKE_LICENCES: Final = "licences.revoke_licence"
VIEW_LICENCES: Final = "licences.view_licence"

#: The prefix of every e-licence identifier: OID arc 1.2.156.3005.2 (electronic licences).
IDENTIFIER_PREFIX: Final = "1.2.156.3005.2"
