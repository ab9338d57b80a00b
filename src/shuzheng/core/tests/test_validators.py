from datetime import date, timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from stdnum.cn import ric

from shuzheng.core import validators as v
from shuzheng.core.errors import ValidationFailed


def with_check_digit(body17: str) -> str:
    """A number whose check character is right, so the other rules are what is tested."""
    return body17 + ric.calc_check_digit(body17 + "0")


def failure(call, *args, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        call(*args, **kwargs)
    error = info.value
    assert error.status == 422
    assert error.code == "validation_failed"
    assert len(error.errors) == 1
    assert error.errors[0]["message"] == error.detail
    return error


# --- 居民身份证号码 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "360426199101010071",  # python-stdnum's documented example
        "11010519491231002X",  # GB 11643 example (北京朝阳)
        "440785199003070253",  # 恩平市, born before the 1994 code existed: still a real number
    ],
)
def test_valid_id_numbers(number):
    assert v.validate_id_number(number) == number


def test_residence_permit_numbers_for_hong_kong_macao_and_taiwan_residents():
    for region in ("810000", "820000", "830000"):
        number = with_check_digit(f"{region}19900307123")
        assert v.validate_id_number(number) == number
    assert "省级代码“84”不存在" in failure(v.validate_id_number, with_check_digit("84000019900307123")).detail


def test_id_number_normalised():
    assert v.validate_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert v.validate_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"  # full width


def test_id_number_bad_check_digit():
    error = failure(v.validate_id_number, "110105194912310021", field="applicant.id_number")
    assert error.errors[0] == {
        "field": "applicant.id_number",
        "message": "居民身份证号码校验位错误，请核对是否输错。",
        "type": "id_number_checksum",
    }


def test_id_number_february_30():
    error = failure(v.validate_id_number, with_check_digit("44078519900230123"))
    assert "出生日期“19900230”不是有效日期" in error.detail
    assert error.errors[0]["type"] == "id_number_birth_date"


def test_id_number_future_birth_date():
    tomorrow = timezone.localdate() + timedelta(days=1)
    error = failure(v.validate_id_number, with_check_digit(f"440785{tomorrow:%Y%m%d}123"))
    assert "晚于今天" in error.detail


def test_id_number_too_old():
    assert "早于1900年" in failure(v.validate_id_number, with_check_digit("44078518890101123")).detail


def test_id_number_unknown_province():
    error = failure(v.validate_id_number, with_check_digit("99078519900307123"))
    assert "省级代码“99”不存在" in error.detail
    assert error.errors[0]["type"] == "id_number_region"


def test_id_number_unknown_county():
    error = failure(v.validate_id_number, with_check_digit("44999919900307123"))
    assert "地址码“449999”不是有效的行政区划代码" in error.detail


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("440785900307123", "15位旧号码"),
        ("4407851990030712", "应为18位，当前为16位"),
        ("44078519900307A23X", "前17位应为数字"),
        ("44078519900307123Y", "前17位应为数字"),
    ],
)
def test_id_number_format_errors(value, fragment):
    assert fragment in failure(v.validate_id_number, value).detail


def test_generate_id_number():
    male = v.generate_id_number("440785", date(1988, 2, 29), 3, female=False)
    female = v.generate_id_number("440785", date(1988, 2, 29), 3, female=True)
    assert male == "440785198802290071"  # order code 007 (odd: a man), check digit computed by hand
    assert female[:17] == "44078519880229006"
    assert v.validate_id_number(female) == female
    assert not v.id_number_is_female(male)
    assert v.id_number_is_female(female)
    assert v.id_number_birth_date(male) == date(1988, 2, 29)
    numbers = {
        v.generate_id_number("440785", date(2000, 1, 1), seq, female=seq % 2 == 0) for seq in range(500)
    }
    assert len(numbers) == 500
    with pytest.raises(ValueError, match="seq"):
        v.generate_id_number("440785", date(2000, 1, 1), 500, female=True)
    with pytest.raises(ValidationFailed):
        v.generate_id_number("999999", date(2000, 1, 1), 1, female=True)


