"""Approximate positions of the city's towns for the offline map and for Open311 reports given only
``lat``/``long``.

The platform's divisions carry no coordinates, so a JSON file (``SHUZHENG_MAP_TOWNS_FILE``) gives an
approximate centre (about ±3 km) of each town, keyed by the town's name, and ``SHUZHENG_MAP_CENTRE`` the
city's. Villages are drawn at a deterministic schematic offset around their town's centre: the map is a
schematic overview drawn on a plain longitude/latitude grid, not a survey, and needs no tiles and no
internet. Another city points the settings at its own file (or at none: the map then shows only appeals
that carry their own coordinates).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

if TYPE_CHECKING:
    from shuzheng.orgs.models import Division


def town_centres() -> dict[str, tuple[float, float]]:
    """(latitude, longitude) of each town's approximate centre (WGS 84, degrees), by the town's name."""
    return _read_centres(settings.SHUZHENG_MAP_TOWNS_FILE)


@functools.cache
def _read_centres(path: str) -> dict[str, tuple[float, float]]:
    if not path:
        return {}
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(name): (float(lat), float(lng)) for name, (lat, lng) in rows.items()}


def city_centre() -> tuple[float, float]:
    lat, lng = settings.SHUZHENG_MAP_CENTRE
    return float(lat), float(lng)


def _offset(code: str) -> tuple[float, float]:
    """A stable schematic offset (0.008°–0.03°) for a village around its town's centre."""
    digest = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)
    angle = (digest % 360) * math.pi / 180
    radius = 0.008 + (digest // 360 % 100) / 100 * 0.022
    return radius * math.sin(angle), radius * math.cos(angle)


def division_position(
    division: Division, towns: dict[str, Division] | None = None
) -> tuple[float, float] | None:
    """The approximate position of a town, or a schematic one for a village (its town's centre plus a
    stable offset); the city centre for the city; None when its town is unknown."""
    if division.level == DivisionLevel.CITY:
        return city_centre()
    if division.level == DivisionLevel.TOWN:
        return town_centres().get(division.name)
    if division.level == DivisionLevel.VILLAGE:
        town = _town_of(division, towns)
        centre = town_centres().get(town.name) if town is not None else None
        if centre is None:
            return None
        dlat, dlng = _offset(division.code)
        return round(centre[0] + dlat, 5), round(centre[1] + dlng, 5)
    return None


def _town_of(division: Division, towns: dict[str, Division] | None) -> Division | None:
    codes = [c for c in division.path.strip("/").split("/") if c]
    if towns is not None:
        for code in reversed(codes):
            if code in towns:
                return towns[code]
        return None
    found = orgs_selectors.divisions_by_code(codes)
    return next(
        (found[c] for c in reversed(codes) if c in found and found[c].level == DivisionLevel.TOWN), None
    )


def towns_by_code() -> dict[str, Division]:
    return {d.code: d for d in orgs_selectors.division_queryset(level=DivisionLevel.TOWN)}


def nearest_town(lat: float, lng: float, *, within_path: str = "") -> Division | None:
    """The active town whose approximate centre is nearest to (lat, lng), among the towns under
    ``within_path`` (a division path, such as the city's)."""
    best: tuple[float, Division] | None = None
    centres = town_centres()
    scale = math.cos(math.radians(lat))
    for town in orgs_selectors.division_queryset(level=DivisionLevel.TOWN, under=within_path or None):
        if town.name not in centres:
            continue
        tlat, tlng = centres[town.name]
        distance = (tlat - lat) ** 2 + ((tlng - lng) * scale) ** 2
        if best is None or distance < best[0]:
            best = (distance, town)
    return best[1] if best else None
