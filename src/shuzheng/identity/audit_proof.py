"""Inclusion proofs: one event, its leaf, the RFC 6962 audit path to the latest signed head.

The proof is self-contained JSON; tools/verify_audit_proof.py checks it with nothing but
`cryptography` (SM3) and the SM2 library — no Django, no database.
"""

from __future__ import annotations

from typing import Any

from shuzheng.core.crypto.sm2 import DEFAULT_USER_ID
from shuzheng.core.errors import NotFound
from shuzheng.identity.audit_canonical import canonical_bytes
from shuzheng.identity.audit_keys import verification_keys
from shuzheng.identity.audit_merkle import inclusion_path
from shuzheng.identity.audit_seal import latest_head, seal, signed_head
from shuzheng.identity.models import AuditEvent, AuditLeaf

PROOF_FORMAT = "shuzheng-audit-inclusion/1"
_READ_CHUNK = 20000


def inclusion_proof(seq: int) -> dict[str, Any]:
    """The proof for event `seq` against the latest head; seals first when the event is not sealed yet."""
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise NotFound(f"审计事件 #{seq} 不存在（已归档的事件请用归档文件核对）")
    leaf = AuditLeaf.objects.filter(event_id=seq).first()
    if leaf is None:
        seal()
        leaf = AuditLeaf.objects.filter(event_id=seq).first()
    head = latest_head()
    if leaf is None or head is None or leaf.index >= head.tree_size:
        raise NotFound(f"审计事件 #{seq} 尚未封存，请先运行 shuzheng audit-verify 查看原因")
    hashes = [
        bytes.fromhex(h)
        for h in AuditLeaf.objects.filter(index__lt=head.tree_size)
        .order_by("index")
        .values_list("hash", flat=True)
        .iterator(chunk_size=_READ_CHUNK)
    ]
    return {
        "format": PROOF_FORMAT,
        "event_seq": seq,
        "canonical_event": canonical_bytes(event).decode("utf-8"),
        "leaf_index": leaf.index,
        "tree_size": head.tree_size,
        "audit_path": [h.hex() for h in inclusion_path(leaf.index, hashes)],
        "root_hash": head.root_hash,
        "signed_head": signed_head(head),
        "public_key": verification_keys().get(head.key_id, ""),
        "sm2_user_id": DEFAULT_USER_ID.decode("ascii"),
    }
