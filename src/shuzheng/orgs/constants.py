"""Choices of the organisation models, importable by other contexts without importing the models."""

from __future__ import annotations

from django.db import models


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    PREFECTURE = "prefecture", "地级市"
    CITY = "city", "县级市"
    TOWN = "town", "镇（街道）"
    VILLAGE = "village", "村（社区）"


class DepartmentKind(models.TextChoices):
    """Government departments answer for the government; member units (utilities, carriers, post, bus)
    take 12345 work orders but are not government departments (indicators count only the former)."""

    GOVERNMENT = "government", "政府部门"
    MEMBER_UNIT = "member_unit", "成员单位"


class HallLevel(models.TextChoices):
    CITY = "city", "市级"
    TOWN = "town", "镇级"
    VILLAGE = "village", "村级"


# Top-level (not nested as `Kind`) so each enum keeps its own name in the OpenAPI document.
class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合窗口"
    SPECIALISED = "specialised", "专业窗口"


class KioskKind(models.TextChoices):
    KIOSK = "kiosk", "侨都之窗自助机"
    BANK_TERMINAL = "bank_terminal", "政银通办终端"
