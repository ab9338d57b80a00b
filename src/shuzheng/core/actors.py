"""Who performs a write. People are users (identity); the platform acting on its own — the demo load,
automatic dispatch, scheduled tasks, commands run by an operator — is a `SystemActor`, passed explicitly,
so no service reads "no actor" as "allowed"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeGuard


@dataclass(frozen=True)
class SystemActor:
    #: What the platform is doing (shown nowhere users look; helps reading code and logs).
    reason: str = "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


class Principal(Protocol):
    """A person acting: identity's account, or Django's anonymous visitor at a public endpoint.

    Contexts below identity (orgs) cannot name its `User`; they name a person by what the audit writer
    reads of one, and identity's `User` and Django's `AnonymousUser` both satisfy it.
    """

    @property
    def is_authenticated(self) -> bool: ...

    def get_username(self) -> str: ...


#: The actor of a service below identity; `identity.actors.Actor` (with the concrete `User`) is a subtype.
Actor: TypeAlias = Principal | SystemActor


def is_system(actor: Any) -> TypeGuard[SystemActor]:
    return isinstance(actor, SystemActor)
