"""Retention purge: the 180-day guard, signed archives of whole sealed trees, verification, tampering."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from shuzheng.core.crypto import sm2
from shuzheng.identity.audit import write_event
from shuzheng.identity.audit_archive import (
    PURGE_ACTION,
    RetentionViolation,
    latest_allowed_cutoff,
    purge_before,
    verify_all_archives,
    verify_archive,
)
from shuzheng.identity.audit_seal import seal
from shuzheng.identity.audit_verify import verify_log
from shuzheng.identity.models import AuditArchive, AuditEvent, AuditLeaf, AuditTreeHead
from shuzheng.identity.tests.audit_tools import behind_the_orm

pytestmark = pytest.mark.django_db

WriteAt = Callable[..., list[AuditEvent]]


@pytest.fixture(autouse=True)
def _platform_key(settings):
    settings.SHUZHENG_SM2_PRIVATE_KEY = sm2.generate_keypair()[0]


@pytest.fixture
def write_at(monkeypatch: pytest.MonkeyPatch) -> WriteAt:
    """Write and seal `n` events that occurred `days_ago` days ago (the clock is moved, not the row)."""
    real_now = timezone.now

    def write(n: int, *, days_ago: float) -> list[AuditEvent]:
        moment = real_now() - timedelta(days=days_ago)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        try:
            events = [
                write_event(
                    actor=None,
                    action="test.thing.update",
                    subject_type="test.thing",
                    subject_id=str(i),
                    before={"n": i},
                    after={"名称": f"事件{i}"},
                )
                for i in range(n)
            ]
        finally:
            monkeypatch.setattr(timezone, "now", real_now)
        seal()
        return events

    return write


def read_lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rb") as handle:
        return [json.loads(line) for line in handle]


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


# --- retention guard -------------------------------------------------------------------------------


def test_cutoff_inside_the_retention_period_is_refused(write_at: WriteAt, settings) -> None:
    write_at(3, days_ago=400)
    assert latest_allowed_cutoff() == days_ago(settings.AUDIT_RETENTION_DAYS)
    with pytest.raises(RetentionViolation, match="网络安全法》第二十一条") as error:
        purge_before(before=days_ago(settings.AUDIT_RETENTION_DAYS - 1))
    assert error.value.errors[0]["field"] == "before"
    assert AuditEvent.objects.count() == 3
    assert not AuditArchive.objects.exists()
    # The boundary day itself is allowed.
    assert purge_before(before=latest_allowed_cutoff(), dry_run=True).count == 3


def test_retention_follows_the_setting(write_at: WriteAt, settings) -> None:
    settings.AUDIT_RETENTION_DAYS = 365
    write_at(1, days_ago=400)
    with pytest.raises(RetentionViolation, match="365 天"):
        purge_before(before=days_ago(300))


def test_a_young_event_inside_the_range_blocks_the_purge(write_at: WriteAt) -> None:
    """A clock that jumped back puts a recent event before an old one in the tree; it must not be purged."""
    write_at(1, days_ago=10)
    write_at(1, days_ago=400)
    with pytest.raises(RetentionViolation):
        purge_before(before=days_ago(300))
    assert AuditEvent.objects.count() == 2


def test_command_refuses_a_young_cutoff_in_chinese(write_at: WriteAt) -> None:
    write_at(1, days_ago=400)
    with pytest.raises(CommandError, match="留存 180 天"):
        call_command("audit_purge", "--before", days_ago(30).isoformat(), stdout=io.StringIO())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit_purge", "--before", "2020/01/01", stdout=io.StringIO())
    assert AuditEvent.objects.count() == 1


# --- archive and purge -----------------------------------------------------------------------------


def test_dry_run_changes_nothing(write_at: WriteAt, settings) -> None:
    write_at(4, days_ago=400)
    write_at(2, days_ago=1)
    out = io.StringIO()
    call_command("audit_purge", "--before", days_ago(200).isoformat(), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue()
    assert "叶子 #0–#3，共 4 条" in out.getvalue()
    assert AuditEvent.objects.count() == 6
    assert not AuditArchive.objects.exists()
    assert not list(Path(settings.AUDIT_ARCHIVE_DIR).glob("*"))


def test_nothing_old_enough_is_a_no_op(write_at: WriteAt) -> None:
    write_at(2, days_ago=5)
    result = purge_before(before=days_ago(200))
    assert result.count == 0
    assert AuditEvent.objects.count() == 2


def test_purge_archives_signs_deletes_and_the_log_still_verifies(write_at: WriteAt) -> None:
    old = write_at(5, days_ago=400)
    write_at(3, days_ago=300)
    write_at(4, days_ago=1)

    result = purge_before(before=days_ago(350))

    assert (result.first_leaf, result.tree_size, result.count) == (0, 5, 5)
    archive = AuditArchive.objects.get()
    assert (archive.first_leaf, archive.tree_size, archive.event_count) == (0, 5, 5)
    assert archive.root_hash == AuditTreeHead.objects.get(tree_size=5).root_hash
    assert result.path is not None
    assert result.path.name == archive.file_name == "audit-000000000000-000000000004.jsonl.gz"
    message = f"{archive.file_sm3}|0|5|{archive.root_hash}".encode()
    assert sm2.platform_signer().verify(message, archive.signature)
    assert not AuditEvent.objects.filter(seq__in=[e.seq for e in old]).exists()
    assert AuditLeaf.objects.count() == 12  # the leaves stay: the tree is whole
    purge_event = AuditEvent.objects.get(action=PURGE_ACTION)
    assert purge_event.subject_type == "identity.auditarchive"
    assert purge_event.after is not None
    assert purge_event.after["tree_size"] == 5

    lines = read_lines(result.path)
    assert lines[0]["head"]["tree_size"] == 5
    assert [line["leaf_index"] for line in lines[1:]] == [0, 1, 2, 3, 4]
    assert [line["event"]["seq"] for line in lines[1:]] == [e.seq for e in old]
    assert lines[1]["event"]["after"] == {"名称": "事件0"}

    seal()
    verified = verify_log()
    assert verified.ok, verified.breaks
    assert (verified.leaves, verified.archived_through) == (13, 5)
    assert "叶子 #4 及以前的事件已归档" in verified.summary()
    assert verify_archive(result.path).ok

    # A second purge continues where the first archive ended.
    second = purge_before(before=days_ago(200))
    assert (second.first_leaf, second.tree_size) == (5, 8)
    assert verify_archive(second.path).ok, verify_archive(second.path).problems  # type: ignore[arg-type]
    assert verify_log().ok
    assert [r.ok for r in verify_all_archives()] == [True, True]


def test_only_whole_sealed_trees_are_archived(write_at: WriteAt, monkeypatch: pytest.MonkeyPatch) -> None:
    """An old event sealed under one head with a young one waits for a later purge."""
    old = write_at(2, days_ago=400)
    real_now = timezone.now
    for days in (400, 1):
        moment = real_now() - timedelta(days=days)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        write_event(actor=None, action="a.b.c", subject_type="t", subject_id="1", before=None, after=None)
    monkeypatch.setattr(timezone, "now", real_now)
    seal()  # one head over the old and the young event
    result = purge_before(before=days_ago(200))
    assert (result.first_leaf, result.tree_size, result.count) == (0, len(old), len(old))


def test_purge_leaves_the_guard_up_for_the_rest_of_the_transaction(write_at: WriteAt) -> None:
    write_at(2, days_ago=400)
    young = write_at(2, days_ago=1)[0]
    with transaction.atomic():
        purge_before(before=days_ago(200))
        if connection.vendor == "postgresql":
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("DELETE FROM identity_auditevent WHERE seq = %s", [young.seq])
    assert AuditEvent.objects.filter(seq=young.seq).exists()


def test_missing_event_inside_the_range_aborts_the_purge(write_at: WriteAt, settings) -> None:
    events = write_at(4, days_ago=400)
    with behind_the_orm() as cursor:
        cursor.execute("DELETE FROM identity_auditevent WHERE seq = %s", [events[1].seq])
    with pytest.raises(Exception, match="不完整"):
        purge_before(before=days_ago(200))
    assert not AuditArchive.objects.exists()
    assert not list(Path(settings.AUDIT_ARCHIVE_DIR).glob("*.gz"))


def test_audit_verify_command_checks_archives_too(write_at: WriteAt) -> None:
    write_at(3, days_ago=400)
    write_at(1, days_ago=1)
    call_command("audit_purge", "--before", days_ago(200).isoformat(), stdout=io.StringIO())
    out = io.StringIO()
    call_command("audit_verify", "--archives", stdout=out, stderr=io.StringIO())
    assert "归档文件完整：audit-000000000000-000000000002.jsonl.gz（叶子 #0–#2" in out.getvalue()
    assert "审计日志完整：5 个叶子" in out.getvalue()
    assert "叶子 #2 及以前的事件已归档" in out.getvalue()


# --- tampering with an archive ---------------------------------------------------------------------


def _rewrite(path: Path, change: Callable[[list[dict]], None]) -> None:
    lines = read_lines(path)
    change(lines)
    with gzip.open(path, "wb") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")


def test_tampered_archive_file_is_detected(write_at: WriteAt) -> None:
    write_at(3, days_ago=400)
    write_at(1, days_ago=1)
    path = purge_before(before=days_ago(200)).path
    assert path is not None

    def edit(lines: list[dict]) -> None:
        lines[2]["event"]["after"] = {"名称": "篡改"}

    _rewrite(path, edit)
    result = verify_archive(path)
    assert not result.ok
    assert any("SM3 不符" in p for p in result.problems)
    assert any("叶子 #1（事件 #" in p and "哈希不符" in p for p in result.problems)

    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", "--archives", stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert "归档文件校验失败" in err.getvalue()


def test_archive_record_forged_to_match_the_file_fails_the_signature(write_at: WriteAt) -> None:
    write_at(3, days_ago=400)
    write_at(1, days_ago=1)
    path = purge_before(before=days_ago(200)).path
    assert path is not None
    path.write_bytes(gzip.compress(b'{"format":"shuzheng-audit-archive/2"}\n'))
    from shuzheng.identity.audit_archive import file_sm3

    AuditArchive.objects.update(file_sm3=file_sm3(path))
    result = verify_archive(path)
    assert not result.ok
    assert any("SM2 签名无效" in p for p in result.problems)
    assert not any("SM3 不符" in p for p in result.problems)


def test_archive_signed_by_another_key_is_rejected(write_at: WriteAt, settings) -> None:
    write_at(2, days_ago=400)
    path = purge_before(before=days_ago(200)).path
    assert path is not None
    assert verify_archive(path).ok
    settings.SHUZHENG_SM2_PRIVATE_KEY = sm2.generate_keypair()[0]
    assert not verify_archive(path).ok


def test_archive_without_a_record_is_rejected(tmp_path: Path) -> None:
    stray = tmp_path / "audit-000000000001-000000000009.jsonl.gz"
    stray.write_bytes(gzip.compress(b"{}\n"))
    result = verify_archive(stray)
    assert not result.ok
    assert result.problems == ["没有对应的归档记录"]


def test_occurred_at_boundary_uses_local_midnight(write_at: WriteAt) -> None:
    """--before D purges what happened before 00:00 of D in Asia/Shanghai, not UTC."""
    cutoff = days_ago(300)
    midnight = timezone.make_aware(datetime.combine(cutoff, datetime.min.time()))
    seconds_before = (timezone.now() - midnight).total_seconds() / 86400
    write_at(1, days_ago=seconds_before + 1 / 86400)  # 23:59:59 the day before
    write_at(1, days_ago=seconds_before - 1 / 86400)  # 00:00:01 on the day
    assert purge_before(before=cutoff, dry_run=True).count == 1
