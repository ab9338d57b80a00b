"""Masking (脱敏) of personal data for display, exports and open data. Pure functions on strings.

Each keeps just enough for a person to recognise their own record (surname, region, last digits) and
hides the rest with ``*``; empty input stays empty.
"""

from __future__ import annotations

import re

MASK = "*"

_ADDRESS_LEVELS = re.compile(r"村|社区|居委会")


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
