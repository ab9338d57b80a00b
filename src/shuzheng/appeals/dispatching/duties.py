"""Dispatch targets and their duties as data (``appeals/data/dispatch/duties.yaml``), and the labels the
router predicts.

A label is a department code ("EP033"), ``TOWN`` ("属地": the town government of the appeal's town) or
``"<code>@属地"`` — a matter the city department answers in 恩城街道 and the town government elsewhere
(the dispatch catalogue's town-local categories). Collapsing the twelve town governments into one label
lets the model learn "this is a local matter" once, and the appeal's town decides where it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import yaml

from shuzheng.appeals.dispatching.normalise import DATA

TOWN: Final = "属地"
LOCAL: Final = "@属地"


@dataclass(frozen=True)
class Area:
    """The city the targets serve (the ``area`` section of duties.yaml): its division code, the urban
    street whose local matters city departments answer, the prefix of a town government's department
    code before the town's division code, and the towns — data, so that routing needs no database."""

    city: str
    urban_town: str
    government_prefix: str
    towns: tuple[tuple[str, str], ...]

    def government(self, town: str) -> str:
        return f"{self.government_prefix}{town}"


@cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DATA / "duties.yaml").read_text(encoding="utf-8"))
    return loaded


@cache
def area() -> Area:
    raw = _document()["area"]
    return Area(
        city=str(raw["city"]),
        urban_town=str(raw["urban_town"]),
        government_prefix=str(raw["government_prefix"]),
        towns=tuple((str(code), str(name)) for code, name in raw["towns"]),
    )


@dataclass(frozen=True)
class Target:
    label: str
    name: str
    handles: str
    objects: tuple[str, ...]
    places: tuple[str, ...]
    laws: tuple[str, ...]
    phrases: tuple[str, ...]

    @property
    def document(self) -> str:
        """What retrieval compares an appeal with: the duty text and everything said about it."""
        return "。".join(
            [
                self.handles,
                "、".join(self.objects),
                "、".join(self.places),
                "、".join(self.laws),
                *self.phrases,
            ]
        )

    def examples(self) -> list[str]:
        """Short texts the classifier trains on besides history: phrases, objects, the duty sentence."""
        return [*self.phrases, *self.objects, self.handles]


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


@cache
def targets() -> tuple[Target, ...]:
    raw = _document()
    found: list[Target] = []
    for row in raw["targets"]:
        code, name = str(row["code"]), str(row["name"])
        found.append(
            Target(
                label=code,
                name=name,
                handles=str(row.get("handles", "")),
                objects=_tuple(row.get("objects")),
                places=_tuple(row.get("places")),
                laws=_tuple(row.get("laws")),
                phrases=_tuple(row.get("phrases")),
            )
        )
        local = row.get("local")
        if local:
            found.append(
                Target(
                    label=f"{code}{LOCAL}",
                    name=f"{name}（镇街属地）",
                    handles=str(local.get("handles", "")),
                    objects=_tuple(local.get("objects")),
                    places=_tuple(row.get("places")),
                    laws=_tuple(row.get("laws")),
                    phrases=_tuple(local.get("phrases")),
                )
            )
    return tuple(found)


def target_names() -> dict[str, str]:
    return {t.label: t.name for t in targets()}


def is_town_government(code: str) -> bool:
    where = area()
    prefix = where.government(where.city)
    return code.startswith(prefix) and len(code) == len(where.government_prefix) + 9


def town_code(value: str | None) -> str | None:
    """The 9-digit town code from a town name ("沙湖镇", "沙湖"), a town or village code, or a town
    government's department code; None when it names no town of the city."""
    value = (value or "").strip()
    if not value:
        return None
    where = area()
    value = value.removeprefix(where.government_prefix)
    if value.isdigit() and len(value) >= 9 and value.startswith(where.city):
        code = value[:9]
        return code if any(code == c for c, _ in where.towns) else None
    for code, name in where.towns:
        short = name.removesuffix("街道").removesuffix("镇")
        if value in (name, short) or value.startswith(short):
            return code
    return None


def resolve(label: str, town: str | None) -> str | None:
    """The department code a label stands for in ``town`` (None: a local matter with no known town)."""
    where = area()
    if label == TOWN:
        return where.government(town) if town else None
    if label.endswith(LOCAL):
        city_department = label.removesuffix(LOCAL)
        return where.government(town) if town and town != where.urban_town else city_department
    return label


def training_label(department: str, category: str | None, local_categories: dict[str, str]) -> str:
    """The label of a handled appeal: town governments collapse to 属地, a town-local category's
    department (city or town) to ``<city department>@属地``."""
    city = local_categories.get(category or "")
    if city and (department == city or is_town_government(department)):
        return f"{city}{LOCAL}"
    if is_town_government(department):
        return TOWN
    return department
