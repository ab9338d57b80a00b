"""Choices and names of the 秒批 context."""

from __future__ import annotations

from typing import Final

from django.db import models


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ACTIVE = "active", "生效"
    RETIRED = "retired", "已停用"


class Outcome(models.TextChoices):
    APPROVED = "approved", "自动准予"
    REFERRED = "referred", "转人工办理"


class ReviewState(models.TextChoices):
    """Of an automatic approval: not drawn for review, drawn and waiting, confirmed, revoked."""

    NOT_SAMPLED = "not_sampled", "未抽中"
    PENDING = "pending", "待复核"
    CONFIRMED = "confirmed", "复核无误"
    REVOKED = "revoked", "已撤销"


#: Permissions (instant_approval.<codename>).
EDIT_PERM: Final = "instant_approval.change_ruleset"
VIEW_PERM: Final = "instant_approval.view_automaticdecision"
REVIEW_PERM: Final = "instant_approval.review_automaticdecision"

#: Namespaces a condition may read.
FORM: Final = "form"
REGISTRY: Final = "registry"
LICENCES: Final = "licences"