# --- 统一社会信用代码 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # python-stdnum's documented example
        "91110000802100433B",  # a Beijing enterprise; its organisation code 80210043-3 checks too
        "11100000000013127D",  # a central government body, region 100000
    ],
)
def test_valid_uscc(code):
    assert v.validate_uscc(code) == code


def test_uscc_normalised():
    assert v.validate_uscc("9111 0000 6000 3734 1l") == "91110000600037341L"


@pytest.mark.parametrize(
    ("value", "fragment", "kind"),
    [
        ("91110000600037341X", "校验位错误", "uscc_checksum"),
        ("9111000060003734", "应为18位", "uscc_length"),
        ("91110000600O37341L", "不使用I、O、Z、S、V", "uscc_format"),
        ("9111A000600037341L", "第3至8位应为行政区划代码", "uscc_format"),
        ("91990000600037341L", "不是有效的行政区划代码", "uscc_region"),
        ("", "不能为空", "uscc_required"),
    ],
)
def test_invalid_uscc(value, fragment, kind):
    error = failure(v.validate_uscc, value, field="credit_code")
    assert fragment in error.detail
    assert error.errors[0]["field"] == "credit_code"
    assert error.errors[0]["type"] == kind


def test_generate_uscc():
    code = v.generate_uscc("440785", 1234)
    assert code == v.validate_uscc(code)
    assert code.startswith("91440785")
    assert code[8:17] == "000012343"
    assert v.generate_uscc("440785", 1234, authority="5", entity_type="1").startswith("51440785")
    assert len({v.generate_uscc("440785", seq) for seq in range(200)}) == 200


# --- 手机号码 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("008619912345678", "19912345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_valid_mobile(value, expected):
    assert v.validate_mobile(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("1381234567", "11位数字"),
        ("138123456789", "11位数字"),
        ("0750-7123456", "13至19开头"),  # a landline is 11 digits once the dash goes
        ("12812345678", "13至19开头"),
        ("23812345678", "13至19开头"),
        ("1381234567a", "11位数字"),
    ],
)
def test_invalid_mobile(value, fragment):
    assert fragment in failure(v.validate_mobile, value).detail


# --- 行政区划代码 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["440000", "440700", "440785", "440785001", "440785001001", "469001", "710000"]
)
def test_valid_division_codes(code):
    assert v.validate_division_code(code) == code


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("44078", "6位、9位或12位"),
        ("4407850", "6位、9位或12位"),
        ("44O785", "6位、9位或12位"),
        ("990785", "省级代码“99”不存在"),
        ("000000", "省级代码“00”不存在"),
        ("440085", "县级也应为00"),
        ("440785000001", "村级也应为000"),
    ],
)
def test_invalid_division_codes(value, fragment):
    assert fragment in failure(v.validate_division_code, value, field="division").detail


# --- Django validators ------------------------------------------------------------------------------------


def test_django_validators_raise_django_errors():
    v.id_number_validator("11010519491231002X")
    v.uscc_validator("91110000600037341L")
    v.mobile_validator("13812345678")
    v.division_code_validator("440785")
    with pytest.raises(DjangoValidationError) as info:
        v.id_number_validator("110105194912310021")
    assert info.value.messages == ["居民身份证号码校验位错误，请核对是否输错。"]
    assert info.value.code == "id_number_checksum"


def test_django_validators_on_a_form_field():
    class ApplicantForm(forms.Form):
        id_number = forms.CharField(validators=[v.id_number_validator])
        mobile = forms.CharField(validators=[v.mobile_validator])

    form = ApplicantForm(data={"id_number": "440785199002301232", "mobile": "12812345678"})
    assert not form.is_valid()
    assert form.errors["id_number"] == ["居民身份证号码中的出生日期“19900230”不是有效日期。"]
    assert form.errors["mobile"] == ["手机号码应以13至19开头。"]
