"""The resource catalog (GB/T 21063 core metadata): entries, their data items, class names, status
history and the change log of mounted rows. Mounted tables themselves are not models: `datahub.tables`
builds them from an entry's data items (`datahub_t_<entry id>`) with Django's schema editor."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.models import TimestampedModel


class Classification(models.TextChoices):
    BASE = "base", "基础信息资源"
    THEME = "theme", "主题信息资源"
    DEPARTMENT = "department", "部门信息资源"


class ResourceFormat(models.TextChoices):
    TABLE = "table", "库表"
    FILE = "file", "文件"
    API = "api", "接口"


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", "无条件共享"
    CONDITIONAL = "conditional", "有条件共享"
    NONE = "none", "不予共享"


class Openness(models.TextChoices):
    OPEN = "open", "开放"
    CONDITIONAL = "conditional", "有条件开放"
    CLOSED = "closed", "不开放"


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", "实时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季"
    YEARLY = "yearly", "每年"


class Grade(models.TextChoices):
    """GB/T 43697 data classification and grading."""

    CORE = "core", "核心数据"
    IMPORTANT = "important", "重要数据"
    GENERAL = "general", "一般数据"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "编辑中"
    IN_REVIEW = "in_review", "待审核"
    PUBLISHED = "published", "已发布"


class MountKind(models.TextChoices):
    NONE = "", "未挂接"
    TABLE = "table", "库表"
    FILE = "file", "文件"
    API = "api", "接口"


class DataType(models.TextChoices):
    STRING = "string", "字符串"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "小数"
    DATE = "date", "日期"
    DATETIME = "datetime", "日期时间"
    BOOLEAN = "boolean", "布尔"


class Sensitivity(models.TextChoices):
    L1 = "L1", "L1 公开"
    L2 = "L2", "L2 内部"
    L3 = "L3", "L3 敏感"
    L4 = "L4", "L4 高度敏感"


class MaskingKind(models.TextChoices):
    NONE = "none", "不脱敏"
    NAME = "name", "姓名"
    ID_NUMBER = "id_number", "身份证号"
    MOBILE = "mobile", "手机号"
    ADDRESS = "address", "地址"
    FULL = "full", "全部遮盖"


class CatalogClass(models.Model):
    """The name of one node of the class tree (类 = a letter, 项 = the letter and two digits, …), so the
    catalog reads 社会保障 rather than B. Named by the data administration."""

    code = models.CharField("类目编码", max_length=16, unique=True)
    name = models.CharField("类目名称", max_length=64)

    class Meta:
        verbose_name = "目录类目"
        verbose_name_plural = "目录类目"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CatalogEntry(TimestampedModel):
    """One data resource (政务信息资源) of a providing department."""

    code = models.CharField("资源代码", max_length=64, unique=True)
    name = models.CharField("资源名称", max_length=128)
    classification = models.CharField(
        "资源分类", max_length=16, choices=Classification.choices, default=Classification.DEPARTMENT
    )
    class_code = models.CharField(
        "类目编码", max_length=16, help_text="类-项-目-细目：一个大写字母加 0–3 组两位数字，如 B0102"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="提供部门", on_delete=models.PROTECT, related_name="data_entries"
    )
    abstract = models.TextField("资源摘要", blank=True)
    format = models.CharField(
        "资源格式", max_length=8, choices=ResourceFormat.choices, default=ResourceFormat.TABLE
    )
    sharing_type = models.CharField(
        "共享类型", max_length=16, choices=SharingType.choices, default=SharingType.CONDITIONAL
    )
    sharing_conditions = models.TextField("共享条件", blank=True)
    sharing_method = models.CharField("共享方式", max_length=64, blank=True, default="接口")
    openness = models.CharField("开放属性", max_length=16, choices=Openness.choices, default=Openness.CLOSED)
    open_conditions = models.TextField("开放条件", blank=True)
    open_approved = models.BooleanField("有条件开放已批准", default=False)
    update_cycle = models.CharField(
        "更新周期", max_length=16, choices=UpdateCycle.choices, default=UpdateCycle.MONTHLY
    )
    published_on = models.DateField("发布日期", null=True, blank=True)
    grade = models.CharField("数据分级", max_length=16, choices=Grade.choices, default=Grade.GENERAL)
    related = models.ManyToManyField("self", verbose_name="关联资源", blank=True, symmetrical=False)
    status = models.CharField("状态", max_length=16, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="编目人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.CharField("审核意见", max_length=500, blank=True)
    # --- mount (挂接) ---
    mount_kind = models.CharField("挂接方式", max_length=8, choices=MountKind.choices, blank=True, default="")
    mount_table = models.CharField("挂接库表", max_length=63, blank=True, editable=False)
    mount_file = models.FileField("挂接文件", upload_to="datahub/files/", blank=True)
    api_url = models.URLField("接口地址", blank=True)
    api_description = models.TextField("接口说明", blank=True)
    mounted_at = models.DateTimeField("挂接时间", null=True, blank=True)
    row_count = models.BigIntegerField("记录数", default=0)
    last_loaded_at = models.DateTimeField("最近装载时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据目录"
        verbose_name_plural = "数据目录"
        ordering = ["code"]
        permissions = [
            ("review_catalogentry", "审核数据目录"),
            ("load_data", "装载与维护挂接数据"),
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="datahub_entry_dept_status"),
            models.Index(fields=["status", "id"], name="datahub_entry_status_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_mounted_table(self) -> bool:
        return self.mount_kind == MountKind.TABLE and bool(self.mount_table)


class DataItem(models.Model):
    """One data item (信息项) of an entry; for a table mount, one column."""

    entry = models.ForeignKey(
        CatalogEntry, verbose_name="数据目录", on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("字段名", max_length=63, help_text="小写字母开头，字母、数字、下划线")
    label = models.CharField("中文名称", max_length=64)
    data_type = models.CharField("数据类型", max_length=16, choices=DataType.choices, default=DataType.STRING)
    max_length = models.PositiveIntegerField("最大长度", default=0, help_text="字符串的最大长度，0 表示不限")
    description = models.CharField("说明", max_length=255, blank=True)
    required = models.BooleanField("必填", default=False)
    is_key = models.BooleanField(
        "检索键", default=False, help_text="建索引，供按键查询（如身份证号、信用代码）"
    )
    is_personal = models.BooleanField("个人信息", default=False)
    sensitivity = models.CharField(
        "敏感级别", max_length=4, choices=Sensitivity.choices, default=Sensitivity.L1
    )
    masking = models.CharField(
        "脱敏方式", max_length=16, choices=MaskingKind.choices, default=MaskingKind.NONE
    )
    mounted = models.BooleanField("已建列", default=False, editable=False)

    class Meta:
        verbose_name = "信息项"
        verbose_name_plural = "信息项"
        ordering = ["entry", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "name"], name="datahub_item_unique_name")]

    def __str__(self) -> str:
        return f"{self.label}（{self.name}）"


class EntryTransition(models.Model):
    """Status history of a catalog entry: one row per change, written by `entry_transition`."""

    entry = models.ForeignKey(CatalogEntry, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField("原状态", max_length=16, choices=EntryStatus.choices)
    to_status = models.CharField("新状态", max_length=16, choices=EntryStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.CharField("意见", max_length=500, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "目录状态变更"
        verbose_name_plural = "目录状态变更"
        ordering = ["entry", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_status} → {self.to_status}"


class RowChange(models.Model):
    """Row-level audit of a mounted table: who inserted, updated or deleted which row, with the SM3 of
    the row as written (no clear values here)."""

    class Action(models.TextChoices):
        INSERT = "insert", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    entry = models.ForeignKey(CatalogEntry, on_delete=models.CASCADE, related_name="row_changes")
    row_id = models.BigIntegerField("行号")
    action = models.CharField("操作", max_length=8, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField("来源", max_length=16, blank=True)
    row_sm3 = models.CharField("行摘要SM3", max_length=64, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "数据行变更"
        verbose_name_plural = "数据行变更"
        ordering = ["-id"]
        indexes = [models.Index(fields=["entry", "row_id"], name="datahub_rowchange_row")]

    def __str__(self) -> str:
        return f"{self.entry_id}#{self.row_id} {self.action}"
