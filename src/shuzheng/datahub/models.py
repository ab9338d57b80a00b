"""数据中台: the resource catalog (GB/T 21063 core metadata), mounts, sharing, the data service's
credentials and access log, quality rules and runs, and open datasets.

Mounted tables themselves are not models here: `datahub.tables` builds them from an entry's data items
(`datahub_t_<entry id>`) with Django's schema editor.
"""

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


#: Days after which data of each update cycle counts as stale (时效性 rules).
CYCLE_DAYS: dict[str, int] = {
    UpdateCycle.REALTIME: 1,
    UpdateCycle.DAILY: 2,
    UpdateCycle.WEEKLY: 8,
    UpdateCycle.MONTHLY: 32,
    UpdateCycle.QUARTERLY: 93,
    UpdateCycle.YEARLY: 367,
}


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


# --- sharing ---------------------------------------------------------------------------------------


class SharingRequest(TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "已拒绝"
        WITHDRAWN = "withdrawn", "已撤回"

    entry = models.ForeignKey(
        CatalogEntry, verbose_name="申请资源", on_delete=models.PROTECT, related_name="requests"
    )
    requester_department = models.ForeignKey(
        "orgs.Department", verbose_name="申请部门", on_delete=models.PROTECT, related_name="data_requests"
    )
    provider_department = models.ForeignKey(
        "orgs.Department",
        verbose_name="提供部门",
        on_delete=models.PROTECT,
        related_name="data_requests_received",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.CharField("用途", max_length=500)
    legal_basis = models.CharField("依据", max_length=500)
    fields = models.JSONField("申请字段", default=list)
    period_start = models.DateField("使用开始日期")
    period_end = models.DateField("使用截止日期")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    auto_granted = models.BooleanField("无条件共享自动授权", default=False)
    due_on = models.DateField("审批期限")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_fields = models.JSONField("同意字段", default=list, blank=True)
    refusal_reason = models.CharField("拒绝理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "共享申请"
        verbose_name_plural = "共享申请"
        ordering = ["-id"]
        permissions = [("decide_sharingrequest", "审批共享申请")]
        indexes = [
            models.Index(fields=["provider_department", "status"], name="datahub_req_provider"),
            models.Index(fields=["requester_department", "status"], name="datahub_req_requester"),
        ]

    def __str__(self) -> str:
        return f"共享申请#{self.pk}"


class Grant(TimestampedModel):
    """What a department may read of an entry: fields, purpose, period; revocable."""

    request = models.OneToOneField(
        SharingRequest, verbose_name="共享申请", on_delete=models.PROTECT, related_name="grant"
    )
    entry = models.ForeignKey(
        CatalogEntry, verbose_name="资源", on_delete=models.PROTECT, related_name="grants"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="使用部门", on_delete=models.PROTECT, related_name="data_grants"
    )
    fields = models.JSONField("授权字段", default=list)
    purpose = models.CharField("用途", max_length=500)
    allow_clear_text = models.BooleanField("允许明文", default=False)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("截止日期")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "共享授权"
        verbose_name_plural = "共享授权"
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "entry"], name="datahub_grant_dept_entry")]

    def __str__(self) -> str:
        return f"授权#{self.pk}"


