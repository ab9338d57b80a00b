"""Choices of the identity models, importable by other contexts without importing the models."""

from __future__ import annotations

from django.db import models


class UserKind(models.TextChoices):
    STAFF = "staff", "工作人员"
    CITIZEN = "citizen", "自然人"
    ENTERPRISE_AGENT = "enterprise_agent", "法人经办人"


class DataScopeKind(models.TextChoices):
    SELF = "self", "仅本人"
    DEPARTMENT = "department", "本部门"
    DEPARTMENT_TREE = "department_tree", "本部门及下级"
    DIVISION_TREE = "division_tree", "本区划及下级"
    ALL = "all", "全部"
