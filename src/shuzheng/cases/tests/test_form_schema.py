"""JSON Schema validation of application forms, translated to Chinese per-field messages."""

from __future__ import annotations

import pytest

from shuzheng.cases.form_schema import form_errors, validate_form
from shuzheng.core.errors import ValidationFailed

SCHEMA = {
    "type": "object",
    "required": ["name", "id_number", "kind"],
    "properties": {
        "name": {"type": "string", "title": "姓名", "minLength": 2, "maxLength": 4},
        "id_number": {"type": "string", "title": "身份证号码", "format": "id-number"},
        "uscc": {"type": "string", "title": "统一社会信用代码", "format": "uscc"},
        "mobile": {"type": "string", "title": "手机号码", "format": "mobile"},
        "born": {"type": "string", "title": "出生日期", "format": "date"},
        "kind": {"type": "string", "title": "类别", "enum": ["新办", "变更"]},
        "area": {"type": "number", "title": "面积", "exclusiveMinimum": 0},
        "code": {"type": "string", "title": "编号", "pattern": "^[A-Z]{2}\\d{4}$"},
        "people": {"type": "array", "title": "人员", "minItems": 1, "items": {"type": "string"}},
        "address": {
            "type": "object",
            "title": "地址",
            "required": ["street"],
            "properties": {"street": {"type": "string", "title": "街道"}},
        },
    },
    "additionalProperties": False,
}


def _by_field(data: object) -> dict[str, str]:
    return {
        e["field"].removeprefix("form_data."): f"{e['label']}:{e['message']}"
        for e in form_errors(SCHEMA, data)
    }


def test_messages_per_keyword() -> None:
    errors = _by_field(
        {
            "name": "张",
            "id_number": "440785199001011234",
            "uscc": "123",
            "mobile": "12345",
            "born": "2026-13-01",
            "kind": "注销",
            "area": 0,
            "code": "ab12",
            "people": [],
            "address": {},
            "extra": 1,
        }
    )
    assert errors == {
        "name": "姓名:至少2个字",
        "id_number": "身份证号码:居民身份证号码校验位错误，请核对是否输错",
        "uscc": "统一社会信用代码:统一社会信用代码应为18位，当前为3位",
        "mobile": "手机号码:手机号码应为11位数字",
        "born": "出生日期:格式不正确，应为日期（YYYY-MM-DD）",
        "kind": "类别:应为以下之一：新办、变更",
        "area": "面积:应大于0",
        "code": "编号:格式不正确",
        "people": "人员:至少选择1项",
        "address.street": "街道:必填",
        "extra": "extra:不允许的字段",
    }


def test_required_and_type() -> None:
    assert _by_field({"name": 12}) == {
        "name": "姓名:应为文本",
        "id_number": "身份证号码:必填",
        "kind": "类别:必填",
    }
    assert _by_field([]) == {"form_data": "申请表:应为对象"}


def test_valid_data_passes_and_is_returned() -> None:
    data = {"name": "张三", "id_number": "11010519491231002X", "kind": "新办", "born": "1949-12-31"}
    assert validate_form(SCHEMA, data) == data


def test_validate_form_raises_with_every_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_form(SCHEMA, {"name": "张"})
    assert caught.value.status == 422
    assert caught.value.detail.startswith("申请表填写有误：")
    assert len(caught.value.errors) == 3


def test_a_broken_schema_is_a_clear_error_not_a_crash() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_form({"type": "object", "properties": {"a": {"type": "nonsense"}}}, {"a": 1})
    assert caught.value.code == "form_schema_invalid"


def test_empty_schema_accepts_any_object() -> None:
    assert validate_form({}, {"anything": 1}) == {"anything": 1}
