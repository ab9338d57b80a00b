"""The full-text index of live guides (core.fulltext, doc type `catalog.guide`, doc id the 实施编码)."""

from __future__ import annotations

from typing import Any, Final

from shuzheng.catalog.constants import SEARCH_DOC_TYPE, ItemType
from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.core import fulltext
from shuzheng.core.models import SearchEntry

#: Index entries written per INSERT.
INDEX_BATCH: Final = 500


def _search_text(version: ServiceItemVersion) -> str:
    return search_text(
        {
            "name": version.name,
            "keywords": version.keywords,
            "department": version.department,
            "item_type": version.item_type,
            "guide_groups": list(version.guide_groups.all()),
            "conditions": version.conditions,
            "materials": [{"name": m.name} for m in version.materials.all()],
        }
    )


def _summary(text: str, limit: int = 80) -> str:
    """The first sentence of a text, at most `limit` characters."""
    first = text.strip().split("。")[0]
    return first[:limit]


def search_text(values: dict[str, Any]) -> str:
    """What the full-text index holds for a guide: name, keywords, department, type, groups, the start of
    the conditions and the material names. The name and keywords count twice, so a guide named after the
    query ranks above guides that only list it among their materials."""
    department = values["department"]
    return " ".join(
        [
            values["name"],
            values["name"],
            values.get("keywords") or "",
            values.get("keywords") or "",
            department.name,
            department.short_name,
            str(ItemType(values["item_type"]).label),
            " ".join(g.name for g in values.get("guide_groups") or []),
            _summary(values.get("conditions") or ""),
            " ".join(m["name"] for m in values.get("materials") or []),
        ]
    )


def index_guide(version: ServiceItemVersion) -> None:
    fulltext.index(SEARCH_DOC_TYPE, version.code, _search_text(version))


def index_many(documents: list[tuple[str, str]], segmented: dict[str, str]) -> None:
    """Add new live versions to the full-text index in one insert (their codes are not indexed yet).
    `segmented` caches the segmentation of texts seen before (synthetic items repeat a few shapes)."""
    entries = []
    for code, text in documents:
        if text not in segmented:
            segmented[text] = fulltext.segment(text)
        entries.append(SearchEntry(doc_type=SEARCH_DOC_TYPE, doc_id=code, tokens=segmented[text]))
    SearchEntry.objects.bulk_create(entries, batch_size=INDEX_BATCH)
