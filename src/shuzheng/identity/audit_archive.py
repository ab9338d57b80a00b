"""Retention purge of the audit log: old events move to a signed archive file, then leave the table.

Cybersecurity Law art. 21 requires network logs to be kept for at least six months, so no cutoff
younger than settings.AUDIT_RETENTION_DAYS (180) is accepted. An archive covers whole sealed trees:
the events of leaves [first_leaf, tree_size), where tree_size is the size of a signed tree head.
The leaves and heads stay in the database, so the tree stays whole and audit-verify still
recomputes every root; only the events leave.

The file is gzip'd JSON lines: a header (format, range, the compact range of the leaves before
first_leaf, the signed head at tree_size), then one line per leaf {leaf_index, leaf_hash, event}
with the event's canonical fields — enough to recompute that head's root from the file alone. The
AuditArchive row holds the file's SM3 and an SM2 signature (platform key) over
"file_sm3|first_leaf|tree_size|root_hash".
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from shuzheng.core import audit as audit_port
from shuzheng.core.crypto import sm2
from shuzheng.core.crypto.sm2 import platform_signer
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.identity.audit_canonical import canonical_dict, canonical_json
from shuzheng.identity.audit_keys import verification_keys
from shuzheng.identity.audit_merkle import Frontier, leaf_hash
from shuzheng.identity.audit_seal import SEALER_LOCK_KEY, head_message, signed_head
from shuzheng.identity.models import AuditArchive, AuditEvent, AuditLeaf, AuditTreeHead

ARCHIVE_FORMAT = "shuzheng-audit-archive/2"
PURGE_ACTION = "identity.audit.purge"
_BATCH = 2000
_CHUNK = 1 << 16


class RetentionViolation(ValidationFailed):
    code = "audit_retention"


@dataclass(frozen=True)
class PurgeResult:
    dry_run: bool
    cutoff: date
    count: int
    first_leaf: int | None = None
    tree_size: int | None = None
    root_hash: str = ""
    archive: AuditArchive | None = None
    path: Path | None = None

    def summary(self) -> str:
        if not self.count or self.tree_size is None:
            return f"{self.cutoff} 之前没有可归档的审计事件（只归档已封存的完整树头范围）。"
        span = f"叶子 #{self.first_leaf}–#{self.tree_size - 1}，共 {self.count} 条"
        if self.dry_run:
            return f"试运行：将归档并清理 {self.cutoff} 之前的审计事件 {span}（未做任何改动）。"
        return f"已归档并清理审计事件 {span}，归档文件 {self.path}，截止根哈希 {self.root_hash}。"


@dataclass(frozen=True)
class ArchiveVerifyResult:
    path: Path
    ok: bool
    problems: list[str] = field(default_factory=list)
    first_leaf: int | None = None
    tree_size: int | None = None

    def summary(self) -> str:
        if self.ok and self.tree_size is not None:
            return (
                f"归档文件完整：{self.path.name}（叶子 #{self.first_leaf}–#{self.tree_size - 1}，"
                "SM3、SM2 签名与签名树头均有效）"
            )
        return f"归档文件校验失败：{self.path.name}：" + "；".join(self.problems)


# --- retention ------------------------------------------------------------------------------------


def latest_allowed_cutoff(today: date | None = None) -> date:
    """The youngest --before date allowed: everything before it is older than the retention period."""
    return (today or timezone.localdate()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _retention_error(cutoff: date, allowed: date) -> RetentionViolation:
    return RetentionViolation(
        f"不能清理 {cutoff} 之前的审计事件：《中华人民共和国网络安全法》第二十一条"
        "要求网络日志留存不少于六个月，"
        f"本平台留存 {settings.AUDIT_RETENTION_DAYS} 天，截止日期最晚只能是 {allowed}。",
        errors=[{"field": "before", "message": f"截止日期最晚为 {allowed}"}],
    )


# --- purge ----------------------------------------------------------------------------------------


def _signed_message(file_sm3: str, first_leaf: int, tree_size: int, root_hash: str) -> bytes:
    return f"{file_sm3}|{first_leaf}|{tree_size}|{root_hash}".encode("ascii")


def archive_path(file_name: str) -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR) / file_name


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def _leaves_with_events(first_leaf: int, tree_size: int) -> Iterator[tuple[AuditLeaf, AuditEvent | None]]:
    after = first_leaf - 1
    leaves = AuditLeaf.objects.filter(index__lt=tree_size).order_by("index")
    while batch := list(leaves.filter(index__gt=after)[:_BATCH]):
        events = AuditEvent.objects.in_bulk([leaf.event_id for leaf in batch])
        for leaf in batch:
            yield leaf, events.get(leaf.event_id)
        after = batch[-1].index


def _prefix(first_leaf: int) -> list[str]:
    """The compact range of the leaves before `first_leaf` (from the head of that size)."""
    if not first_leaf:
        return []
    return list(AuditTreeHead.objects.values_list("frontier", flat=True).get(tree_size=first_leaf))


def _write_archive(first_leaf: int, head: AuditTreeHead) -> tuple[Path, str]:
    """Stream leaves first_leaf..tree_size-1 with their events to a gzip'd JSON-lines file (temp + rename)."""
    directory = Path(settings.AUDIT_ARCHIVE_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-{first_leaf:012d}-{head.tree_size - 1:012d}.jsonl.gz"
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=".audit-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(
                _dump(
                    {
                        "format": ARCHIVE_FORMAT,
                        "first_leaf": first_leaf,
                        "tree_size": head.tree_size,
                        "event_count": head.tree_size - first_leaf,
                        "prefix": _prefix(first_leaf),
                        "head": signed_head(head),
                    }
                )
            )
            for leaf, event in _leaves_with_events(first_leaf, head.tree_size):
                if event is None:
                    raise Conflict(
                        f"叶子 #{leaf.index} 的审计事件 #{leaf.event_id} 不存在：审计日志不完整，"
                        "请先运行 audit-verify。"
                    )
                out.write(
                    _dump({"leaf_index": leaf.index, "leaf_hash": leaf.hash, "event": canonical_dict(event)})
                )
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path, file_sm3(path)


