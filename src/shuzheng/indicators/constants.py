"""Choices and permission names of the indicators context, importable without the models."""

from __future__ import annotations

from datetime import date
from typing import Final

from django.db import models

VIEW_PERM: Final = "indicators.view_indicator"
REGISTRY_PERM: Final = "indicators.manage_registry"
PROJECT_PERM: Final = "indicators.manage_project"

#: The plan's targets are for the end of 2025; the baseline of the linear path is the plan's date of issue
#: (《恩平市数字政府改革建设“十四五”规划》, 29 June 2022) — see docs/indicators.md, “Status”.
TARGET_DATE: Final = date(2025, 12, 31)
BASELINE_DATE: Final = date(2022, 6, 29)


class Category(models.TextChoices):
    PERFORMANCE = "performance", "数字化履职能力"
    DRIVING = "driving", "数字化驱动能力"


class Source(models.TextChoices):
    COMPUTED = "computed", "平台记录计算"
    REGISTRY = "registry", "平台登记数据"


class Status(models.TextChoices):
    MET = "met", "已达标"
    ON_TRACK = "on_track", "进度正常"
    BEHIND = "behind", "进度滞后"
    NO_DATA = "no_data", "暂无数据"


class App(models.TextChoices):
    """The provincial apps of indicators 8–10."""

    YUESHENGSHI = "yss", "粤省事"
    YUESHANGTONG = "yst", "粤商通"
    YUEZHENGYI = "yzy", "粤政易"


class TerminalStatus(models.TextChoices):
    ONLINE = "online", "在线"
    OFFLINE = "offline", "离线（已接入）"
    RETIRED = "retired", "已拆除"


class FundingSource(models.TextChoices):
    FISCAL = "fiscal", "本级财政"
    SUPERIOR = "superior", "上级资金"
    BOND = "bond", "专项债"
    OTHER = "other", "其他"


class StackPart(models.TextChoices):
    CPU = "cpu", "CPU"
    OS = "os", "操作系统"
    DATABASE = "database", "数据库"
    MIDDLEWARE = "middleware", "中间件"
