"""Validators for Chinese identifiers: 居民身份证号 (GB 11643), 统一社会信用代码 (GB 32100),
mobile numbers and 行政区划代码 (GB/T 2260).

Each ``validate_x(value, *, field=...)`` returns the normalised value or raises
``ValidationFailed.for_field`` with a Chinese message saying what is wrong; each ``x_validator`` is the
same check for Django model and form fields (module-level functions, so migrations can reference them).
Input is NFKC-normalised first: citizens often type full-width digits (１２３) on a Chinese keyboard.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from stdnum import numdb
from stdnum.cn import ric, uscc

from shuzheng.core.errors import ValidationFailed

#: GB/T 2260 province-level codes (省级), including Taiwan, Hong Kong and Macao.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

#: Address codes of 港澳台居民居住证 numbers (same GB 11643 format, 2018 rules); 83 is not in GB/T 2260.
RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})

#: Earliest birth year accepted in an identity number (older is a typo, not a citizen).
MIN_BIRTH_YEAR = 1900

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=1\d{10}$)")
_SEPARATORS = re.compile(r"[\s\-]")


def _normalise(value: object) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _fail(field: str, message: str, code: str) -> ValidationFailed:
    """The problem code stays ``validation_failed``; the field error carries the specific ``type``."""
    error = ValidationFailed.for_field(field, message)
    error.errors[0]["type"] = code
    return error


# --- 行政区划代码 ---------------------------------------------------------------------------------------


def _division_problem(code6: str) -> str | None:
    """Why a 6-digit GB/T 2260 code is structurally impossible, or None."""
    if code6[:2] not in PROVINCES:
        return f"省级代码“{code6[:2]}”不存在"
    if code6[2:4] == "00" and code6[4:] != "00":
        return "省级代码之后地级为00时，县级也应为00"
    return None


def validate_division_code(value: str, *, field: str = "division_code") -> str:
    """A 6-digit GB/T 2260 code, or a 9/12-digit statistical code (镇街/村居) with a valid 6-digit head."""
    code = _SEPARATORS.sub("", _normalise(value))
    if not code:
        raise _fail(field, "行政区划代码不能为空。", "division_code_required")
    if not code.isascii() or not code.isdigit() or len(code) not in (6, 9, 12):
        raise _fail(field, "行政区划代码应为6位、9位或12位数字。", "division_code_format")
    problem = _division_problem(code[:6])
    if problem:
        raise _fail(field, f"行政区划代码“{code}”无效：{problem}。", "division_code_invalid")
    if len(code) == 12 and code[6:9] == "000" and code[9:] != "000":
        raise _fail(field, f"行政区划代码“{code}”无效：乡级为000时，村级也应为000。", "division_code_invalid")
    return code


# --- 居民身份证号码 -------------------------------------------------------------------------------------


def _known_county(code6: str) -> bool:
    """Whether python-stdnum's GB/T 2260 table has ever listed this county-level code.

    Any period counts: numbers assigned when the code system was rolled out (1999) or on first issue keep
    the code of that day, so a 1990 birth with Enping's 1994 code 440785 is real.
    """
    results = numdb.get("cn/loc").info(code6)
    return any("county" in props for _, props in results)


def validate_id_number(value: str, *, field: str = "id_number") -> str:
    """An 18-digit 居民身份证号码 (or 港澳台居民居住证 number): check character, birth date, address code.

    Lowercase x and full-width characters are accepted and normalised.
    """
    number = _normalise(value).replace(" ", "").upper()
    label = "居民身份证号码"
    if not number:
        raise _fail(field, f"{label}不能为空。", "id_number_required")
    if len(number) == 15 and number.isdigit():
        raise _fail(field, f"请填写18位{label}（15位旧号码已停止使用）。", "id_number_length")
    if len(number) != 18:
        raise _fail(field, f"{label}应为18位，当前为{len(number)}位。", "id_number_length")
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        raise _fail(field, f"{label}前17位应为数字，最后一位为数字或X。", "id_number_format")
    if number[17] != ric.calc_check_digit(number):
        raise _fail(field, f"{label}校验位错误，请核对是否输错。", "id_number_checksum")
    digits = number[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError as exc:
        raise _fail(field, f"{label}中的出生日期“{digits}”不是有效日期。", "id_number_birth_date") from exc
    if birth > timezone.localdate():
        raise _fail(field, f"{label}中的出生日期“{digits}”晚于今天。", "id_number_birth_date")
    if birth.year < MIN_BIRTH_YEAR:
        message = f"{label}中的出生日期“{digits}”早于{MIN_BIRTH_YEAR}年，不合理。"
        raise _fail(field, message, "id_number_birth_date")
    region = number[:6]
    if region in RESIDENCE_PERMIT_REGIONS:
        return number
    if region[:2] not in PROVINCES:
        message = f"{label}前6位地址码“{region}”无效：省级代码“{region[:2]}”不存在。"
        raise _fail(field, message, "id_number_region")
    if not _known_county(region):
        raise _fail(field, f"{label}前6位地址码“{region}”不是有效的行政区划代码。", "id_number_region")
    return number


def id_number_birth_date(number: str) -> date:
    """Birth date of a valid identity number."""
    number = validate_id_number(number)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_number_is_female(number: str) -> bool:
    """GB 11643: the 17th digit (order code parity) is even for women."""
    return int(validate_id_number(number)[16]) % 2 == 0


def generate_id_number(region: str, birth: date, seq: int, female: bool) -> str:
    """A valid identity number for demo data and tests: order code ``2 * seq + (0 if female else 1)``.

    ``seq`` is 0..499 so every (region, birth, sex) has 500 distinct numbers. Raises ValueError for a bad
    seq and ValidationFailed when the region or birth date would not make a valid number.
    """
    if not 0 <= seq <= 499:
        raise ValueError("seq must be in 0..499")
    region = validate_division_code(region, field="region")
    if len(region) != 6:
        raise ValueError("region must be a 6-digit GB/T 2260 code")
    body = f"{region}{birth:%Y%m%d}{2 * seq + (0 if female else 1):03d}"
    return validate_id_number(body + ric.calc_check_digit(body + "0"), field="id_number")


# --- 统一社会信用代码 -----------------------------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def validate_uscc(value: str, *, field: str = "uscc") -> str:
    """An 18-character 统一社会信用代码 (GB 32100): alphabet, region part and check character."""
    code = _SEPARATORS.sub("", _normalise(value)).upper()
    label = "统一社会信用代码"
    if not code:
        raise _fail(field, f"{label}不能为空。", "uscc_required")
    if len(code) != 18:
        raise _fail(field, f"{label}应为18位，当前为{len(code)}位。", "uscc_length")
    if any(char not in _USCC_ALPHABET for char in code):
        raise _fail(field, f"{label}只能由数字和大写字母组成（不使用I、O、Z、S、V）。", "uscc_format")
    region = code[2:8]
    if not region.isdigit():
        raise _fail(field, f"{label}第3至8位应为行政区划代码（6位数字）。", "uscc_format")
    # "10" is the national level (e.g. 100000 for central registrations).
    if region[:2] not in PROVINCES and region[:2] != "10":
        raise _fail(field, f"{label}第3至8位“{region}”不是有效的行政区划代码。", "uscc_region")
    if code[-1] != uscc.calc_check_digit(code):
        raise _fail(field, f"{label}校验位错误，请核对是否输错。", "uscc_checksum")
    return code


def _organization_code_check(body: str) -> str:
    """GB 11714 组织机构代码 check character over 8 digits or letters."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(char, 36) * weight for char, weight in zip(body, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def generate_uscc(region: str, seq: int, *, authority: str = "9", entity_type: str = "1") -> str:
    """A valid USCC for demo data and tests; the organisation code (digits 9-17) carries its GB 11714 check.

    Defaults: registered by 市场监管 (9) as an enterprise (1). ``seq`` is 0..99999999.
    """
    if not 0 <= seq <= 99_999_999:
        raise ValueError("seq must be in 0..99999999")
    region = validate_division_code(region, field="region")[:6]
    org_body = f"{seq:08d}"
    org_code = org_body + _organization_code_check(org_body)
    body = f"{authority}{entity_type}{region}{org_code}"
    return validate_uscc(body + uscc.calc_check_digit(body + "0"))


