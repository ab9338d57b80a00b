"""Sections of the clerk's case page that higher contexts add (cases may not import them): each registered
provider gets the case and the viewing user and returns ``{"template": ..., **context}`` or None. The page
renders each with its template, as ``panel`` (e.g. instant_approval's 秒批 conditions and their results)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shuzheng.cases.models import Case

Panel = Callable[[Case, Any], dict[str, Any] | None]

_providers: dict[str, Panel] = {}


def register(key: str, provider: Panel) -> None:
    """Add (or replace, by key) a provider; called from an AppConfig.ready()."""
    _providers[key] = provider


def panels_for(case: Case, user: Any) -> list[dict[str, Any]]:
    return [panel for provider in _providers.values() if (panel := provider(case, user)) is not None]
