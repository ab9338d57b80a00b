"""The rectification (差评整改) lifecycle as a transition table; `services.rectification_transition`
is the only writer of a rectification's status and checks every change against it.

    open ──callback──▶ called_back ──result──▶ rectified ──check pass──▶ verified
      │                                          ▲   │
      └──result (no call-back required)──────────┘   └──check fail──▶ rejected ──result──▶ rectified

Any status that is not final can be closed when the evaluation is voided after an upheld appeal.
"""

from __future__ import annotations

from typing import Final

from shuzheng.evaluation.constants import RectificationStatus as S

ALLOWED_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.OPEN: frozenset({S.CALLED_BACK, S.RECTIFIED, S.CLOSED}),
    S.CALLED_BACK: frozenset({S.RECTIFIED, S.CLOSED}),
    S.RECTIFIED: frozenset({S.VERIFIED, S.REJECTED, S.CLOSED}),
    S.REJECTED: frozenset({S.RECTIFIED, S.CLOSED}),
    S.VERIFIED: frozenset(),
    S.CLOSED: frozenset(),
}

#: What each action is called in the history and the audit chain.
ACTIONS: Final[dict[str, str]] = {
    S.CALLED_BACK: "callback",
    S.RECTIFIED: "result",
    S.VERIFIED: "check_pass",
    S.REJECTED: "check_fail",
    S.CLOSED: "close",
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())
