"""The rule language: checking a rule set's shape and fields, and evaluating conditions."""

from __future__ import annotations

import pytest

from shuzheng.core.errors import ValidationFailed
from shuzheng.instant_approval import rules

KNOWN = ["form.scope", "registry.person.age", "licences.types"]


def _messages(raw: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        rules.parse_conditions(raw, known=KNOWN)
    return caught.value.detail + " ".join(e["message"] for e in caught.value.errors)


def test_a_valid_rule_set_parses_with_codes() -> None:
    parsed = rules.parse_conditions(
        '[{"label": "年满80周岁", "logic": {">=": [{"var": "registry.person.age"}, 80]}},'
        ' {"code": "scope", "label": "经营范围规范", "logic": {"in": [{"var": "form.scope"}, ["零售"]]}}]',
        known=KNOWN,
    )
    assert [(c.code, c.label) for c in parsed] == [("c1", "年满80周岁"), ("scope", "经营范围规范")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[{", "不是有效的 JSON"),
        ("{}", "至少一条条件的列表"),
        ([], "至少一条条件的列表"),
        (["x"], "应为含 label 和 logic 的对象"),
        ([{"label": "", "logic": {"!!": 1}}], "需要中文说明"),
        ([{"label": "甲", "logic": "x"}], "JSON Logic 表达式"),
        ([{"label": "甲", "logic": {"eval": ["import os"]}}], "不支持的运算符“eval”"),
        ([{"label": "甲", "logic": {"log": [1]}}], "不支持的运算符“log”"),
        ([{"label": "甲", "logic": {"==": [1, 1], "!=": [1, 2]}}], "只有一个键"),
        ([{"label": "甲", "logic": {"var": 3}}], "应给出字段名"),
        ([{"label": "甲", "logic": {"!!": {"var": "form.nope"}}}], "未知字段：form.nope"),
        ([{"label": "甲", "logic": {"!!": 1}, "extra": 1}], "不认识的键"),
        (
            [
                {"code": "c1", "label": "甲", "logic": {"!!": 1}},
                {"code": "c1", "label": "乙", "logic": {"!!": 1}},
            ],
            "不重复",
        ),
        ([{"label": "甲", "logic": {"!!": 1}}] * 21, "不能超过20条"),
        ([{"label": "甲\x00", "logic": {"!!": 1}}], "空字符"),
    ],
)
def test_bad_rule_sets_are_refused_in_chinese(raw: object, expected: str) -> None:
    assert expected in _messages(raw)


def test_every_unknown_field_is_listed_at_once() -> None:
    text = _messages(
        [
            {"label": "甲", "logic": {"and": [{"var": "form.a"}, {"var": "registry.person.b"}]}},
            {"label": "乙", "logic": {"missing": ["form.c", "form.scope"]}},
        ]
    )
    assert "form.a、form.c、registry.person.b" in text


def test_too_deep_is_refused() -> None:
    logic: dict = {"!!": 1}
    for _ in range(30):
        logic = {"!": [logic]}
    assert "嵌套超过" in _messages([{"label": "甲", "logic": logic}])


def test_evaluation_reports_each_condition() -> None:
    conditions = rules.parse_conditions(
        [
            {"code": "age", "label": "年满80周岁", "logic": {">=": [{"var": "registry.person.age"}, 80]}},
            {
                "code": "scope",
                "label": "经营范围",
                "logic": {"in": [{"var": "form.scope"}, ["零售", "餐饮"]]},
            },
            {
                "code": "card",
                "label": "持有社保卡",
                "logic": {"in": ["社会保障卡", {"var": "licences.types"}]},
            },
        ],
        known=KNOWN,
    )
    person: dict[str, int] = {"age": 79}
    facts = {"form": {"scope": "零售"}, "registry": {"person": person}, "licences": {"types": ["社会保障卡"]}}
    results = rules.evaluate(conditions, facts)
    assert [(r.code, r.passed) for r in results] == [("age", False), ("scope", True), ("card", True)]
    assert not rules.all_passed(results)
    person["age"] = 85
    assert rules.all_passed(rules.evaluate(conditions, facts))


def test_missing_data_is_not_a_failure_but_undecided() -> None:
    conditions = rules.parse_conditions(
        [{"label": "年满80周岁", "logic": {">=": [{"var": "registry.person.age"}, 80]}}], known=KNOWN
    )
    (result,) = rules.evaluate(conditions, {"form": {}})
    assert (result.passed, result.missing) == (None, ["registry.person.age"])


def test_a_condition_that_cannot_be_computed_is_an_error_not_a_crash() -> None:
    conditions = rules.parse_conditions(
        [{"label": "甲", "logic": {"/": [1, {"var": "form.scope"}]}}], known=KNOWN
    )
    (result,) = rules.evaluate(conditions, {"form": {"scope": "0"}})
    assert result.passed is None
    assert result.error.startswith("无法计算")


def test_years_since() -> None:
    from datetime import date

    assert rules.years_since(date(1940, 6, 2), date(2020, 6, 1)) == 79
    assert rules.years_since(date(1940, 6, 1), date(2020, 6, 1)) == 80


@pytest.mark.parametrize(
    "logic",
    [
        {"%": [1, 0]},
        {"-": [{"today": []}, {"rdelta": [10**12]}]},
        {"substr": [{"var": "form.scope"}, "x"]},
        {"*": [{"var": "form.scope"}, 2]},
    ],
)
def test_odd_expressions_are_undecided_never_a_crash(logic: dict) -> None:
    (condition,) = rules.parse_conditions([{"label": "甲", "logic": logic}], known=KNOWN)
    (result,) = rules.evaluate([condition], {"form": {"scope": "零售"}})
    assert result.passed in (None, True, False)
    if result.passed is None:
        assert result.error.startswith("无法计算")