def file_sm3(path: Path) -> str:
    digest = hashes.Hash(hashes.SM3())
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.finalize().hex()


def _allow_purge(on: bool) -> None:
    """Lift the PostgreSQL append-only trigger for the rest of this transaction only (SET LOCAL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('shuzheng.audit_purge', %s, true)", ["on" if on else ""])


def _lock_out_sealers() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])


def _archived_through() -> int:
    return AuditArchive.objects.aggregate(m=Max("tree_size"))["m"] or 0


def _purge_range(before: date, first_leaf: int) -> AuditTreeHead | None:
    """The head ending the range: the largest signed tree ending at or before the last old event's leaf."""
    last_old = AuditLeaf.objects.filter(
        index__gte=first_leaf, event__occurred_at__lt=_start_of(before)
    ).aggregate(m=Max("index"))["m"]
    if last_old is None:
        return None
    return (
        AuditTreeHead.objects.filter(tree_size__gt=first_leaf, tree_size__lte=last_old + 1)
        .order_by("-tree_size")
        .first()
    )


def purge_before(*, before: date, actor: Any = None, dry_run: bool = False) -> PurgeResult:
    """Archive and delete the events that occurred before `before` (local date), oldest leaves first.

    Refuses (RetentionViolation) a cutoff later than `latest_allowed_cutoff()`, and any run whose
    archived range would contain an event younger than the retention period. The range is whole
    sealed trees: from the end of the previous archive to the largest signed tree size whose leaves
    end no later than the last event before the cutoff.
    """
    allowed = latest_allowed_cutoff()
    if before > allowed:
        raise _retention_error(before, allowed)
    first_leaf = _archived_through()
    head = _purge_range(before, first_leaf)
    if head is None:
        return PurgeResult(dry_run=dry_run, cutoff=before, count=0)
    count = head.tree_size - first_leaf
    span = AuditEvent.objects.filter(leaf__index__gte=first_leaf, leaf__index__lt=head.tree_size)
    newest = span.aggregate(m=Max("occurred_at"))["m"]
    if newest is not None and newest >= timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS):
        raise _retention_error(before, allowed)
    result = {"cutoff": before, "count": count, "first_leaf": first_leaf, "tree_size": head.tree_size}
    if dry_run:
        return PurgeResult(dry_run=True, root_hash=head.root_hash, **result)  # type: ignore[arg-type]

    path, digest = _write_archive(first_leaf, head)
    signature = platform_signer().sign(_signed_message(digest, first_leaf, head.tree_size, head.root_hash))
    try:
        with transaction.atomic():
            # Serialise with sealers and another purge; re-check nobody archived meanwhile.
            _lock_out_sealers()
            if _archived_through() != first_leaf:
                raise Conflict("另一个清理任务已归档了这些审计事件，请重新执行。")
            _allow_purge(True)
            deleted, _ = span.delete()
            _allow_purge(False)
            if deleted != count:
                raise Conflict(
                    f"待清理的审计事件应为 {count} 条，实际 {deleted} 条：审计日志不完整，"
                    "请先运行 audit-verify。"
                )
            archive = AuditArchive.objects.create(
                first_leaf=first_leaf,
                tree_size=head.tree_size,
                root_hash=head.root_hash,
                file_name=path.name,
                file_sm3=digest,
                signature=signature,
                event_count=count,
            )
            audit_port.record(
                actor=actor,
                action=PURGE_ACTION,
                subject=archive,
                after={
                    "before": before.isoformat(),
                    "first_leaf": first_leaf,
                    "tree_size": head.tree_size,
                    "event_count": count,
                    "file_name": path.name,
                    "file_sm3": digest,
                },
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return PurgeResult(dry_run=False, root_hash=head.root_hash, archive=archive, path=path, **result)  # type: ignore[arg-type]


# --- archive verification -------------------------------------------------------------------------


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rb") as handle:
        for line in handle:
            yield json.loads(line)


def _head_problems(head: dict[str, Any], row: AuditArchive) -> list[str]:
    problems = []
    if (head.get("tree_size"), head.get("root_hash")) != (row.tree_size, row.root_hash):
        problems.append("文件中的签名树头与归档记录不符")
    public = verification_keys().get(head.get("key_id", ""))
    message = head_message(
        tree_size=head["tree_size"],
        timestamp_ms=head["timestamp_ms"],
        root_hash=head["root_hash"],
        key_id=head["key_id"],
    )
    if public is None or not sm2.verify(message, head["signature"], public):
        problems.append("文件中签名树头的 SM2 签名无效或密钥未登记")
    return problems


def _check_leaves(path: Path, row: AuditArchive) -> list[str]:
    """Recompute every leaf from its event, then the head's root from the prefix and the leaves."""
    lines = _read_lines(path)
    header = next(lines, None)
    if not header or header.get("format") != ARCHIVE_FORMAT:
        return ["文件头缺失或格式不符"]
    problems = _head_problems(header["head"], row)
    if header["prefix"] != _prefix(row.first_leaf):
        problems.append(f"文件中叶子 #{row.first_leaf} 之前的子树哈希与数据库不符")
    frontier = Frontier(row.first_leaf, [bytes.fromhex(h) for h in header["prefix"]])
    stored = dict(
        AuditLeaf.objects.filter(index__gte=row.first_leaf, index__lt=row.tree_size).values_list(
            "index", "hash"
        )
    )
    for data in lines:
        index = data["leaf_index"]
        if index != frontier.size:
            return [*problems, f"叶子序号不连续：应为 #{frontier.size}，实际为 #{index}"]
        recomputed = leaf_hash(canonical_json(data["event"])).hex()
        if recomputed != data["leaf_hash"]:
            problems.append(f"叶子 #{index}（事件 #{data['event'].get('seq')}）的哈希不符（事件内容被改动）")
        if stored.get(index) != data["leaf_hash"]:
            problems.append(f"叶子 #{index} 的哈希与数据库中的叶子不符")
        frontier.append(bytes.fromhex(data["leaf_hash"]))
    if frontier.size != row.tree_size:
        problems.append(
            f"事件数不符：记录为 {row.event_count} 条，文件中为 {frontier.size - row.first_leaf} 条"
        )
    elif frontier.root().hex() != row.root_hash:
        problems.append("按文件重算的根哈希与签名树头不符")
    return problems


def verify_archive(path: Path | str) -> ArchiveVerifyResult:
    """Check an archive file against its AuditArchive row: file SM3, SM2 signatures, and every leaf inside."""
    path = Path(path)
    row = AuditArchive.objects.filter(file_name=path.name).first()
    if row is None:
        return ArchiveVerifyResult(path=path, ok=False, problems=["没有对应的归档记录"])
    result = {"path": path, "first_leaf": row.first_leaf, "tree_size": row.tree_size}
    if not path.is_file():
        return ArchiveVerifyResult(ok=False, problems=["归档文件不存在"], **result)  # type: ignore[arg-type]
    problems: list[str] = []
    digest = file_sm3(path)
    if digest != row.file_sm3:
        problems.append(f"文件 SM3 不符：记录为 {row.file_sm3}，实际为 {digest}")
    message = _signed_message(row.file_sm3, row.first_leaf, row.tree_size, row.root_hash)
    if not platform_signer().verify(message, row.signature):
        problems.append("SM2 签名无效（归档记录被改动或签名密钥不符）")
    previous = (
        AuditArchive.objects.filter(tree_size__lte=row.first_leaf).aggregate(m=Max("tree_size"))["m"] or 0
    )
    if row.first_leaf != previous:
        problems.append(f"与上一归档不衔接：应从叶子 #{previous} 开始，记录为 #{row.first_leaf}")
    try:
        problems.extend(_check_leaves(path, row))
    except (OSError, EOFError, ValueError, KeyError, TypeError, AuditTreeHead.DoesNotExist) as exc:
        problems.append(f"文件无法解析：{exc.__class__.__name__}")
    return ArchiveVerifyResult(ok=not problems, problems=problems, **result)  # type: ignore[arg-type]


def verify_all_archives() -> list[ArchiveVerifyResult]:
    return [
        verify_archive(archive_path(name))
        for name in AuditArchive.objects.order_by("first_leaf").values_list("file_name", flat=True)
    ]
