from django.conf import settings
from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class HolidayOverride(TimestampedModel):
    """A day whose status differs from chinese-calendar's, or a year it does not know yet (e.g. 2027)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休息）"
        WORKDAY = "workday", "调休上班日"

    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("说明", max_length=64, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class SearchEntry(models.Model):
    """Segmented text of one searchable document (see core.fulltext)."""

    doc_type = models.CharField(max_length=64)
    doc_id = models.CharField(max_length=64)
    tokens = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "全文索引"
        verbose_name_plural = "全文索引"
        constraints = [models.UniqueConstraint(fields=["doc_type", "doc_id"], name="searchentry_unique_doc")]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.doc_id}"


class Notification(models.Model):
    """An in-app message; email/SMS adapters (core.notifications) may deliver copies."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=64)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=255, blank=True)
    # Makes retried tasks idempotent: one notification per recipient and key.
    dedupe_key = models.CharField("去重键", max_length=128, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title
