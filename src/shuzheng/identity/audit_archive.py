"""Retention purge of the audit chain: old events move to a signed archive file, then leave the table.

Cybersecurity Law art. 21 requires network logs to be kept for at least six months, so no cutoff
younger than settings.AUDIT_RETENTION_DAYS (180) is accepted. The archive is gzip'd JSON lines: one
header line, then one line per event with every canonical field plus prev_hash and hash, so the
chain inside the file can be re-verified. The AuditArchive row holds the file's SM3 and an SM2
signature (platform key) over "file_sm3|first_seq|last_seq|last_hash"; `verify_chain` restarts from
the latest archive's last_seq / last_hash.
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
from shuzheng.core.crypto.sm2 import platform_signer
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.identity.audit import GENESIS_HASH, HEAD_ID, canonical_dict, compute_hash
from shuzheng.identity.models import AuditArchive, AuditChainHead, AuditEvent

ARCHIVE_FORMAT = "shuzheng-audit-archive/1"
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
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str = ""
    archive: AuditArchive | None = None
    path: Path | None = None

    def summary(self) -> str:
        if not self.count:
            return f"{self.cutoff} 之前没有需要归档的审计事件。"
        span = f"#{self.first_seq}–#{self.last_seq}，共 {self.count} 条"
        if self.dry_run:
            return f"试运行：将归档并清理 {self.cutoff} 之前的审计事件 {span}（未做任何改动）。"
        return f"已归档并清理审计事件 {span}，归档文件 {self.path}，截止哈希 {self.last_hash}。"


@dataclass(frozen=True)
class ArchiveVerifyResult:
    path: Path
    ok: bool
    problems: list[str] = field(default_factory=list)
    first_seq: int | None = None
    last_seq: int | None = None

    def summary(self) -> str:
        if self.ok:
            return (
                f"归档文件完整：{self.path.name}（#{self.first_seq}–#{self.last_seq}，SM3 与 SM2 签名有效）"
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


def _signed_message(file_sm3: str, first_seq: int, last_seq: int, last_hash: str) -> bytes:
    return f"{file_sm3}|{first_seq}|{last_seq}|{last_hash}".encode("ascii")


def archive_path(file_name: str) -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR) / file_name


def _event_line(event: AuditEvent) -> dict[str, Any]:
    return {**canonical_dict(event), "prev_hash": event.prev_hash, "hash": event.hash}


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def _write_archive(first_seq: int, last_seq: int, count: int) -> tuple[Path, str]:
    """Stream events first..last to a gzip'd JSON-lines file (temp + rename); returns (path, file SM3)."""
    directory = Path(settings.AUDIT_ARCHIVE_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-{first_seq:012d}-{last_seq:012d}.jsonl.gz"
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=".audit-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(
                _dump(
                    {
                        "format": ARCHIVE_FORMAT,
                        "first_seq": first_seq,
                        "last_seq": last_seq,
                        "event_count": count,
                    }
                )
            )
            after = first_seq - 1
            events = AuditEvent.objects.filter(seq__lte=last_seq).order_by("seq")
            while batch := list(events.filter(seq__gt=after)[:_BATCH]):
                for event in batch:
                    out.write(_dump(_event_line(event)))
                after = batch[-1].seq
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


def purge_before(*, before: date, actor: Any = None, dry_run: bool = False) -> PurgeResult:
    """Archive and delete the events that occurred before `before` (local date), oldest first.

    Refuses (RetentionViolation) a cutoff later than `latest_allowed_cutoff()`, and any run whose
    archived range would contain an event younger than the retention period. The archived range is
    every live event up to the last one before the cutoff, so the chain stays contiguous.
    """
    allowed = latest_allowed_cutoff()
    if before > allowed:
        raise _retention_error(before, allowed)

    previous = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", flat=True).first() or 0
    live = AuditEvent.objects.filter(seq__gt=previous)
    last_seq = live.filter(occurred_at__lt=_start_of(before)).aggregate(m=Max("seq"))["m"]
    if last_seq is None:
        return PurgeResult(dry_run=dry_run, cutoff=before, count=0)
    span = live.filter(seq__lte=last_seq)
    first_seq = previous + 1
    count = last_seq - previous
    newest = span.aggregate(m=Max("occurred_at"))["m"]
    if newest is not None and newest >= timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS):
        raise _retention_error(before, allowed)
    last_hash = AuditEvent.objects.values_list("hash", flat=True).get(seq=last_seq)
    if dry_run:
        return PurgeResult(
            dry_run=True,
            cutoff=before,
            count=count,
            first_seq=first_seq,
            last_seq=last_seq,
            last_hash=last_hash,
        )

    path, digest = _write_archive(first_seq, last_seq, count)
    signature = platform_signer().sign(_signed_message(digest, first_seq, last_seq, last_hash))
    try:
        with transaction.atomic():
            # Serialise with writers and with another purge; re-check nobody archived meanwhile.
            AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
            if AuditArchive.objects.filter(last_seq__gte=first_seq).exists():
                raise Conflict("另一个清理任务已归档了这些审计事件，请重新执行。")
            _allow_purge(True)
            deleted, _ = AuditEvent.objects.filter(seq__gte=first_seq, seq__lte=last_seq).delete()
            _allow_purge(False)
            if deleted != count:
                raise Conflict(
                    f"待清理的审计事件应为 {count} 条，实际 {deleted} 条：审计链不连续，"
                    "请先运行 audit-verify。"
                )
            archive = AuditArchive.objects.create(
                first_seq=first_seq,
                last_seq=last_seq,
                last_hash=last_hash,
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
                    "first_seq": first_seq,
                    "last_seq": last_seq,
                    "event_count": count,
                    "file_name": path.name,
                    "file_sm3": digest,
                },
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return PurgeResult(
        dry_run=False,
        cutoff=before,
        count=count,
        first_seq=first_seq,
        last_seq=last_seq,
        last_hash=last_hash,
        archive=archive,
        path=path,
    )


