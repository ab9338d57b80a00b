import pytest

from shuzheng.core.masking import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_middle,
    mask_mobile,
    mask_name,
)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("张", "*"), ("", ""), (" 李四 ", "李*")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_id_number_keeps_region_and_last_four():
    assert mask_id_number("440785199003070253") == "440785********0253"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("1234") == "****"


def test_mask_mobile():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("") == ""
    assert mask_mobile("12345") == "*****"


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("广东省江门市恩平市恩城街道西门社区新平北路8号", "广东省江门市恩平市恩城街道西门社区****"),
        ("恩平市圣堂镇大湖村委会大湖村12号", "恩平市圣堂镇大湖村****"),
        ("恩平市君堂镇江洲居委会南街3号", "恩平市君堂镇江洲居委会****"),
        ("恩平市东成镇横江村", "恩平市东成镇横江村"),
        ("江门市蓬江区建设路88号", "江门市蓬江区****"),
        ("锦江路3号", "锦江****"),
        ("", ""),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("a@enping.gov.cn", "a***@enping.gov.cn"),
        ("@example.com", "***@example.com"),
        ("no-at-sign", "n*********"),
        ("", ""),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def test_mask_middle():
    assert mask_middle("abcdefgh", 2, 2) == "ab****gh"
    assert mask_middle("abcd", 2, 2) == "****"
