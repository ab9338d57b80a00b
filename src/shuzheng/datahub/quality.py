"""Data quality (GB/T 36344): declarative rules per entry and field, executed inside the database.

Each row-level rule becomes one ``SELECT COUNT(*) … WHERE <failure>`` plus a sample of at most 10
failing ``_row_id`` values; nothing loads a table into Python. Identifiers come only from validated
data-item names (quoted by the backend), values are bound parameters. Regular expressions run as
PostgreSQL ``~`` or, on SQLite, a ``REGEXP`` function registered on the connection.

Scores: a rule's pass rate is ``(checked - failed) / checked`` (1 when nothing was checked, 0 when the
rule could not run). A dimension's score is the mean pass rate of its rules; an entry's score is the
weighted mean of the dimensions it has rules for (weights ``DIMENSION_WEIGHTS``, re-normalised),
reported as 0–100.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import lru_cache
from typing import Any, Final

from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.actors import is_system
from shuzheng.core.errors import ValidationFailed
from shuzheng.datahub import loading, tables
from shuzheng.datahub.models import (
    CatalogEntry,
    DataItem,
    DataType,
    Dimension,
    QualityResult,
    QualityRule,
    QualityRun,
    RuleKind,
    UpdateCycle,
)
from shuzheng.datahub.services import require, user_of
from shuzheng.identity.actors import Actor

PERM_RULE: Final = "datahub.add_qualityrule"
PERM_RUN: Final = "datahub.add_qualityrun"
SAMPLE: Final = 10
#: Days after which data of each update cycle counts as stale (时效性 rules).
CYCLE_DAYS: dict[str, int] = {
    UpdateCycle.REALTIME: 1,
    UpdateCycle.DAILY: 2,
    UpdateCycle.WEEKLY: 8,
    UpdateCycle.MONTHLY: 32,
    UpdateCycle.QUARTERLY: 93,
    UpdateCycle.YEARLY: 367,
}
MAX_PATTERN: Final = 200
DIMENSION_WEIGHTS: Final = {
    Dimension.CONFORMITY: 0.2,
    Dimension.COMPLETENESS: 0.2,
    Dimension.ACCURACY: 0.2,
    Dimension.CONSISTENCY: 0.2,
    Dimension.TIMELINESS: 0.1,
    Dimension.ACCESSIBILITY: 0.1,
}
#: Which dimension each rule kind measures.
KIND_DIMENSION: Final = {
    RuleKind.PATTERN: Dimension.CONFORMITY,
    RuleKind.ENUM: Dimension.CONFORMITY,
    RuleKind.TYPE: Dimension.CONFORMITY,
    RuleKind.NOT_NULL: Dimension.COMPLETENESS,
    RuleKind.RANGE: Dimension.ACCURACY,
    RuleKind.REFERENCE: Dimension.ACCURACY,
    RuleKind.UNIQUE: Dimension.CONSISTENCY,
    RuleKind.CROSS_MATCH: Dimension.CONSISTENCY,
    RuleKind.FRESHNESS: Dimension.TIMELINESS,
    RuleKind.ACCESSIBLE: Dimension.ACCESSIBILITY,
}
NEEDS_ITEM: Final = frozenset(set(RuleKind.values) - {RuleKind.FRESHNESS, RuleKind.ACCESSIBLE})
#: Patterns a string must match to be of a type (the 规范性 "type" rule on text columns).
TYPE_PATTERNS: Final = {
    "integer": r"^-?[0-9]+$",
    "decimal": r"^-?[0-9]+(\.[0-9]+)?$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "mobile": r"^1[3-9][0-9]{9}$",
    "id_number": r"^[1-9][0-9]{16}[0-9X]$",
    "uscc": r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
}
TYPE_LABELS: Final = {
    "integer": "整数",
    "decimal": "小数",
    "date": "日期",
    "mobile": "手机号码",
    "id_number": "公民身份号码",
    "uscc": "统一社会信用代码",
}
_UNSAFE_REGEX = re.compile(r"\(\?|\\[1-9]|\\[pPkgzZAbB]")


def safe_pattern(pattern: str, *, field: str = "params.pattern") -> str:
    """A regular expression both SQLite (Python re) and PostgreSQL (ARE) read the same way: no lookaround,
    back-references or engine-specific escapes, at most 200 characters."""
    if not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN:
        raise ValidationFailed.for_field(field, f"正则表达式不能为空且不超过{MAX_PATTERN}个字符")
    if _UNSAFE_REGEX.search(pattern):
        raise ValidationFailed.for_field(field, "正则表达式不能使用 (?…)、反向引用或 \\b 等扩展语法")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValidationFailed.for_field(field, f"正则表达式无效：{exc}") from exc
    return pattern


def _mounted_item(entry: CatalogEntry, name: str, field: str) -> DataItem:
    item = entry.items.filter(name=name, mounted=True).first()
    if item is None:
        raise ValidationFailed.for_field(field, f"“{entry.name}”没有已建列的信息项“{name}”")
    return item


def _ref(params: dict[str, Any], prefix: str = "ref") -> tuple[CatalogEntry, DataItem]:
    code = str(params.get(f"{prefix}_entry") or "")
    ref_entry = CatalogEntry.objects.filter(code=code).first()
    if ref_entry is None or not ref_entry.is_mounted_table:
        raise ValidationFailed.for_field(
            f"params.{prefix}_entry", f"引用的资源“{code[:64]}”不存在或未挂接库表"
        )
    return ref_entry, _mounted_item(
        ref_entry, str(params.get(f"{prefix}_field") or ""), f"params.{prefix}_field"
    )


def validate_rule(
    entry: CatalogEntry, item: DataItem | None, kind: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Normalised parameters of a rule; a ValidationFailed names the bad parameter."""
    if kind not in RuleKind.values:
        raise ValidationFailed.for_field("kind", "规则类型取值无效")
    if not entry.is_mounted_table:
        raise ValidationFailed.for_field("entry", "资源尚未挂接库表，不能设置质量规则")
    if kind in NEEDS_ITEM and item is None:
        raise ValidationFailed.for_field("item", "该类规则需要指定信息项")
    if item is not None and (item.entry_id != entry.pk or not item.mounted):
        raise ValidationFailed.for_field("item", "信息项不属于该资源或尚未建列")
    params = dict(params or {})
    if kind == RuleKind.PATTERN:
        return {"pattern": safe_pattern(params.get("pattern", ""))}
    if kind == RuleKind.TYPE:
        if params.get("type") not in TYPE_PATTERNS:
            raise ValidationFailed.for_field("params.type", f"类型应为：{'、'.join(TYPE_LABELS.values())}")
        if item is not None and item.data_type != DataType.STRING:
            raise ValidationFailed.for_field("item", "类型规则只用于字符串字段（其他类型由库表保证）")
        return {"type": params["type"]}
    if kind == RuleKind.ENUM:
        values = params.get("values")
        if not isinstance(values, list) or not values or len(values) > 500:
            raise ValidationFailed.for_field("params.values", "枚举值应为 1–500 个值的数组")
        return {"values": [str(v) for v in values]}
    if kind == RuleKind.RANGE:
        low, high = params.get("min"), params.get("max")
        if low is None and high is None:
            raise ValidationFailed.for_field("params.min", "取值范围至少需要 min 或 max")
        assert item is not None
        if item.data_type not in (
            DataType.INTEGER,
            DataType.DECIMAL,
            DataType.DATE,
            DataType.DATETIME,
            DataType.STRING,
        ):
            raise ValidationFailed.for_field("item", "该字段类型不支持取值范围")
        for key, bound in (("min", low), ("max", high)):
            if bound is not None:
                try:
                    loading.convert(item, bound)
                except ValueError as exc:
                    raise ValidationFailed.for_field(f"params.{key}", f"{item.label}：{exc}") from None
        return {"min": low, "max": high}
    if kind in (RuleKind.REFERENCE, RuleKind.CROSS_MATCH):
        ref_entry, ref_item = _ref(params)
        result = {"ref_entry": ref_entry.code, "ref_field": ref_item.name}
        if kind == RuleKind.CROSS_MATCH:
            _mounted_item(entry, str(params.get("key") or ""), "params.key")
            _mounted_item(ref_entry, str(params.get("ref_key") or ""), "params.ref_key")
            result.update({"key": params["key"], "ref_key": params["ref_key"]})
        return result
    if kind == RuleKind.FRESHNESS:
        days = params.get("max_age_days")
        if days is not None and (not isinstance(days, int) or not 1 <= days <= 3660):
            raise ValidationFailed.for_field("params.max_age_days", "最长间隔天数应为 1–3660 的整数")
        return {"max_age_days": days} if days else {}
    return {}


