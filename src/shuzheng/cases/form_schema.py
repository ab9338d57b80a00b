"""Application forms: validate form data against the item version's JSON Schema, in Chinese, per field.

Each error names the field by its path (``form_data.reason``), its label (the schema's ``title``) and a
short Chinese message ("必填", "至少2个字", "应为整数" …). Besides the standard formats (date, email …),
schemas may use the Chinese identifier formats ``id-number`` (居民身份证号码, stdnum.cn.ric check digit),
``uscc`` (统一社会信用代码, stdnum.cn.uscc), ``mobile`` (手机号码), ``bank-card`` (银行卡号, stdnum.luhn)
and ``division-code`` (行政区划代码), checked by core.validators; a value failing one of them gets that
validator's own message ("居民身份证号码校验位错误，请核对是否输错。").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import SchemaError
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError

from shuzheng.core.errors import ValidationFailed
from shuzheng.core.validators import (
    validate_division_code,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

FIELD_PREFIX = "form_data"

_TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "是或否",
    "object": "对象",
    "array": "列表",
    "null": "空值",
}
_FORMAT_NAMES = {
    "date": "日期（YYYY-MM-DD）",
    "date-time": "日期时间",
    "time": "时间",
    "email": "电子邮箱",
    "uri": "网址",
    "ipv4": "IPv4 地址",
    "id-number": "居民身份证号码",
    "uscc": "统一社会信用代码",
    "mobile": "手机号码",
    "division-code": "行政区划代码",
    "bank-card": "银行卡号",
}
_QUOTED = re.compile(r"'([^']*)'")

FORMAT_CHECKER = FormatChecker()


def _checks(check: Any) -> Any:
    def run(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            check(value)
        except ValidationFailed:
            return False
        return True

    return run


def validate_bank_card(value: str, *, field: str = "bank_card") -> str:
    """A bank card number: 12 to 19 digits (spaces allowed) whose last digit is the Luhn check digit."""
    number = "".join(value.split())
    if not (number.isascii() and number.isdigit()) or not 12 <= len(number) <= 19:
        raise ValidationFailed.for_field(field, "银行卡号应为12至19位数字。")
    try:
        luhn.validate(number)
    except StdnumError as exc:
        raise ValidationFailed.for_field(field, "银行卡号校验位错误，请核对是否输错。") from exc
    return number


_IDENTIFIERS: dict[str, Any] = {
    "id-number": validate_id_number,
    "uscc": validate_uscc,
    "mobile": validate_mobile,
    "division-code": validate_division_code,
    "bank-card": validate_bank_card,
}
for _name, _check in _IDENTIFIERS.items():
    FORMAT_CHECKER.checks(_name)(_checks(_check))
for _name in ("date", "date-time", "time", "email", "uri", "ipv4"):
    if _name in Draft202012Validator.FORMAT_CHECKER.checkers:
        FORMAT_CHECKER.checkers[_name] = Draft202012Validator.FORMAT_CHECKER.checkers[_name]


def _path(parts: Iterable[Any]) -> str:
    return ".".join([FIELD_PREFIX, *(str(p) for p in parts)])


def _title(schema: Any, fallback: str) -> str:
    if isinstance(schema, dict) and isinstance(schema.get("title"), str) and schema["title"].strip():
        return str(schema["title"]).strip()
    return fallback


def _property_schema(parent: Any, name: str) -> Any:
    if isinstance(parent, dict):
        return (parent.get("properties") or {}).get(name, {})
    return {}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _message(error: ValidationError) -> str:
    keyword = str(error.validator)
    value = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        return "应为" + "或".join(_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
    if keyword == "minLength":
        return "必填" if value == 1 and error.instance == "" else f"至少{value}个字"
    if keyword == "maxLength":
        return f"最多{value}个字"
    if keyword == "pattern":
        hint = schema.get("x-pattern-message") or schema.get("description")
        return f"格式不正确：{hint}" if hint else "格式不正确"
    if keyword == "format":
        if str(value) in _IDENTIFIERS and isinstance(error.instance, str):
            try:
                _IDENTIFIERS[str(value)](error.instance)
            except ValidationFailed as exc:
                return exc.detail.rstrip("。")
        return f"格式不正确，应为{_FORMAT_NAMES.get(str(value), str(value))}"
    if keyword == "enum":
        options = "、".join(str(v) for v in (value or []))
        return f"应为以下之一：{options}" if options else "取值不在允许范围内"
    if keyword == "const":
        return f"应为{value}"
    if keyword == "minimum":
        return f"不能小于{_number(value)}"
    if keyword == "maximum":
        return f"不能大于{_number(value)}"
    if keyword == "exclusiveMinimum":
        return f"应大于{_number(value)}"
    if keyword == "exclusiveMaximum":
        return f"应小于{_number(value)}"
    if keyword == "multipleOf":
        return f"应为{_number(value)}的倍数"
    if keyword == "minItems":
        return f"至少选择{value}项"
    if keyword == "maxItems":
        return f"最多选择{value}项"
    if keyword == "uniqueItems":
        return "不能有重复项"
    if keyword in ("minProperties", "maxProperties"):
        return "填写项数量不符合要求"
    return "取值无效"


def _errors_of(error: ValidationError) -> list[dict[str, Any]]:
    keyword = str(error.validator)
    parent_path = list(error.absolute_path)
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in (error.validator_value or []) if name not in instance]
        # jsonschema yields one error per missing property; its message quotes the name.
        quoted = _QUOTED.match(error.message)
        if quoted and quoted.group(1) in missing:
            missing = [quoted.group(1)]
        return [
            {
                "field": _path([*parent_path, name]),
                "label": _title(_property_schema(error.schema, name), str(name)),
                "message": "必填",
                "type": "required",
            }
            for name in missing
        ]
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = set((error.schema.get("properties") or {}) if isinstance(error.schema, dict) else {})
        extras = [name for name in error.instance if name not in known] or [""]
        return [
            {
                "field": _path([*parent_path, name]) if name else _path(parent_path),
                "label": str(name),
                "message": "不允许的字段",
                "type": "additional_properties",
            }
            for name in extras
        ]
    fallback = str(parent_path[-1]) if parent_path else "申请表"
    return [
        {
            "field": _path(parent_path),
            "label": _title(error.schema, fallback),
            "message": _message(error),
            "type": re.sub(r"(?<!^)(?=[A-Z])", "_", keyword).lower(),
        }
    ]


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Any:
    """A checked validator per schema text: checking a schema against its metaschema costs more than
    validating a form, and published versions (hence their schemas) never change."""
    schema = json.loads(schema_json)
    cls = validators.validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        raise ValidationFailed(
            "该事项的申请表配置有误，暂不能提交，请联系事项管理部门。", code="form_schema_invalid"
        ) from exc
    return cls(schema, format_checker=FORMAT_CHECKER)


def form_errors(schema: dict[str, Any], data: Any) -> list[dict[str, Any]]:
    """Every problem of `data` against `schema`, as field errors (empty when valid)."""
    if not schema:
        return [] if isinstance(data, dict) else [_not_object()]
    validator = _validator(json.dumps(schema, sort_keys=True, ensure_ascii=False))
    found: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        for item in _errors_of(error):
            key = (item["field"], item["type"])
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def _not_object() -> dict[str, Any]:
    return {"field": FIELD_PREFIX, "label": "申请表", "message": "应为对象", "type": "type"}


def validate_form(schema: dict[str, Any], data: Any) -> dict[str, Any]:
    """`data` when it satisfies `schema`; otherwise ValidationFailed listing every field error."""
    found = form_errors(schema, data)
    if found:
        summary = "；".join(f"{e['label']}：{e['message']}" for e in found[:5])
        more = f"等{len(found)}处" if len(found) > 5 else ""
        raise ValidationFailed(f"申请表填写有误：{summary}{more}。", errors=found, code="form_invalid")
    return dict(data)
