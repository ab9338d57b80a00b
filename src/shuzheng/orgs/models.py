"""The city's organisation: divisions, departments, halls, windows, kiosks, grids.

Trees carry a materialised `path` ("/440785/440785100/") so "this node and below" is one indexed
prefix filter; data scopes in other contexts rely on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel
from shuzheng.orgs.constants import DepartmentKind, DivisionLevel, HallLevel, KioskKind, WindowKind


class Division(TimestampedModel):
    Level = DivisionLevel

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    is_generated = models.BooleanField(
        "演示生成", default=False, help_text="名称或代码为演示数据生成，非官方公布"
    )
    is_active = models.BooleanField("启用", default=True, help_text="撤并或停用的区划保留历史记录")

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Department(TimestampedModel):
    code = models.CharField("部门编码", max_length=32, unique=True)
    name = models.CharField("部门名称", max_length=128, unique=True)
    short_name = models.CharField("简称", max_length=32, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    kind = models.CharField(
        "单位类型", max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    division = models.ForeignKey(
        Division, verbose_name="所在区划", on_delete=models.PROTECT, related_name="departments"
    )
    serves = models.ManyToManyField(Division, verbose_name="服务区划", blank=True, related_name="served_by")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Hall(TimestampedModel):
    Level = HallLevel

    code = models.CharField("大厅编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=128)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    division = models.ForeignKey(
        Division, verbose_name="所在区划", on_delete=models.PROTECT, related_name="halls"
    )
    address = models.CharField("地址", max_length=255, blank=True)
    opening_hours = models.CharField("办公时间", max_length=128, blank=True)
    phone = models.CharField("咨询电话", max_length=32, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "政务服务大厅"
        verbose_name_plural = "政务服务大厅"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Window(TimestampedModel):
    Kind = WindowKind

    hall = models.ForeignKey(Hall, verbose_name="所属大厅", on_delete=models.CASCADE, related_name="windows")
    number = models.CharField("窗口号", max_length=16)
    name = models.CharField("窗口名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.COMPREHENSIVE)
    department = models.ForeignKey(
        Department,
        verbose_name="专业窗口所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="windows",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "窗口"
        verbose_name_plural = "窗口"
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="window_unique_number_per_hall")
        ]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number}号窗口"


class Kiosk(TimestampedModel):
    Kind = KioskKind

    code = models.CharField("设备编号", max_length=32, unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("名称", max_length=128)
    division = models.ForeignKey(
        Division, verbose_name="所在区划", on_delete=models.PROTECT, related_name="kiosks"
    )
    hall = models.ForeignKey(
        Hall, verbose_name="所在大厅", null=True, blank=True, on_delete=models.SET_NULL, related_name="kiosks"
    )
    bank_name = models.CharField("银行", max_length=64, blank=True)
    bank_outlet = models.CharField("银行网点", max_length=128, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "自助终端"
        verbose_name_plural = "自助终端"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(TimestampedModel):
    code = models.CharField("网格编码", max_length=32, unique=True)
    name = models.CharField("网格名称", max_length=64)
    division = models.ForeignKey(
        Division, verbose_name="所属村（社区）", on_delete=models.PROTECT, related_name="grids"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GridWorker(TimestampedModel):
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="workers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_worker",
    )
    name = models.CharField("姓名", max_length=32)
    phone = EncryptedTextField("联系电话", blank=True)
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "网格员"
        verbose_name_plural = "网格员"
        ordering = ["grid", "name"]

    def __str__(self) -> str:
        return self.name
