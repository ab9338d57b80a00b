"""Integrity of the hand-written dispatch evaluation set (tests/data/dispatch_eval).

The set is evaluation-only; these checks keep it usable as a yardstick: every label is a real dispatch
target, every target is represented, the Cantonese share holds and the rows are distinct. The allowed
codes are written out here on purpose, so that a change to the organisation cannot silently redefine
what the set measures.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

SET_PATH = Path(__file__).parent / "data" / "dispatch_eval" / "appeals.jsonl"

#: City departments (EP001-01, the 12345 centre itself, is not a target).
CITY_TARGETS = frozenset({
    "EP001", "EP002", "EP003", "EP004", "EP005", "EP006", "EP007", "EP008", "EP009", "EP010", "EP011",
    "EP012", "EP013", "EP014", "EP015", "EP016", "EP017", "EP018", "EP019", "EP020", "EP021", "EP022",
    "EP023", "EP024", "EP025", "EP026", "EP027", "EP028", "EP029", "EP030", "EP031", "EP032",
    "EP004-01", "EP023-01",
})  # fmt: skip
MEMBER_UNITS = frozenset({"EP033", "EP034", "EP035", "EP036", "EP037", "EP038", "EP039"})
TOWNS = {
    "恩城街道": "EP440785001",
    "横陂镇": "EP440785100",
    "圣堂镇": "EP440785101",
    "良西镇": "EP440785102",
    "沙湖镇": "EP440785103",
    "牛江镇": "EP440785104",
    "君堂镇": "EP440785105",
    "大槐镇": "EP440785106",
    "东成镇": "EP440785107",
    "大田镇": "EP440785108",
    "那吉镇": "EP440785109",
    "朗底镇": "EP440785110",
}
TARGETS = CITY_TARGETS | MEMBER_UNITS | frozenset(TOWNS.values())
APPEAL_TYPES = {"投诉", "求助", "咨询", "建议", "举报", "表扬"}
STYLES = {"mandarin", "cantonese", "operator", "enterprise", "multi"}
#: Written Cantonese that standard Mandarin does not use; a "cantonese" row must contain one.
CANTONESE_MARKERS = (
    "喺", "咗", "嘅", "冇", "唔", "佢", "乜", "啲", "嘢", "嚟", "喎", "咩", "㗎", "嗰", "噉", "畀", "攞",
    "揾", "搵", "冚", "哋", "點解", "点解", "邊度", "边度", "而家", "琴日", "搞掂", "係", "瞓", "揸",
)  # fmt: skip
MIN_ROWS = 660
MIN_PER_TARGET = 8


@cache
def _rows() -> tuple[dict[str, Any], ...]:
    lines = SET_PATH.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def test_size_and_unique_ids_and_texts() -> None:
    rows = _rows()
    assert len(rows) >= MIN_ROWS
    ids = [r["id"] for r in rows]
    assert all(re.fullmatch(r"E\d{4}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts), [t for t, c in Counter(texts).items() if c > 1]


def test_fields_are_well_formed() -> None:
    for r in _rows():
        assert set(r) <= {
            "id",
            "text",
            "town",
            "appeal_type",
            "department_code",
            "assisting",
            "style",
            "note",
        }, r
        assert 5 <= len(r["text"]) <= 300, r["id"]
        assert r["town"] == "" or r["town"] in TOWNS, r["id"]
        assert r["appeal_type"] in APPEAL_TYPES, r["id"]
        assert r["style"] in STYLES, r["id"]


def test_every_label_is_a_known_target() -> None:
    for r in _rows():
        assert r["department_code"] in TARGETS, r["id"]
        assisting = r["assisting"]
        assert isinstance(assisting, list), r["id"]
        assert set(assisting) <= TARGETS, r["id"]
        assert r["department_code"] not in assisting, r["id"]
        assert len(set(assisting)) == len(assisting), r["id"]


def test_town_government_labels_agree_with_the_town_given() -> None:
    for r in _rows():
        if r["department_code"] in TOWNS.values() and r["town"]:
            assert TOWNS[r["town"]] == r["department_code"], r["id"]


def test_every_target_has_enough_rows() -> None:
    counts = Counter(r["department_code"] for r in _rows())
    thin = {code: counts[code] for code in TARGETS if counts[code] < MIN_PER_TARGET}
    assert not thin, thin


def test_style_mix_and_cantonese_rows_are_cantonese() -> None:
    rows = _rows()
    styles = Counter(r["style"] for r in rows)
    assert set(styles) == STYLES
    assert styles["cantonese"] * 3 >= len(rows)
    plain = [
        r["id"]
        for r in rows
        if r["style"] == "cantonese" and not any(m in r["text"] for m in CANTONESE_MARKERS)
    ]
    assert not plain, plain
