"""The sealer: committed audit events become leaves of an RFC 6962 Merkle tree under a signed head.

Each run takes the events that have no leaf yet, in seq order, gives them the next leaf indexes
(AuditLeaf, insert-only — events are never updated), and writes one AuditTreeHead signed with the
audit key (audit_keys; never in the database). Leaf order is sealing order: an event whose
transaction commits after a later seq was sealed is simply sealed in the next batch.

Only sealers contend for the sealer lock (a PostgreSQL advisory lock; SQLite's IMMEDIATE
transactions serialise writers anyway); business transactions never wait for it.

Runs: the Celery beat task every settings.AUDIT_SEAL_SECONDS (identity.tasks), `shuzheng audit-seal`,
first thing in `audit-verify`; without a broker (demo, eager Celery) a committed write arms a
process-local timer that seals within AUDIT_SEAL_SECONDS (`seal_soon`). After a crash between commit
and sealing the next run catches up: it looks for unsealed events, not for new seqs. A normal run
only looks back AUDIT_SEAL_LOOKBACK_SECONDS before the last sealed seq; a full run (`--full`,
audit-verify, the hourly sweep) looks at every event.

Every head is exported after its commit: one JSON line appended to settings.AUDIT_HEAD_LOG and,
when configured, POSTed to settings.AUDIT_HEAD_MIRROR_URL — so a rewrite of all three tables is
still caught by comparing with what was exported (audit_verify).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction

from shuzheng.identity.audit_canonical import canonical_bytes, canonical_json
from shuzheng.identity.audit_keys import active_signer
from shuzheng.identity.audit_merkle import Frontier, leaf_hash
from shuzheng.identity.models import AuditEvent, AuditLeaf, AuditTreeHead

logger = logging.getLogger(__name__)

HEAD_FORMAT = "shuzheng-audit-sth/1"
SEAL_BATCH = 5000
# Arbitrary, fixed: the key of the PostgreSQL advisory lock only sealers take.
SEALER_LOCK_KEY = 0x5A_A0D1_7000
_MIRROR_TIMEOUT_SECONDS = 3


class SealRefusedError(RuntimeError):
    """The leaves table has leaves no signed head covers: someone wrote them behind the sealer's back."""


@dataclass
class SealResult:
    sealed: int = 0
    heads: list[AuditTreeHead] = field(default_factory=list)
    busy: bool = False

    def summary(self) -> str:
        if self.busy:
            return "另一个封存任务正在运行，本次跳过。"
        if not self.heads:
            return "没有待封存的审计事件。"
        head = self.heads[-1]
        return (
            f"已封存 {self.sealed} 条审计事件（{len(self.heads)} 个树头），"
            f"最新树头：树大小 {head.tree_size}，根哈希 {head.root_hash}"
        )


# --- the signed head ------------------------------------------------------------------------------


def head_message(*, tree_size: int, timestamp_ms: int, root_hash: str, key_id: str) -> bytes:
    """The bytes the SM2 signature covers (canonical JSON, like the events)."""
    return canonical_json(
        {
            "format": HEAD_FORMAT,
            "key_id": key_id,
            "root_hash": root_hash,
            "timestamp_ms": timestamp_ms,
            "tree_size": tree_size,
        }
    )


def signed_head(head: AuditTreeHead) -> dict[str, Any]:
    """The head as exported and as put into proofs."""
    return {
        "format": HEAD_FORMAT,
        "tree_size": head.tree_size,
        "timestamp_ms": head.timestamp_ms,
        "root_hash": head.root_hash,
        "key_id": head.key_id,
        "signature": head.signature,
    }


def latest_head() -> AuditTreeHead | None:
    return AuditTreeHead.objects.order_by("-tree_size").first()


# --- sealing --------------------------------------------------------------------------------------


