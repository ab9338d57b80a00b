"""The rectification (差评整改) lifecycle as a transition table;
`services.rectifications.rectification_transition` is the only writer of a rectification's status and
checks every change against it.

    open ──return_visit──▶ return_visited ──result──▶ rectified ──check_pass──▶ verified
      │                                                 ▲   │
      └──result (no return visit required)──────────────┘   └──check_fail──▶ rejected ──result──▶ rectified

Any status that is not final can be closed when the evaluation is voided after an upheld dispute.
"""

from __future__ import annotations

from typing import Final

from django.db import models

from shuzheng.core.transitions import TransitionTable
from shuzheng.evaluation.constants import RectificationStatus as S


class RectificationAction(models.TextChoices):
    """What each move is called in the history and the audit log (opening is not a move: it creates)."""

    RETURN_VISIT = "return_visit", "回访"
    RESULT = "result", "提交整改结果"
    CHECK_PASS = "check_pass", "核查通过"
    CHECK_FAIL = "check_fail", "核查不通过"
    CLOSE = "close", "关闭"


A = RectificationAction

RECTIFICATION: Final = TransitionTable(
    {
        (S.OPEN, A.RETURN_VISIT): S.RETURN_VISITED,
        (S.OPEN, A.RESULT): S.RECTIFIED,
        (S.OPEN, A.CLOSE): S.CLOSED,
        (S.RETURN_VISITED, A.RESULT): S.RECTIFIED,
        (S.RETURN_VISITED, A.CLOSE): S.CLOSED,
        (S.RECTIFIED, A.CHECK_PASS): S.VERIFIED,
        (S.RECTIFIED, A.CHECK_FAIL): S.REJECTED,
        (S.RECTIFIED, A.CLOSE): S.CLOSED,
        (S.REJECTED, A.RESULT): S.RECTIFIED,
        (S.REJECTED, A.CLOSE): S.CLOSED,
    }
)

#: The one status each action leads to, wherever it starts (for the refusal message).
ACTION_TARGETS: Final = {action: target for (_, action), target in RECTIFICATION.edges.items()}
