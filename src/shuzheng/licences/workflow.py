"""Lifecycles of seals and licences: (from state, action) → to state, nothing else allowed.

A seal is issued active; it may be suspended and resumed, and ends revoked or expired. A licence is
issued valid; it ends revoked (注销), superseded by its next version (变更) or expired.
"""

from __future__ import annotations

from typing import Final

from shuzheng.core.transitions import TransitionTable
from shuzheng.licences.constants import LicenceAction, LicenceStatus, SealAction, SealStatus

S, A = SealStatus, SealAction
L, LA = LicenceStatus, LicenceAction

SEAL_TRANSITIONS: Final = TransitionTable(
    {
        (S.ACTIVE, A.SUSPEND): S.SUSPENDED,
        (S.ACTIVE, A.REVOKE): S.REVOKED,
        (S.ACTIVE, A.EXPIRE): S.EXPIRED,
        (S.SUSPENDED, A.RESUME): S.ACTIVE,
        (S.SUSPENDED, A.REVOKE): S.REVOKED,
        (S.SUSPENDED, A.EXPIRE): S.EXPIRED,
    }
)

LICENCE_TRANSITIONS: Final = TransitionTable(
    {
        (L.VALID, LA.REVOKE): L.REVOKED,
        (L.VALID, LA.CHANGE): L.SUPERSEDED,
        (L.VALID, LA.EXPIRE): L.EXPIRED,
    }
)
