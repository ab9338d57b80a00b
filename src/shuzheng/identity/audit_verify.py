"""audit-verify: check the whole audit log and report every break, not just the first.

In one pass over the leaves (keyset batches) it recomputes every leaf hash from its event, the root
of every tree head from the leaves (so consecutive heads are consistent: each one's tree is a prefix
of the next), every head's SM2 signature against the configured keys, and compares the heads with
the ones exported outside the database (settings.AUDIT_HEAD_LOG). Events purged into an archive keep
their leaves; their leaf hashes are checked against the archive file by `audit-verify --archives`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max

from shuzheng.core.crypto import sm2
from shuzheng.identity.audit_canonical import canonical_bytes
from shuzheng.identity.audit_keys import verification_keys
from shuzheng.identity.audit_merkle import Frontier, leaf_hash
from shuzheng.identity.audit_seal import HEAD_FORMAT, head_message
from shuzheng.identity.models import AuditArchive, AuditEvent, AuditLeaf, AuditTreeHead

VERIFY_BATCH = 5000
_LISTED_SEQS = 10


class Problem:
    """Stable codes for callers; each Break carries the Chinese text for people."""

    LEAF_MISMATCH = "leaf_mismatch"
    EVENT_MISSING = "event_missing"
    LEAF_GAP = "leaf_gap"
    UNSIGNED_LEAVES = "unsigned_leaves"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    ROOT_MISMATCH = "root_mismatch"
    FRONTIER_MISMATCH = "frontier_mismatch"
    TIME_BACKWARDS = "time_backwards"
    HEAD_BEYOND_LEAVES = "head_beyond_leaves"
    EXPORT_UNREADABLE = "export_unreadable"
    EXPORT_BAD_SIGNATURE = "export_bad_signature"
    EXPORT_MISMATCH = "export_mismatch"
    EXPORT_ROLLBACK = "export_rollback"
    HEAD_MISSING = "head_missing"


@dataclass(frozen=True)
class Break:
    problem: str
    detail: str
    leaf_index: int | None = None
    tree_size: int | None = None
    seqs: tuple[int, ...] = ()


@dataclass
class VerifyReport:
    leaves: int = 0
    heads: int = 0
    exported: int = 0
    archived_through: int = 0
    latest_root: str = ""
    breaks: list[Break] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def summary(self) -> str:
        archived = f"，叶子 #{self.archived_through - 1} 及以前的事件已归档" if self.archived_through else ""
        if self.ok:
            return (
                f"审计日志完整：{self.leaves} 个叶子，{self.heads} 个签名树头（外部导出 {self.exported} 个）"
                f"{archived}，最新根哈希 {self.latest_root or '（空）'}"
            )
        return (
            f"审计日志发现 {len(self.breaks)} 处问题（{self.leaves} 个叶子，{self.heads} 个树头{archived}）"
        )


def _signature_break(head: dict[str, Any], keys: dict[str, str], *, exported: bool) -> Break | None:
    where = "导出日志中的" if exported else ""
    size = head["tree_size"]
    public = keys.get(head["key_id"])
    if public is None:
        return Break(
            Problem.EXPORT_BAD_SIGNATURE if exported else Problem.UNKNOWN_KEY,
            f"{where}树头（树大小 {size}）由未登记的密钥 {head['key_id']} 签名：树头被伪造或重签",
            tree_size=size,
        )
    message = head_message(
        tree_size=size, timestamp_ms=head["timestamp_ms"], root_hash=head["root_hash"], key_id=head["key_id"]
    )
    if not sm2.verify(message, head["signature"], public):
        return Break(
            Problem.EXPORT_BAD_SIGNATURE if exported else Problem.BAD_SIGNATURE,
            f"{where}树头（树大小 {size}）的 SM2 签名无效：树头内容被改动",
            tree_size=size,
        )
    return None


def read_exported_heads(path: Path) -> tuple[dict[int, dict[str, Any]], list[Break]]:
    """tree size -> exported head; unreadable lines are breaks (nobody but the sealer writes there)."""
    heads: dict[int, dict[str, Any]] = {}
    problems: list[Break] = []
    if not path.exists():
        return heads, problems
    with path.open("rb") as log:
        for number, raw in enumerate(log, start=1):
            try:
                head = json.loads(raw)
                if head.get("format") != HEAD_FORMAT:
                    raise ValueError("format")
                heads[int(head["tree_size"])] = head
            except (ValueError, KeyError, TypeError, AttributeError):
                problems.append(Break(Problem.EXPORT_UNREADABLE, f"导出日志 {path} 第 {number} 行无法解析"))
    return heads, problems


def _head_rows(batch_size: int) -> Iterator[dict[str, Any]]:
    after = -1
    fields = ("tree_size", "root_hash", "timestamp_ms", "key_id", "signature", "frontier")
    while rows := list(
        AuditTreeHead.objects.filter(tree_size__gt=after).order_by("tree_size").values(*fields)[:batch_size]
    ):
        yield from rows
        after = rows[-1]["tree_size"]


def _leaf_batches(batch_size: int) -> Iterator[list[tuple[int, int, str, AuditEvent | None]]]:
    """(index, event seq, stored hash, event or None) in index order; two queries per batch."""
    after = -1
    while rows := list(
        AuditLeaf.objects.filter(index__gt=after)
        .order_by("index")
        .values_list("index", "event_id", "hash")[:batch_size]
    ):
        events = AuditEvent.objects.in_bulk([seq for _, seq, _ in rows])
        yield [(index, seq, digest, events.get(seq)) for index, seq, digest in rows]
        after = rows[-1][0]


@dataclass
class _RootGroup:
    """Consecutive heads whose root does not match the leaves: one break, located by the last good head."""

    last_good: int
    first_bad: int
    last_bad: int
    count: int = 1


class _Verifier:
    def __init__(self, report: VerifyReport, exported: dict[int, dict[str, Any]], batch_size: int) -> None:
        self.report = report
        self.exported = exported
        self.keys = verification_keys()
        self.frontier = Frontier()
        self.heads = _head_rows(batch_size)
        self.next_head = next(self.heads, None)
        self.export_sizes = sorted(exported)
        self.export_pos = 0
        self.group: _RootGroup | None = None
        self.last_good = 0
        self.last_timestamp = 0
        self.db_sizes: set[int] = set()
        self.db_signatures: dict[int, str] = {}

    def add(self, problem: Break) -> None:
        self.report.breaks.append(problem)

    def leaf(self, index: int, seq: int, stored: str, event: AuditEvent | None) -> None:
        if index != self.frontier.size:
            self.add(
                Break(
                    Problem.LEAF_GAP,
                    f"叶子 #{self.frontier.size}–#{index - 1} 缺失：叶子被删除",
                    leaf_index=self.frontier.size,
                )
            )
            while self.frontier.size < index:  # keep the indexes aligned so later heads are still located
                self.frontier.append(b"\x00" * 32)
                self.at_size()
        if event is not None:
            recomputed = leaf_hash(canonical_bytes(event)).hex()
            if recomputed != stored:
                self.add(
                    Break(
                        Problem.LEAF_MISMATCH,
                        f"叶子 #{index}（事件 #{seq}）的哈希与事件内容不符：事件被改动",
                        leaf_index=index,
                        seqs=(seq,),
                    )
                )
        elif index >= self.report.archived_through:
            self.add(
                Break(
                    Problem.EVENT_MISSING,
                    f"叶子 #{index} 对应的事件 #{seq} 不存在，也不在归档中：事件被删除",
                    leaf_index=index,
                    seqs=(seq,),
                )
            )
        self.frontier.append(bytes.fromhex(stored))
        self.at_size()

    def at_size(self) -> None:
        size = self.frontier.size
        while self.next_head is not None and self.next_head["tree_size"] <= size:
            if self.next_head["tree_size"] == size:
                self.head(self.next_head)
            self.next_head = next(self.heads, None)
        while self.export_pos < len(self.export_sizes) and self.export_sizes[self.export_pos] <= size:
            exported_size = self.export_sizes[self.export_pos]
            if exported_size == size:
                self.exported_head(self.exported[size])
            self.export_pos += 1

    def head(self, head: dict[str, Any]) -> None:
        size = head["tree_size"]
        self.db_sizes.add(size)
        self.db_signatures[size] = head["signature"]
        self.report.heads += 1
        self.report.latest_root = head["root_hash"]
        problem = _signature_break(head, self.keys, exported=False)
        if problem is not None:
            self.add(problem)
        if head["timestamp_ms"] < self.last_timestamp:
            self.add(
                Break(Problem.TIME_BACKWARDS, f"树头（树大小 {size}）的时间早于前一个树头", tree_size=size)
            )
        self.last_timestamp = max(self.last_timestamp, head["timestamp_ms"])
        if self.frontier.root().hex() == head["root_hash"]:
            self.close_group()
            self.last_good = size
            # Only meaningful when the root holds: otherwise it differs because the leaves do.
            if head["frontier"] != [h.hex() for h in self.frontier.hashes()]:
                self.add(
                    Break(
                        Problem.FRONTIER_MISMATCH,
                        f"树头（树大小 {size}）记录的右边界哈希被改动",
                        tree_size=size,
                    )
                )
        elif self.group is None:
            self.group = _RootGroup(last_good=self.last_good, first_bad=size, last_bad=size)
        else:
            self.group.last_bad, self.group.count = size, self.group.count + 1

    def close_group(self) -> None:
        group, self.group = self.group, None
        if group is None:
            return
        seqs = tuple(
            AuditLeaf.objects.filter(index__gte=group.last_good, index__lt=group.first_bad)
            .order_by("index")
            .values_list("event_id", flat=True)[:_LISTED_SEQS]
        )
        listed = "、".join(f"#{s}" for s in seqs)
        self.add(
            Break(
                Problem.ROOT_MISMATCH,
                f"树头（树大小 {group.first_bad}"
                + (f" 至 {group.last_bad}，共 {group.count} 个" if group.count > 1 else "")
                + f"）的根哈希与按叶子重算的不符：叶子 #{group.last_good}–#{group.first_bad - 1}"
                f"（事件 {listed}{'…' if len(seqs) == _LISTED_SEQS else ''}）中有叶子被改动、插入或替换",
                leaf_index=group.last_good,
                tree_size=group.first_bad,
                seqs=seqs,
            )
        )

    def exported_head(self, head: dict[str, Any]) -> None:
        size = head["tree_size"]
        problem = _signature_break(head, self.keys, exported=True)
        if problem is not None:
            self.add(problem)
            return
        if self.db_signatures.get(size) == head["signature"]:
            return  # the same signed head as in the database: its root was checked there
        if self.frontier.root().hex() != head["root_hash"]:
            self.add(
                Break(
                    Problem.EXPORT_MISMATCH,
                    f"导出的树头（树大小 {size}）与数据库叶子重算的根哈希不符：数据库中的历史被改写",
                    tree_size=size,
                )
            )

    def finish(self) -> None:
        self.close_group()
        size = self.frontier.size
        self.report.leaves = size
        while self.next_head is not None:
            self.head_beyond(self.next_head["tree_size"], exported=False)
            self.report.heads += 1
            self.db_sizes.add(self.next_head["tree_size"])
            self.next_head = next(self.heads, None)
        for exported_size in self.export_sizes[self.export_pos :]:
            self.head_beyond(exported_size, exported=True)
        last_signed = max(self.db_sizes, default=0)
        if size > last_signed:
            self.add(
                Break(
                    Problem.UNSIGNED_LEAVES,
                    f"叶子 #{last_signed}–#{size - 1} 不在任何签名树头内：叶子被伪造插入",
                    leaf_index=last_signed,
                )
            )
        for exported_size in self.export_sizes:
            if exported_size <= size and exported_size not in self.db_sizes:
                self.add(
                    Break(
                        Problem.HEAD_MISSING,
                        f"导出日志中的树头（树大小 {exported_size}）在数据库中不存在：树头记录被删除",
                        tree_size=exported_size,
                    )
                )
        unexported = len(self.db_sizes - set(self.export_sizes))
        if unexported:
            self.report.notices.append(
                f"{unexported} 个树头不在导出日志 {settings.AUDIT_HEAD_LOG} 中"
                "（导出失败，或日志是后来才配置的）"
            )

    def head_beyond(self, tree_size: int, *, exported: bool) -> None:
        where = "导出日志中" if exported else "数据库中"
        self.add(
            Break(
                Problem.EXPORT_ROLLBACK if exported else Problem.HEAD_BEYOND_LEAVES,
                f"{where}有树大小为 {tree_size} 的树头，但现存叶子只有 {self.frontier.size} 个："
                "末尾的事件与叶子被删除（回滚）",
                leaf_index=self.frontier.size,
                tree_size=tree_size,
            )
        )


def _unsealed_notice() -> str:
    """Events without a leaf. Not a break: they committed after the sealing run that preceded this
    check (or the sealer refused to build on forged leaves, which is reported as a break)."""
    seqs = list(
        AuditEvent.objects.filter(leaf__isnull=True)
        .order_by("seq")
        .values_list("seq", flat=True)[: _LISTED_SEQS + 1]
    )
    if not seqs:
        return ""
    listed = "、".join(f"#{s}" for s in seqs[:_LISTED_SEQS])
    more = "…" if len(seqs) > _LISTED_SEQS else ""
    return f"尚未封存的事件：{listed}{more}（在本次封存之后提交，下次封存时纳入）"


def verify_log(
    *, batch_size: int = VERIFY_BATCH, progress: Callable[[int], object] | None = None
) -> VerifyReport:
    """Check leaves, heads, signatures and the exported heads; run `seal(full=True)` first (the command does).

    `progress(n)` is called after each batch with the number of leaves just checked.
    """
    report = VerifyReport()
    report.archived_through = AuditArchive.objects.aggregate(m=Max("tree_size"))["m"] or 0
    exported, unreadable = read_exported_heads(Path(settings.AUDIT_HEAD_LOG))
    report.exported = len(exported)
    report.breaks.extend(unreadable)
    verifier = _Verifier(report, exported, batch_size)
    for batch in _leaf_batches(batch_size):
        for row in batch:
            verifier.leaf(*row)
        if progress is not None:
            progress(len(batch))
    verifier.finish()
    unsealed = _unsealed_notice()
    if unsealed:
        report.notices.append(unsealed)
    return report


def leaf_count_hint() -> int:
    """Leaves `verify_log` will walk (the latest head's size), for a progress bar; no COUNT(*)."""
    return AuditTreeHead.objects.aggregate(m=Max("tree_size"))["m"] or 0