class ApiCredential(TimestampedModel):
    """A client id + secret for the data service, scoped to one grant. Only a keyed SM3 of the secret
    is stored; the secret is shown once."""

    grant = models.ForeignKey(
        Grant, verbose_name="授权", on_delete=models.PROTECT, related_name="credentials"
    )
    client_id = models.CharField("客户端标识", max_length=40, unique=True)
    secret_hash = models.CharField("密钥摘要", max_length=64)
    label = models.CharField("名称", max_length=64, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField("每分钟调用上限", default=60)
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "接口凭证"
        verbose_name_plural = "接口凭证"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.client_id


class AccessLog(models.Model):
    """One read of mounted data (data service, base-registry lookup), or one refused attempt. Append-only."""

    class Channel(models.TextChoices):
        DATA_SERVICE = "data_service", "数据服务接口"
        REGISTRY = "registry", "基础库查询"
        OPEN_DATA = "open_data", "开放数据"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    entry = models.ForeignKey(
        CatalogEntry, verbose_name="资源", on_delete=models.PROTECT, related_name="access_logs"
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="访问部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="访问用户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    credential = models.ForeignKey(
        ApiCredential, verbose_name="凭证", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grant = models.ForeignKey(
        Grant, verbose_name="授权", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    fields = models.JSONField("字段", default=list)
    purpose = models.CharField("用途", max_length=500, blank=True)
    filters = models.JSONField("查询条件", default=dict)
    rows_returned = models.PositiveIntegerField("返回行数", default=0)
    masked = models.BooleanField("已脱敏", default=True)
    request_id = models.CharField("请求标识", max_length=64, blank=True)
    refusal = models.CharField("拒绝原因", max_length=200, blank=True, help_text="被拒绝的调用（403）也记录")

    class Meta:
        verbose_name = "数据访问日志"
        verbose_name_plural = "数据访问日志"
        ordering = ["-id"]
        indexes = [models.Index(fields=["entry", "-id"], name="datahub_access_entry")]

    def __str__(self) -> str:
        return f"访问#{self.pk}"


class AccessSubject(models.Model):
    """The people whose records one access returned, by blind index (keyed SM3) of their ID number."""

    log = models.ForeignKey(AccessLog, on_delete=models.CASCADE, related_name="subjects")
    key_index = models.CharField("身份标识索引", max_length=64, db_index=True)

    class Meta:
        verbose_name = "访问涉及个人"
        verbose_name_plural = "访问涉及个人"

    def __str__(self) -> str:
        return self.key_index[:12]


# --- quality -----------------------------------------------------------------------------------------


class Dimension(models.TextChoices):
    """GB/T 36344 data-quality dimensions."""

    CONFORMITY = "conformity", "规范性"
    COMPLETENESS = "completeness", "完整性"
    ACCURACY = "accuracy", "准确性"
    CONSISTENCY = "consistency", "一致性"
    TIMELINESS = "timeliness", "时效性"
    ACCESSIBILITY = "accessibility", "可访问性"


class RuleKind(models.TextChoices):
    PATTERN = "pattern", "格式（正则）"
    ENUM = "enum", "枚举值"
    TYPE = "type", "类型"
    NOT_NULL = "not_null", "非空"
    RANGE = "range", "取值范围"
    REFERENCE = "reference", "引用存在"
    UNIQUE = "unique", "唯一"
    CROSS_MATCH = "cross_match", "跨表一致"
    FRESHNESS = "freshness", "更新及时"
    ACCESSIBLE = "accessible", "可访问"


class QualityRule(TimestampedModel):
    entry = models.ForeignKey(
        CatalogEntry, verbose_name="资源", on_delete=models.CASCADE, related_name="quality_rules"
    )
    item = models.ForeignKey(
        DataItem,
        verbose_name="信息项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quality_rules",
    )
    name = models.CharField("规则名称", max_length=128)
    dimension = models.CharField("质量维度", max_length=16, choices=Dimension.choices)
    kind = models.CharField("规则类型", max_length=16, choices=RuleKind.choices)
    params = models.JSONField("参数", default=dict, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "质量规则"
        verbose_name_plural = "质量规则"
        ordering = ["entry", "id"]

    def __str__(self) -> str:
        return self.name


class QualityRun(models.Model):
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_count = models.PositiveIntegerField("规则数", default=0)
    scores = models.JSONField("评分", default=dict, blank=True)

    class Meta:
        verbose_name = "质量检测"
        verbose_name_plural = "质量检测"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"质量检测#{self.pk}"


class QualityResult(models.Model):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="results")
    rule = models.ForeignKey(QualityRule, on_delete=models.SET_NULL, null=True, related_name="results")
    entry = models.ForeignKey(CatalogEntry, on_delete=models.CASCADE, related_name="quality_results")
    dimension = models.CharField("质量维度", max_length=16, choices=Dimension.choices)
    checked = models.BigIntegerField("检查数", default=0)
    failed = models.BigIntegerField("不合格数", default=0)
    sample = models.JSONField("不合格行样例", default=list, blank=True)
    error = models.CharField("执行错误", max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "质量检测结果"
        verbose_name_plural = "质量检测结果"
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.failed}/{self.checked}"

    @property
    def pass_rate(self) -> float:
        if self.error:
            return 0.0
        return 1.0 if self.checked == 0 else (self.checked - self.failed) / self.checked


# --- open data -----------------------------------------------------------------------------------------


class OpenTopic(TimestampedModel):
    """A topic group of open datasets (CKAN group)."""

    name = models.SlugField("标识", max_length=100, unique=True)
    title = models.CharField("名称", max_length=64)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "开放主题"
        verbose_name_plural = "开放主题"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.title


class OpenTag(models.Model):
    name = models.CharField("标签", max_length=100, unique=True)

    class Meta:
        verbose_name = "标签"
        verbose_name_plural = "标签"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpenDataset(TimestampedModel):
    """A dataset on the open-data portal (CKAN package), published from an open catalog entry."""

    class State(models.TextChoices):
        ACTIVE = "active", "已发布"
        DELETED = "deleted", "已下架"

    entry = models.OneToOneField(
        CatalogEntry, verbose_name="数据目录", on_delete=models.PROTECT, related_name="open_dataset"
    )
    name = models.CharField(
        "数据集标识", max_length=100, unique=True, help_text="小写字母、数字、- 和 _，2–100 位"
    )
    title = models.CharField("标题", max_length=200)
    notes = models.TextField("描述", blank=True)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="提供部门", on_delete=models.PROTECT, related_name="open_datasets"
    )
    license_id = models.CharField("许可协议", max_length=64, default="cc-by-4.0")
    tags = models.ManyToManyField(OpenTag, verbose_name="标签", blank=True, related_name="datasets")
    topics = models.ManyToManyField(OpenTopic, verbose_name="主题", blank=True, related_name="datasets")
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.ACTIVE)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    download_count = models.PositiveIntegerField("下载次数", default=0)
    view_count = models.PositiveIntegerField("浏览次数", default=0)

    class Meta:
        verbose_name = "开放数据集"
        verbose_name_plural = "开放数据集"
        ordering = ["name"]
        permissions = [("publish_opendataset", "发布开放数据集")]
        indexes = [models.Index(fields=["state", "department"], name="datahub_open_state_dept")]

    def __str__(self) -> str:
        return self.title


class OpenResource(TimestampedModel):
    class Format(models.TextChoices):
        CSV = "CSV", "CSV"
        XLSX = "XLSX", "XLSX"
        JSON = "JSON", "JSON"

    #: Formats the platform generates from the mounted table (downloads and previews).
    GENERATED = ("CSV", "XLSX", "JSON")

    dataset = models.ForeignKey(OpenDataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField("名称", max_length=200)
    format = models.CharField(
        "格式", max_length=16, help_text="CSV、XLSX、JSON 由平台从库表生成；外部资源可为 API、PDF 等"
    )
    url = models.URLField("外部地址", max_length=500, blank=True, help_text="为空表示由平台从库表生成下载")
    #: A file uploaded through the CKAN API (resource_create with ``upload``); ``url`` then points to it.
    file = models.FileField("上传文件", upload_to="datahub/open/", max_length=255, blank=True)
    description = models.TextField("说明", blank=True)
    download_count = models.PositiveIntegerField("下载次数", default=0)

    class Meta:
        verbose_name = "开放数据资源"
        verbose_name_plural = "开放数据资源"
        ordering = ["dataset", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "format"],
                condition=models.Q(url=""),
                name="datahub_resource_generated_format",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id}.{self.format}"
