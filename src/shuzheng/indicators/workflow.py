"""The life cycle of an IT project (plan section 五, 附件2 #16): states, actions, and the transition table."""

from __future__ import annotations

from typing import Final

from django.db import models

from shuzheng.core.transitions import TransitionTable


class ProjectState(models.TextChoices):
    RESERVE = "reserve", "储备"
    APPROVED = "approved", "立项"
    PROCUREMENT = "procurement", "采购"
    IMPLEMENTATION = "implementation", "实施"
    PRELIMINARY = "preliminary", "初验"
    FINAL = "final", "终验"
    OPERATION = "operation", "运维"
    EVALUATED = "evaluated", "绩效评估"
    TERMINATED = "terminated", "终止"


class ProjectAction(models.TextChoices):
    APPROVE = "approve", "立项"
    PROCURE = "procure", "启动采购"
    IMPLEMENT = "implement", "开始实施"
    ACCEPT_PRELIMINARY = "accept_pre", "初步验收"
    ACCEPT_FINAL = "accept_final", "终验"
    OPERATE = "operate", "转入运维"
    EVALUATE = "evaluate", "绩效评估"
    TERMINATE = "terminate", "终止"


_S, _A = ProjectState, ProjectAction
_FLOW: Final = (
    (_S.RESERVE, _A.APPROVE, _S.APPROVED),
    (_S.APPROVED, _A.PROCURE, _S.PROCUREMENT),
    (_S.PROCUREMENT, _A.IMPLEMENT, _S.IMPLEMENTATION),
    (_S.IMPLEMENTATION, _A.ACCEPT_PRELIMINARY, _S.PRELIMINARY),
    (_S.PRELIMINARY, _A.ACCEPT_FINAL, _S.FINAL),
    (_S.FINAL, _A.OPERATE, _S.OPERATION),
    (_S.OPERATION, _A.EVALUATE, _S.EVALUATED),
)
#: Any project not yet accepted can be terminated.
_TERMINABLE: Final = (_S.RESERVE, _S.APPROVED, _S.PROCUREMENT, _S.IMPLEMENTATION, _S.PRELIMINARY)

TRANSITIONS: Final = TransitionTable(
    {
        **{(str(a), str(b)): str(c) for a, b, c in _FLOW},
        **{(str(s), str(_A.TERMINATE)): str(_S.TERMINATED) for s in _TERMINABLE},
    }
)
