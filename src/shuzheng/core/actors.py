"""Who performs a write. People are users (identity); the platform acting on its own — the demo load,
automatic dispatch, scheduled tasks, commands run by an operator — is a `SystemActor`, passed explicitly,
so no service reads "no actor" as "allowed"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard


@dataclass(frozen=True)
class SystemActor:
    #: What the platform is doing (shown nowhere users look; helps reading code and logs).
    reason: str = "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def is_system(actor: Any) -> TypeGuard[SystemActor]:
    return isinstance(actor, SystemActor)
