"""Decision rules per item version (秒批) and the automatic decisions taken under them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shuzheng.core.models import TimestampedModel
from shuzheng.instant_approval.constants import Outcome, ReviewState, RuleSetStatus


class RuleSet(TimestampedModel):
    """The conditions under which cases of one item version are approved automatically, as data: each a
    Chinese label and a JSON Logic expression over ``form.*``, ``registry.<kind>.*`` and ``licences.*``.
    Revisions are kept; at most one is active per version, and a decision keeps the revision it used."""

    version = models.ForeignKey(
        "catalog.ServiceItemVersion", verbose_name="事项版本", on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField("规则版本")
    status = models.CharField(
        "状态", max_length=16, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT
    )
    conditions = models.JSONField("条件", default=list, help_text='[{"code", "label", "logic"}]')
    registries = models.JSONField(
        "读取的基础库", default=dict, blank=True, help_text='{"person": "数据资源编码", "enterprise": "…"}'
    )
    reasons = models.CharField("准予理由", max_length=500)
    legal_basis = models.CharField("依据", max_length=500, blank=True)
    note = models.CharField("修订说明", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编辑人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField("生效时间", null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="启用人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "秒批规则"
        verbose_name_plural = "秒批规则"
        ordering = ["version", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["version", "revision"], name="ruleset_unique_revision"),
            models.UniqueConstraint(
                fields=["version"], condition=Q(status=RuleSetStatus.ACTIVE), name="ruleset_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}#{self.revision}"


class AutomaticDecision(models.Model):
    """One evaluation of a submitted case under a rule set: approved (every condition held) or referred to
    the normal workflow (a condition failed, data were missing or a registry could not be read), with the
    inputs read and each condition's result, so the decision explains itself."""

    case = models.OneToOneField(
        "cases.Case", verbose_name="办件", on_delete=models.PROTECT, related_name="automatic_decision"
    )
    rule_set = models.ForeignKey(
        RuleSet, verbose_name="规则", on_delete=models.PROTECT, related_name="decisions"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="实施部门", on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    inputs = models.JSONField("读取的数据", default=dict)
    results = models.JSONField("各条件结果", default=list)
    problems = models.JSONField("数据问题", default=list, blank=True)
    decided_at = models.DateTimeField("判定时间", db_index=True)
    elapsed_ms = models.PositiveIntegerField("用时（毫秒）", default=0)
    review = models.CharField(
        "复核", max_length=16, choices=ReviewState.choices, default=ReviewState.NOT_SAMPLED
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.CharField("复核意见", max_length=2000, blank=True)

    class Meta:
        verbose_name = "自动审批判定"
        verbose_name_plural = "自动审批判定"
        ordering = ["-decided_at", "-id"]
        permissions = [("review_automaticdecision", "复核、撤销自动审批决定")]
        indexes = [
            models.Index(fields=["department", "outcome", "-decided_at", "-id"], name="autodecision_dept"),
            models.Index(fields=["review", "-decided_at", "-id"], name="autodecision_review"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.outcome}"
