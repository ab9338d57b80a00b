"""Open data (the CKAN-shaped portal): topics, tags, datasets and their resources."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.models import TimestampedModel
from shuzheng.datahub.models.catalog import CatalogEntry


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