@transaction.atomic
def rule_create(
    *,
    actor: Actor,
    entry: CatalogEntry,
    kind: str,
    item: DataItem | None = None,
    params: dict[str, Any] | None = None,
    name: str = "",
) -> QualityRule:
    require(actor, PERM_RULE, entry.department)
    clean = validate_rule(entry, item, kind, params or {})
    label = RuleKind(kind).label
    rule = QualityRule.objects.create(
        entry=entry,
        item=item,
        kind=kind,
        dimension=KIND_DIMENSION[RuleKind(kind)],
        params=clean,
        name=(name or f"{item.label if item else entry.name}：{label}")[:128],
    )
    audit.record(
        actor=actor,
        action="datahub.quality.rule",
        subject=rule,
        after={"kind": kind, "params": clean, "entry": entry.code},
    )
    return rule


# --- SQL ----------------------------------------------------------------------------------------------


def _regexp(pattern: str, value: Any) -> bool:
    if value is None:
        return False
    return _compiled(pattern).search(str(value)) is not None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _prepare_connection() -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function("REGEXP", 2, _regexp, deterministic=True)


def _regex_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST({column} AS TEXT) ~ %s"
    return f"{column} REGEXP %s"


def _failure(rule: QualityRule, entry: CatalogEntry) -> tuple[str, list[Any]]:
    """The WHERE clause selecting failing rows of ``t`` (the entry's table aliased t)."""
    params = rule.params
    col = f"t.{tables.quote(rule.item.name)}" if rule.item else ""
    kind = rule.kind
    if kind == RuleKind.NOT_NULL:
        if rule.item and rule.item.data_type == DataType.STRING:
            return f"({col} IS NULL OR TRIM({col}) = '')", []
        return f"{col} IS NULL", []
    if kind == RuleKind.PATTERN:
        return f"{col} IS NOT NULL AND NOT ({_regex_sql(col)})", [params["pattern"]]
    if kind == RuleKind.TYPE:
        return f"{col} IS NOT NULL AND NOT ({_regex_sql(col)})", [TYPE_PATTERNS[params["type"]]]
    if kind == RuleKind.ENUM:
        marks = ", ".join(["%s"] * len(params["values"]))
        return f"{col} IS NOT NULL AND CAST({col} AS TEXT) NOT IN ({marks})", list(params["values"])
    if kind == RuleKind.RANGE:
        parts, values = [], []
        assert rule.item is not None
        from shuzheng.datahub.loading import convert

        for key, op in (("min", "<"), ("max", ">")):
            if params.get(key) is not None:
                parts.append(f"{col} {op} %s")
                values.append(convert(rule.item, params[key]))
        return f"{col} IS NOT NULL AND ({' OR '.join(parts)})", values
    if kind == RuleKind.UNIQUE:
        assert rule.item is not None
        table, name = tables.quote(entry.mount_table), tables.quote(rule.item.name)
        duplicates = f"SELECT u.{name} FROM {table} u GROUP BY u.{name} HAVING COUNT(*) > 1"  # noqa: S608
        return f"{col} IS NOT NULL AND {col} IN ({duplicates})", []
    if kind == RuleKind.REFERENCE:
        ref_entry = CatalogEntry.objects.get(code=params["ref_entry"])
        ref_table, ref_col = tables.quote(ref_entry.mount_table), tables.quote(params["ref_field"])
        exists = f"SELECT 1 FROM {ref_table} r WHERE r.{ref_col} = {col}"  # noqa: S608
        return f"{col} IS NOT NULL AND NOT EXISTS ({exists})", []
    if kind == RuleKind.CROSS_MATCH:
        ref_entry = CatalogEntry.objects.get(code=params["ref_entry"])
        ref_table = tables.quote(ref_entry.mount_table)
        key, ref_key = f"t.{tables.quote(params['key'])}", f"r.{tables.quote(params['ref_key'])}"
        ref_col = f"r.{tables.quote(params['ref_field'])}"
        matched = f"SELECT 1 FROM {ref_table} r WHERE {ref_key} = {key}"  # noqa: S608
        return f"EXISTS ({matched}) AND NOT EXISTS ({matched} AND {ref_col} = {col})", []
    raise ValueError(kind)


