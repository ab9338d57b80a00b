"""Masking (脱敏) of personal data for display, exports and open data. Pure functions on strings.

Each keeps just enough for a person to recognise their own record (surname, region, last digits) and
hides the rest with ``*``; empty input stays empty.
"""

from __future__ import annotations

import re

MASK = "*"

_ADDRESS_LEVELS = re.compile(r"村|社区|居委会")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)(0\d{2,3})[-\s]?(\d{3,4})(\d{4})(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}\d{3}|\d{6}\d{2})([0-9Xx])(?![0-9A-Za-z])")
#: Common surnames (the first hundred or so of the 百家姓 by frequency): a name must start with one.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤岑欧司"
)
_CJK = "\u4e00-\u9fff"
#: "姓名：张三", "我叫张三", "联系人张三" → the name after the label.
_LABELLED_NAME = re.compile(
    rf"(姓名|名字|联系人|诉求人|反映人|投诉人|我叫|本人)([:：是为\s]*)([{_SURNAMES}][{_CJK}]{{1,2}})"
)
#: "张先生", "李女士", "陈三师傅" → the name before the form of address.
_TITLED_NAME = re.compile(rf"([{_SURNAMES}][{_CJK}]?)(先生|女士|小姐|师傅|阿姨|大爷|大妈|伯|叔|姐)")


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters; mask everything between.

    When the value is too short to hide anything that way, all of it is masked.
    """
    value = value.strip()
    hidden = len(value) - keep_start - keep_end
    if hidden <= 0:
        return MASK * len(value)
    return value[:keep_start] + MASK * hidden + value[len(value) - keep_end :]


def mask_name(name: str) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*, 欧阳娜娜 -> 欧**娜, 张 -> *."""
    name = name.strip()
    if len(name) <= 1:
        return MASK * len(name)
    if len(name) == 2:
        return name[0] + MASK
    return mask_middle(name, 1, 1)


def mask_id_number(number: str) -> str:
    """Keep the region (first 6) and the last 4: 440785199003071234 -> 440785********1234."""
    return mask_middle(number, 6, 4)


def mask_mobile(number: str) -> str:
    """13812345678 -> 138****5678 (first 3, last 4)."""
    return mask_middle(number, 3, 4)


def mask_address(address: str) -> str:
    """Keep the address down to the village or community (first 村/社区/居委会), hide the rest.

    广东省江门市恩平市恩城街道西门社区新平路8号 -> 广东省江门市恩平市恩城街道西门社区****; with no such word,
    keep the first 6 characters (at most half of a short address) and append ****.
    """
    address = address.strip()
    if not address:
        return ""
    match = _ADDRESS_LEVELS.search(address)
    if match:
        kept = address[: match.end()]
        return kept if kept == address else kept + MASK * 4
    return address[: min(6, len(address) // 2)] + MASK * 4


def mask_email(email: str) -> str:
    """zhangsan@example.com -> z***@example.com; the length of the local part is not revealed."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at:
        return mask_middle(email, 1, 0)
    if not local:
        return MASK * 3 + at + domain
    return local[0] + MASK * 3 + at + domain


def mask_free_text(text: str, *, names: tuple[str, ...] | list[str] = ()) -> str:
    """Free text (an appeal's story) as the public may read it.

    Masked: every occurrence of each of ``names`` (the reporter's own name; ``mask_name``); Chinese names
    after a label (姓名、名字、联系人、诉求人、反映人、投诉人、我叫、本人) or before a form of address
    (先生、女士、小姐、师傅、阿姨、大爷、大妈、伯、叔、姐) when they start with a common surname; mobile
    numbers (``mask_mobile``), landline numbers (area code kept) and 15/18-digit ID numbers
    (``mask_id_number``). Other names in free prose cannot be found reliably and are not masked.
    """
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}{MASK * 4}{m.group(3)}", text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: f"{m.group(1)}-{MASK * len(m.group(2))}{m.group(3)}", text)
    text = _LABELLED_NAME.sub(lambda m: m.group(1) + m.group(2) + mask_name(m.group(3)), text)
    return _TITLED_NAME.sub(lambda m: mask_name(m.group(1)) + m.group(2), text)