# --- 手机号码 ---------------------------------------------------------------------------------------------


def validate_mobile(value: str, *, field: str = "mobile") -> str:
    """A mainland mobile number: 11 digits starting 13-19; spaces, dashes and a +86 prefix are removed."""
    number = _MOBILE_PREFIX.sub("", _SEPARATORS.sub("", _normalise(value)))
    if not number:
        raise _fail(field, "手机号码不能为空。", "mobile_required")
    if not (number.isascii() and number.isdigit()) or len(number) != 11:
        raise _fail(field, "手机号码应为11位数字。", "mobile_format")
    if not _MOBILE.match(number):
        raise _fail(field, "手机号码应以13至19开头。", "mobile_format")
    return number


# --- Django field validators ----------------------------------------------------------------------------


def _as_django(check: Callable[..., str], value: object) -> None:
    try:
        check(value if isinstance(value, str) else str(value))
    except ValidationFailed as exc:
        code = exc.errors[0].get("type", exc.code) if exc.errors else exc.code
        raise DjangoValidationError(exc.detail, code=code) from exc


def id_number_validator(value: object) -> None:
    """Django validator form of ``validate_id_number``."""
    _as_django(validate_id_number, value)


def uscc_validator(value: object) -> None:
    """Django validator form of ``validate_uscc``."""
    _as_django(validate_uscc, value)


def mobile_validator(value: object) -> None:
    """Django validator form of ``validate_mobile``."""
    _as_django(validate_mobile, value)


def division_code_validator(value: object) -> None:
    """Django validator form of ``validate_division_code``."""
    _as_django(validate_division_code, value)
