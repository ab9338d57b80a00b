"""Approximate positions of the city's towns for the offline map and for Open311 reports given only
``lat``/``long``.

The platform's divisions carry no coordinates, so this module holds an approximate centre (about ±3 km)
of each town of Enping, keyed by the town's name (names are real; some statistical codes are still
unverified). Villages are drawn at a deterministic schematic offset around their town's centre: the map
is a schematic overview drawn on a plain longitude/latitude grid, not a survey, and needs no tiles and no
internet. Another city replaces ``TOWN_CENTRES`` (or leaves it empty: the map then shows only appeals
that carry their own coordinates).
"""

from __future__ import annotations

import hashlib
import math
from typing import Final

from shuzheng.orgs.models import Division

#: (latitude, longitude) of each town's approximate centre (WGS-84, degrees).
TOWN_CENTRES: Final[dict[str, tuple[float, float]]] = {
    "恩城街道": (22.183, 112.305),
    "横陂镇": (22.245, 112.230),
    "圣堂镇": (22.280, 112.385),
    "良西镇": (22.150, 112.245),
    "沙湖镇": (22.330, 112.420),
    "牛江镇": (22.210, 112.375),
    "君堂镇": (22.300, 112.300),
    "大槐镇": (22.120, 112.420),
    "东成镇": (22.090, 112.300),
    "大田镇": (22.200, 112.120),
    "那吉镇": (22.290, 112.090),
    "朗底镇": (22.080, 112.180),
}
CITY_CENTRE: Final[tuple[float, float]] = (22.183, 112.305)


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
    if division.level == Division.Level.CITY:
        return CITY_CENTRE
    if division.level == Division.Level.TOWN:
        return TOWN_CENTRES.get(division.name)
    if division.level == Division.Level.VILLAGE:
        town = _town_of(division, towns)
        centre = TOWN_CENTRES.get(town.name) if town is not None else None
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
    return Division.objects.filter(code__in=codes, level=Division.Level.TOWN).first()


def towns_by_code() -> dict[str, Division]:
    return {d.code: d for d in Division.objects.filter(level=Division.Level.TOWN, is_active=True)}


def nearest_town(lat: float, lng: float, *, within_path: str = "") -> Division | None:
    """The active town whose approximate centre is nearest to (lat, lng), among the towns under
    ``within_path`` (a division path such as "/440000/440700/440785/")."""
    best: tuple[float, Division] | None = None
    qs = Division.objects.filter(level=Division.Level.TOWN, is_active=True, name__in=list(TOWN_CENTRES))
    if within_path:
        qs = qs.filter(path__startswith=within_path)
    scale = math.cos(math.radians(lat))
    for town in qs:
        tlat, tlng = TOWN_CENTRES[town.name]
        distance = (tlat - lat) ** 2 + ((tlng - lng) * scale) ** 2
        if best is None or distance < best[0]:
            best = (distance, town)
    return best[1] if best else None