def _execute(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def evaluate(rule: QualityRule, totals: dict[int, int] | None = None) -> tuple[int, int, list[int]]:
    """(checked, failed, sample of failing row ids) for one rule, computed in the database.

    ``totals`` caches each table's row count within a run (one COUNT(*) per table, not per rule).
    """
    entry = rule.entry
    table = tables.quote(entry.mount_table)
    if rule.kind == RuleKind.ACCESSIBLE:
        _execute(f"SELECT 1 FROM {table} LIMIT 1", [])  # noqa: S608 - identifiers validated and quoted
        return 1, 0, []
    if rule.kind == RuleKind.FRESHNESS:
        newest = tables.build_model(entry).objects.aggregate(newest=Max(tables.LOADED_AT))["newest"]
        newest = newest or entry.last_loaded_at
        days = rule.params.get("max_age_days") or CYCLE_DAYS.get(entry.update_cycle, 32)
        fresh = newest is not None and timezone.now() - newest <= timedelta(days=days)
        return 1, 0 if fresh else 1, []
    where, values = _failure(rule, entry)
    totals = totals if totals is not None else {}
    if entry.pk not in totals:
        totals[entry.pk] = int(_execute(f"SELECT COUNT(*) FROM {table} t", [])[0][0])  # noqa: S608
    checked = totals[entry.pk]
    failed = _execute(f"SELECT COUNT(*) FROM {table} t WHERE {where}", values)[0][0]  # noqa: S608
    sample: list[int] = []
    if failed:
        rows = _execute(
            f"SELECT t.{tables.quote(tables.ROW_ID)} FROM {table} t WHERE {where} "  # noqa: S608
            f"ORDER BY t.{tables.quote(tables.ROW_ID)} LIMIT {SAMPLE}",
            values,
        )
        sample = [int(r[0]) for r in rows]
    return int(checked), int(failed), sample


def scores(results: Iterable[QualityResult]) -> dict[str, dict[str, Any]]:
    """{entry id: {"dimensions": {dimension: 0–100}, "score": 0–100}} (see the module docstring)."""
    rates: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        rates[result.entry_id][result.dimension].append(result.pass_rate)
    out: dict[str, dict[str, Any]] = {}
    for entry_id, by_dimension in rates.items():
        dimensions = {d: sum(v) / len(v) for d, v in by_dimension.items()}
        weight = sum(DIMENSION_WEIGHTS[Dimension(d)] for d in dimensions)
        total = sum(DIMENSION_WEIGHTS[Dimension(d)] * r for d, r in dimensions.items()) / weight
        out[str(entry_id)] = {
            "dimensions": {d: round(r * 100, 2) for d, r in dimensions.items()},
            "score": round(total * 100, 2),
        }
    return out


def _require_run(actor: Actor, entries: Iterable[CatalogEntry] | None) -> None:
    user = user_of(actor)
    if entries is None or is_system(actor) or (user is not None and user.has_perm(PERM_RUN)):
        require(actor, PERM_RUN, None)
        return
    for entry in entries:
        require(actor, PERM_RULE, entry.department)


def run(
    *,
    actor: Actor,
    entries: Iterable[CatalogEntry] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> QualityRun:
    """Run every active rule (of ``entries``, or all) and store results and scores. A rule that fails to
    execute gets an error result (score 0) instead of stopping the run.

    A run over everything needs ``PERM_RUN``; the stewards who keep an entry's rules (``PERM_RULE`` over
    its department) may also run that entry's."""
    _require_run(actor, entries)
    rules = (
        QualityRule.objects.filter(is_active=True).select_related("entry", "item").order_by("entry_id", "id")
    )
    if entries is not None:
        rules = rules.filter(entry__in=list(entries))
    rules_list = [r for r in rules if r.entry.is_mounted_table]
    _prepare_connection()
    quality_run = QualityRun.objects.create(triggered_by=user_of(actor), rule_count=len(rules_list))
    results = []
    totals: dict[int, int] = {}
    for n, rule in enumerate(rules_list, start=1):
        started = time.perf_counter()
        error = ""
        try:
            with transaction.atomic():
                checked, failed, sample = evaluate(rule, totals)
        except (DatabaseError, ValueError, CatalogEntry.DoesNotExist) as exc:
            checked, failed, sample, error = 0, 0, [], f"{type(exc).__name__}: {exc}"[:500]
        results.append(
            QualityResult(
                run=quality_run,
                rule=rule,
                entry=rule.entry,
                dimension=rule.dimension,
                checked=checked,
                failed=failed,
                sample=sample,
                error=error,
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        )
        if progress is not None:
            progress(n, len(rules_list))
    QualityResult.objects.bulk_create(results)
    quality_run.scores = scores(results)
    quality_run.finished_at = timezone.now()
    quality_run.save(update_fields=["scores", "finished_at"])
    audit.record(
        actor=actor, action="datahub.quality.run", subject=quality_run, after={"rules": len(rules_list)}
    )
    return quality_run
