"""The rule language of 秒批: named conditions, each a JSON Logic expression (https://jsonlogic.com/)
evaluated by the maintained ``json_logic`` library (maykin-json-logic-py) — never Python ``eval``.

A rule set is checked before it is saved: every condition has a Chinese label and an expression built only
of the operators below, and every ``{"var": ...}`` names a known field (of the item version's form, of a
registry the rule set reads, or of the held licences). Evaluation reports, per condition, whether it held,
which fields it lacked, or why it could not be computed; anything but "held" keeps the case with a clerk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Final

from json_logic import jsonLogic

from shuzheng.core.field_errors import FieldErrors

#: What a condition may use: comparison, logic, arithmetic, membership, text and dates. Left out: ``log``
#: (writes to the server log), ``map``/``reduce``/``missing_some`` (variables relative to a loop, which
#: the field check cannot follow) and anything the library may add later.
OPERATORS: Final = frozenset(
    {
        "==", "===", "!=", "!==", ">", ">=", "<", "<=", "!", "!!", "and", "or", "if",
        "in", "cat", "substr", "+", "-", "*", "/", "%", "min", "max", "merge",
        "var", "missing", "date", "today", "rdelta",
    }
)  # fmt: skip
MAX_CONDITIONS: Final = 20
MAX_JSON: Final = 20_000
MAX_DEPTH: Final = 24
LABEL_MAX: Final = 100
CODE: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Condition:
    code: str
    label: str
    logic: dict[str, Any]


@dataclass
class ConditionResult:
    code: str
    label: str
    passed: bool | None  # None: not decided (data missing or an error)
    missing: list[str] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- checking ---------------------------------------------------------------------------------------


def _walk(node: Any, depth: int, found: set[str], problems: list[str]) -> None:
    """Collect the variables of an expression and what is wrong with its shape."""
    if depth > MAX_DEPTH:
        problems.append(f"嵌套超过{MAX_DEPTH}层")
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, depth + 1, found, problems)
        return
    if not isinstance(node, dict):
        return
    if len(node) != 1:
        problems.append("每个运算应是只有一个键（运算符）的对象")
        return
    operator, args = next(iter(node.items()))
    if operator not in OPERATORS:
        problems.append(f"不支持的运算符“{str(operator)[:20]}”")
        return
    if operator in ("var", "missing"):
        names = args if isinstance(args, list) else [args]
        if operator == "var":
            names = names[:1]  # {"var": [name, default]}
        for name in names:
            if not isinstance(name, str) or not name:
                problems.append(f"“{operator}”应给出字段名（文字）")
            else:
                found.add(name)
        return
    _walk(args, depth + 1, found, problems)


def variables(logic: Any) -> set[str]:
    """The field names an expression reads (its shape assumed checked)."""
    found: set[str] = set()
    _walk(logic, 0, found, [])
    return found


def parse_conditions(raw: Any, *, known: Iterable[str], field_name: str = "conditions") -> list[Condition]:
    """The conditions of a rule set from JSON text or a list of {code?, label, logic}; ValidationFailed
    naming every problem at once (malformed JSON, unknown operators, unknown fields, missing labels)."""
    errors = FieldErrors()
    if isinstance(raw, str):
        if len(raw) > MAX_JSON:
            errors.add(field_name, f"规则内容过长（不超过{MAX_JSON}个字符）")
            errors.raise_if_any("规则未通过校验")
        try:
            raw = json.loads(raw or "null")
        except json.JSONDecodeError as exc:
            errors.add(field_name, f"不是有效的 JSON：第{exc.lineno}行第{exc.colno}列附近有误")
            errors.raise_if_any("规则未通过校验")
    if not isinstance(raw, list) or not raw:
        errors.add(field_name, "规则应为至少一条条件的列表")
        errors.raise_if_any("规则未通过校验")
    if len(raw) > MAX_CONDITIONS:
        errors.add(field_name, f"条件不能超过{MAX_CONDITIONS}条")
        errors.raise_if_any("规则未通过校验")
    text = json.dumps(raw, ensure_ascii=False)
    if len(text) > MAX_JSON:
        errors.add(field_name, f"规则内容过长（不超过{MAX_JSON}个字符）")
    if "\x00" in text or "\\u0000" in text:
        errors.add(field_name, "规则含有不可见的空字符，请删除后重新填写")
    errors.raise_if_any("规则未通过校验")
    known_set = set(known)
    conditions: list[Condition] = []
    codes: set[str] = set()
    unknown: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{field_name}[{index}]"
        number = f"第{index + 1}条条件"
        if not isinstance(item, dict):
            errors.add(where, f"{number}应为含 label 和 logic 的对象")
            continue
        extra = sorted(set(item) - {"code", "label", "logic"})
        if extra:
            errors.add(where, f"{number}含有不认识的键：{'、'.join(map(str, extra))}")
        label = item.get("label")
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > LABEL_MAX:
            errors.add(f"{where}.label", f"{number}需要中文说明（1至{LABEL_MAX}个字）")
            label = ""
        code = item.get("code") or f"c{index + 1}"
        if not isinstance(code, str) or not CODE.match(code) or code in codes:
            errors.add(f"{where}.code", f"{number}的编码应为小写字母开头的字母、数字或下划线，且不重复")
            code = f"c{index + 1}"
        codes.add(code)
        logic = item.get("logic")
        if not isinstance(logic, dict) or not logic:
            errors.add(f"{where}.logic", f"{number}的 logic 应为 JSON Logic 表达式（对象）")
            continue
        found: set[str] = set()
        problems: list[str] = []
        _walk(logic, 0, found, problems)
        for problem in dict.fromkeys(problems):
            errors.add(f"{where}.logic", f"{number}：{problem}")
        missing = sorted(found - known_set)
        if missing:
            unknown.update(missing)
            errors.add(f"{where}.logic", f"{number}引用了未知字段：{'、'.join(missing)}")
        conditions.append(Condition(code=code, label=str(label).strip(), logic=logic))
    if unknown:
        errors.raise_if_any(f"规则引用了未知字段：{'、'.join(sorted(unknown))}")
    errors.raise_if_any("规则未通过校验")
    return conditions


def as_conditions(stored: list[dict[str, Any]]) -> list[Condition]:
    """Conditions as saved (checked on save)."""
    return [Condition(code=c["code"], label=c["label"], logic=c["logic"]) for c in stored]


# --- evaluating -------------------------------------------------------------------------------------


def lookup(facts: Mapping[str, Any], name: str) -> Any:
    value: Any = facts
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def evaluate(conditions: list[Condition], facts: Mapping[str, Any]) -> list[ConditionResult]:
    """Each condition over `facts` ({"form": …, "registry": {"person": …}, "licences": …}); a condition
    whose fields are absent is not decided (missing), one the library cannot compute is an error."""
    results = []
    for condition in conditions:
        absent = sorted(n for n in variables(condition.logic) if lookup(facts, n) in (None, ""))
        if absent:
            results.append(ConditionResult(condition.code, condition.label, None, missing=absent))
            continue
        try:
            value = jsonLogic(condition.logic, dict(facts))
        except Exception as exc:  # any failure of a user-written expression leaves it undecided (the
            # library raises TypeError, ValueError, OverflowError… depending on the operands)
            results.append(
                ConditionResult(condition.code, condition.label, None, error=f"无法计算：{str(exc)[:120]}")
            )
            continue
        results.append(ConditionResult(condition.code, condition.label, bool(value)))
    return results


def all_passed(results: list[ConditionResult]) -> bool:
    return bool(results) and all(r.passed is True for r in results)


def years_since(day: date, today: date) -> int:
    """Whole years from `day` to `today` (an age)."""
    return today.year - day.year - ((today.month, today.day) < (day.month, day.day))