# --- archive verification -------------------------------------------------------------------------


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rb") as handle:
        for line in handle:
            yield json.loads(line)


def _event_from_line(data: dict[str, Any]) -> AuditEvent:
    occurred = datetime.fromisoformat(data["occurred_at"].replace("Z", "+00:00"))
    return AuditEvent(
        seq=data["seq"],
        occurred_at=occurred,
        actor_id=data["actor_id"],
        actor_label=data["actor_label"],
        actor_department_id=data["actor_department_id"],
        role=data["role"],
        channel=data["channel"],
        action=data["action"],
        subject_type=data["subject_type"],
        subject_id=data["subject_id"],
        before=data["before"],
        after=data["after"],
        ip=data["ip"],
        request_id=data["request_id"],
        prev_hash=data["prev_hash"],
        hash=data["hash"],
    )


def _check_events(path: Path, row: AuditArchive, expected_prev: str) -> list[str]:
    """Recompute the chain inside the file: every hash, every link, seq first..last with no gap."""
    lines = _read_lines(path)
    header = next(lines, None)
    if not header or header.get("format") != ARCHIVE_FORMAT:
        return ["文件头缺失或格式不符"]
    expected_seq, prev, count = row.first_seq, expected_prev, 0
    for data in lines:
        event = _event_from_line(data)
        if event.seq != expected_seq:
            return [f"序号不连续：应为 #{expected_seq}，实际为 #{event.seq}"]
        if event.prev_hash != prev:
            return [f"#{event.seq} 的前一哈希不符"]
        if compute_hash(event.prev_hash, event) != event.hash:
            return [f"#{event.seq} 的哈希不符（事件内容被改动）"]
        prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    if count != row.event_count or expected_seq - 1 != row.last_seq:
        return [f"事件数不符：记录为 {row.event_count} 条（至 #{row.last_seq}），文件中为 {count} 条"]
    if prev != row.last_hash:
        return ["末条事件的哈希与归档记录不符"]
    return []


def verify_archive(path: Path | str) -> ArchiveVerifyResult:
    """Check an archive file against its AuditArchive row: file SM3, SM2 signature, and the chain inside."""
    path = Path(path)
    row = AuditArchive.objects.filter(file_name=path.name).first()
    if row is None:
        return ArchiveVerifyResult(path=path, ok=False, problems=["没有对应的归档记录"])
    result = {"path": path, "first_seq": row.first_seq, "last_seq": row.last_seq}
    if not path.is_file():
        return ArchiveVerifyResult(ok=False, problems=["归档文件不存在"], **result)  # type: ignore[arg-type]
    problems: list[str] = []
    digest = file_sm3(path)
    if digest != row.file_sm3:
        problems.append(f"文件 SM3 不符：记录为 {row.file_sm3}，实际为 {digest}")
    message = _signed_message(row.file_sm3, row.first_seq, row.last_seq, row.last_hash)
    if not platform_signer().verify(message, row.signature):
        problems.append("SM2 签名无效（归档记录被改动或签名密钥不符）")
    previous = (
        AuditArchive.objects.filter(last_seq__lt=row.first_seq)
        .order_by("-last_seq")
        .values_list("last_seq", "last_hash")
        .first()
    )
    expected_first, expected_prev = (previous[0] + 1, previous[1]) if previous else (1, GENESIS_HASH)
    if row.first_seq != expected_first:
        problems.append(f"与上一归档不衔接：应从 #{expected_first} 开始，记录为 #{row.first_seq}")
    try:
        problems.extend(_check_events(path, row, expected_prev))
    except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
        problems.append(f"文件无法解析：{exc.__class__.__name__}")
    return ArchiveVerifyResult(ok=not problems, problems=problems, **result)  # type: ignore[arg-type]


def verify_all_archives() -> list[ArchiveVerifyResult]:
    return [
        verify_archive(archive_path(name))
        for name in AuditArchive.objects.order_by("first_seq").values_list("file_name", flat=True)
    ]