def _take_lock(*, wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _floor(head: AuditTreeHead | None, *, full: bool) -> int:
    """Events at or below this seq are all sealed, unless a transaction stayed open for the lookback."""
    if full or head is None:
        return 0
    cutoff = int(time.time() * 1000) - int(settings.AUDIT_SEAL_LOOKBACK_SECONDS * 1000)
    older = AuditTreeHead.objects.filter(timestamp_ms__lt=cutoff).order_by("-tree_size").first()
    return older.max_seq if older is not None else 0


def _seal_batch(*, wait: bool, full: bool, batch_size: int) -> tuple[AuditTreeHead | None, int, bool]:
    """One transaction: (new head or None, events sealed, lock was busy)."""
    with transaction.atomic():
        if not _take_lock(wait=wait):
            return None, 0, True
        head = latest_head()
        size = head.tree_size if head is not None else 0
        if AuditLeaf.objects.filter(index__gte=size).exists():
            raise SealRefusedError(
                f"审计叶子表中有树头 #{size} 之外的叶子（未经签名，可能是伪造插入），拒绝在其上封存；"
                "请运行 shuzheng audit-verify 查看。"
            )
        events = list(
            AuditEvent.objects.filter(seq__gt=_floor(head, full=full), leaf__isnull=True).order_by("seq")[
                :batch_size
            ]
        )
        if not events:
            return None, 0, False
        frontier = Frontier(size, [bytes.fromhex(h) for h in head.frontier] if head is not None else [])
        leaves = []
        for event in events:
            digest = leaf_hash(canonical_bytes(event))
            leaves.append(AuditLeaf(index=frontier.size, event_id=event.seq, hash=digest.hex()))
            frontier.append(digest)
        AuditLeaf.objects.bulk_create(leaves)
        key_id, signer = active_signer()
        timestamp_ms = max(int(time.time() * 1000), head.timestamp_ms if head is not None else 0)
        root = frontier.root().hex()
        new_head = AuditTreeHead.objects.create(
            tree_size=frontier.size,
            root_hash=root,
            timestamp_ms=timestamp_ms,
            key_id=key_id,
            signature=signer.sign(
                head_message(
                    tree_size=frontier.size, timestamp_ms=timestamp_ms, root_hash=root, key_id=key_id
                )
            ),
            frontier=[h.hex() for h in frontier.hashes()],
            max_seq=max(events[-1].seq, head.max_seq if head is not None else 0),
        )
    return new_head, len(events), False


def seal(*, wait: bool = True, full: bool = False, batch_size: int = SEAL_BATCH) -> SealResult:
    """Seal every unsealed committed event, `batch_size` per head; meant to run in its own transaction.

    `wait=False` returns at once (busy) when another sealer holds the lock. Each head is exported
    right after its transaction commits.
    """
    result = SealResult()
    while True:
        head, count, busy = _seal_batch(wait=wait, full=full, batch_size=batch_size)
        if busy:
            result.busy = True
            return result
        if head is None:
            return result
        export_head(head)
        result.sealed += count
        result.heads.append(head)


# --- export ---------------------------------------------------------------------------------------


def export_head(head: AuditTreeHead) -> None:
    """Append the signed head to the head log (one JSON line) and POST it to the mirror, if any.

    A failed export is logged, not raised: the head is committed, and audit-verify lists heads
    missing from the log.
    """
    line = json.dumps(signed_head(head), sort_keys=True, separators=(",", ":")) + "\n"
    path = Path(settings.AUDIT_HEAD_LOG)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="ascii") as log:
            log.write(line)
    except OSError:
        logger.exception("audit.head_export_failed: %s", path)
    if settings.AUDIT_HEAD_MIRROR_URL:
        request = urllib.request.Request(  # noqa: S310 (the operator's configured URL)
            settings.AUDIT_HEAD_MIRROR_URL,
            data=line.encode("ascii"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=_MIRROR_TIMEOUT_SECONDS):  # noqa: S310
                pass
        except OSError:
            logger.exception("audit.head_mirror_failed: %s", settings.AUDIT_HEAD_MIRROR_URL)


# --- sealing without a broker ---------------------------------------------------------------------

_timer_lock = threading.Lock()
_pending: threading.Timer | None = None


def seal_soon() -> None:
    """on_commit hook when no Celery beat runs (settings.AUDIT_SEAL_AFTER_COMMIT): seal in a
    background thread at most AUDIT_SEAL_SECONDS after this commit; one timer per process at a time."""
    global _pending
    with _timer_lock:
        if _pending is not None:
            return
        _pending = threading.Timer(settings.AUDIT_SEAL_SECONDS, _seal_in_background)
        _pending.daemon = True
        _pending.start()


def _seal_in_background() -> None:
    global _pending
    with _timer_lock:
        _pending = None  # commits from now on arm a new timer
    try:
        seal()
    except OperationalError as exc:  # SQLite busy past its timeout (a long bulk load): try again later
        logger.warning("audit.seal_deferred: %s; retrying in %s s", exc, settings.AUDIT_SEAL_SECONDS)
        seal_soon()
    except Exception:
        logger.exception("audit.seal_failed")
    finally:
        connections.close_all()
