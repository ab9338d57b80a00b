"""One shape for every lifecycle: (from state, action) → to state. A move the table does not name is refused;
the one service that writes a record's state asks the table, so buttons, API and history agree."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class TransitionTable:
    def __init__(self, edges: Mapping[tuple[str, str], str]) -> None:
        self.edges: Mapping[tuple[str, str], str] = MappingProxyType(dict(edges))

    def target(self, state: str, action: str) -> str | None:
        """Where `action` leads from `state`, or None when the table does not allow it."""
        return self.edges.get((state, action))

    def actions_from(self, state: str) -> list[str]:
        """The actions allowed from `state`, in declaration order (the order buttons are shown in)."""
        return [action for (source, action) in self.edges if source == state]

    def actions(self) -> frozenset[str]:
        return frozenset(action for (_, action) in self.edges)

    def states(self) -> frozenset[str]:
        return frozenset(s for (s, _) in self.edges) | frozenset(self.edges.values())

    def is_final(self, state: str) -> bool:
        return not self.actions_from(state)
