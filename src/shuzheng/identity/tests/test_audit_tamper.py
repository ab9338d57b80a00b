"""Tampering as an attacker with database access would, and audit-verify listing every break.

The attacker can change any row (on PostgreSQL after lifting the append-only trigger, as a table
owner can) but has neither the audit signing key nor write access to the exported head log.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from shuzheng.core.crypto import sm2
from shuzheng.identity.audit_canonical import canonical_bytes
from shuzheng.identity.audit_keys import active_signer
from shuzheng.identity.audit_merkle import leaf_hash
from shuzheng.identity.audit_seal import seal
from shuzheng.identity.audit_verify import Problem, verify_log
from shuzheng.identity.models import AuditEvent, AuditLeaf
from shuzheng.identity.tests.audit_tools import behind_the_orm, insert_leaf, sign_head, write
from shuzheng.identity.tests.conftest import AUDIT_KEY

pytestmark = pytest.mark.django_db


def sealed(*batches: int) -> list[AuditEvent]:
    """Write and seal the given batch sizes: one signed, exported head per batch."""
    events: list[AuditEvent] = []
    for size in batches:
        events += write(size)
        seal()
    return events


def leaf_of(event: AuditEvent) -> int:
    return AuditLeaf.objects.get(event_id=event.seq).index


def problems() -> list[tuple[str, int | None, int | None]]:
    report = verify_log()
    return [(b.problem, b.leaf_index, b.tree_size) for b in report.breaks]


def test_an_intact_log_verifies() -> None:
    sealed(3, 2, 4)
    report = verify_log(batch_size=2)
    assert report.ok, report.breaks
    assert (report.leaves, report.heads, report.exported) == (9, 3, 3)
    assert report.summary().startswith("审计日志完整：9 个叶子，3 个签名树头（外部导出 3 个）")


def test_empty_log_verifies() -> None:
    assert verify_log().ok


# --- (a) change an event ---------------------------------------------------------------------------


def test_changed_event_is_named_by_leaf_and_seq() -> None:
    events = sealed(3, 3)
    with behind_the_orm() as cursor:
        cursor.execute(
            "UPDATE identity_auditevent SET after = %s WHERE seq = %s", ['{"n": 999}', events[1].seq]
        )
    report = verify_log()
    [problem] = report.breaks
    assert (problem.problem, problem.leaf_index, problem.seqs) == (Problem.LEAF_MISMATCH, 1, (events[1].seq,))
    assert f"叶子 #1（事件 #{events[1].seq}）的哈希与事件内容不符" in problem.detail


def test_changed_event_with_a_recomputed_leaf_breaks_the_signed_root() -> None:
    events = sealed(3, 3)
    event = events[4]
    event.actor_label = "someone-else"
    with behind_the_orm() as cursor:
        cursor.execute(
            "UPDATE identity_auditevent SET actor_label = %s WHERE seq = %s", [event.actor_label, event.seq]
        )
        cursor.execute(
            'UPDATE identity_auditleaf SET hash = %s WHERE "index" = 4',
            [leaf_hash(canonical_bytes(event)).hex()],
        )
    report = verify_log()
    [problem] = report.breaks
    assert (problem.problem, problem.leaf_index, problem.tree_size) == (Problem.ROOT_MISMATCH, 3, 6)
    assert event.seq in problem.seqs
    assert "叶子 #3–#5" in problem.detail


def test_two_independent_changes_are_two_breaks() -> None:
    events = sealed(3, 3)
    with behind_the_orm() as cursor:
        cursor.execute("UPDATE identity_auditevent SET subject_id = 'x' WHERE seq = %s", [events[0].seq])
        cursor.execute('UPDATE identity_auditleaf SET hash = %s WHERE "index" = 5', ["cd" * 32])
    assert problems() == [
        (Problem.LEAF_MISMATCH, 0, None),
        (Problem.LEAF_MISMATCH, 5, None),
        (Problem.ROOT_MISMATCH, 3, 6),
    ]


# --- (b) delete the last events and rewind ------------------------------------------------------------


def test_deleted_tail_with_its_leaves_and_heads_is_caught_by_the_exported_log() -> None:
    events = sealed(3, 2)
    with behind_the_orm() as cursor:
        cursor.execute(
            "DELETE FROM identity_auditevent WHERE seq IN (%s, %s)", [events[3].seq, events[4].seq]
        )
        cursor.execute('DELETE FROM identity_auditleaf WHERE "index" >= 3')
        cursor.execute("DELETE FROM identity_audittreehead WHERE tree_size > 3")
    report = verify_log()
    [problem] = report.breaks
    assert (problem.problem, problem.leaf_index, problem.tree_size) == (Problem.EXPORT_ROLLBACK, 3, 5)
    assert "导出日志中有树大小为 5 的树头，但现存叶子只有 3 个" in problem.detail


def test_deleted_tail_events_alone_are_missing_events() -> None:
    events = sealed(3, 2)
    with behind_the_orm() as cursor:
        cursor.execute(
            "DELETE FROM identity_auditevent WHERE seq IN (%s, %s)", [events[3].seq, events[4].seq]
        )
    assert problems() == [(Problem.EVENT_MISSING, 3, None), (Problem.EVENT_MISSING, 4, None)]


def test_deleted_tail_leaves_under_a_kept_head() -> None:
    sealed(3, 2)
    with behind_the_orm() as cursor:
        cursor.execute('DELETE FROM identity_auditleaf WHERE "index" >= 3')
    assert (Problem.HEAD_BEYOND_LEAVES, 3, 5) in problems()


def test_deleted_middle_leaf_and_head() -> None:
    sealed(2, 2, 2)
    with behind_the_orm() as cursor:
        cursor.execute('DELETE FROM identity_auditleaf WHERE "index" = 2')
        cursor.execute("DELETE FROM identity_audittreehead WHERE tree_size = 2")
    found = problems()
    assert (Problem.LEAF_GAP, 2, None) in found
    assert (Problem.HEAD_MISSING, None, 2) in found


# --- (c) insert an event ----------------------------------------------------------------------------


def test_inserted_event_with_a_leaf_after_the_last_head_is_unsigned() -> None:
    events = sealed(3)
    forged = AuditEvent.objects.create(occurred_at=events[0].occurred_at, action="cases.case.accept")
    with behind_the_orm() as cursor:
        insert_leaf(cursor, 3, forged.seq, leaf_hash(canonical_bytes(forged)).hex())
    assert problems() == [(Problem.UNSIGNED_LEAVES, 3, None)]


def test_inserted_event_put_in_place_of_a_sealed_one_breaks_the_root() -> None:
    events = sealed(3, 3)
    forged = AuditEvent.objects.create(occurred_at=events[1].occurred_at, action="cases.case.accept")
    with behind_the_orm() as cursor:
        cursor.execute(
            'UPDATE identity_auditleaf SET event_id = %s, hash = %s WHERE "index" = 1',
            [forged.seq, leaf_hash(canonical_bytes(forged)).hex()],
        )
    found = problems()
    assert (Problem.ROOT_MISMATCH, 0, 3) in found


def test_an_inserted_event_can_only_join_at_the_end() -> None:
    """Without the key a new row cannot enter history: the sealer appends it after every sealed leaf."""
    events = sealed(3)
    backdated = AuditEvent.objects.create(occurred_at=events[0].occurred_at, action="cases.case.accept")
    seal()
    assert leaf_of(backdated) == 3
    assert verify_log().ok


# --- (d) rewrite everything and re-sign ----------------------------------------------------------------


def _rewrite_everything(private_key: str) -> None:
    """Change an event, then rebuild leaves and heads over the changed events and sign them."""
    events = list(AuditEvent.objects.order_by("seq"))
    events[0].after = {"n": "改写"}
    with behind_the_orm() as cursor:
        cursor.execute(
            "UPDATE identity_auditevent SET after = %s WHERE seq = %s", ['{"n": "改写"}', events[0].seq]
        )
        cursor.execute("DELETE FROM identity_audittreehead")
        cursor.execute("DELETE FROM identity_auditleaf")
        hashes = [leaf_hash(canonical_bytes(e)) for e in events]
        for index, (event, digest) in enumerate(zip(events, hashes, strict=True)):
            insert_leaf(cursor, index, event.seq, digest.hex())
        for size in (2, len(events)):
            sign_head(cursor, hashes[:size], private_key=private_key, max_seq=events[-1].seq)


def test_rewrite_signed_with_a_foreign_key_is_detected() -> None:
    sealed(2, 2)
    _rewrite_everything(sm2.generate_keypair()[0])
    found = problems()
    assert (Problem.UNKNOWN_KEY, None, 2) in found
    assert (Problem.UNKNOWN_KEY, None, 4) in found
    assert (Problem.EXPORT_MISMATCH, None, 2) in found
    assert (Problem.EXPORT_MISMATCH, None, 4) in found


def test_rewrite_claiming_the_real_key_id_fails_the_signature() -> None:
    sealed(2, 2)
    foreign = sm2.generate_keypair()[0]
    _rewrite_everything(foreign)
    with behind_the_orm() as cursor:
        cursor.execute("UPDATE identity_audittreehead SET key_id = %s", [active_signer()[0]])
    found = problems()
    assert (Problem.BAD_SIGNATURE, None, 2) in found
    assert (Problem.BAD_SIGNATURE, None, 4) in found


def test_rewrite_with_the_stolen_key_is_still_caught_by_the_exported_log() -> None:
    sealed(2, 2)
    _rewrite_everything(AUDIT_KEY)
    assert problems() == [(Problem.EXPORT_MISMATCH, None, 2), (Problem.EXPORT_MISMATCH, None, 4)]


def test_garbage_in_the_exported_log_is_reported(settings) -> None:
    sealed(2)
    with Path(settings.AUDIT_HEAD_LOG).open("a") as log:
        log.write("not json\n")
        log.write(
            json.dumps(
                {
                    "format": "shuzheng-audit-sth/1",
                    "tree_size": 1,
                    "root_hash": "00",
                    "key_id": "x",
                    "timestamp_ms": 0,
                    "signature": "00",
                }
            )
            + "\n"
        )
    found = problems()
    assert (Problem.EXPORT_UNREADABLE, None, None) in found
    assert (Problem.EXPORT_BAD_SIGNATURE, None, 1) in found


# --- the command ---------------------------------------------------------------------------------------


def test_audit_verify_seals_first_and_reports_an_intact_log() -> None:
    sealed(2)
    write(3)  # committed, not yet sealed
    out = io.StringIO()
    call_command("audit_verify", "--no-progress", stdout=out, stderr=io.StringIO())
    assert "已封存 3 条审计事件" in out.getvalue()
    assert "审计日志完整：5 个叶子，2 个签名树头（外部导出 2 个）" in out.getvalue()


def test_audit_verify_lists_every_break_in_chinese_and_exits_1() -> None:
    events = sealed(3, 3)
    with behind_the_orm() as cursor:
        cursor.execute("UPDATE identity_auditevent SET subject_id = 'forged' WHERE seq = %s", [events[1].seq])
        cursor.execute("DELETE FROM identity_auditevent WHERE seq = %s", [events[4].seq])
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    text = err.getvalue()
    assert "审计日志发现 2 处问题" in text
    assert f"1. 叶子 #1（事件 #{events[1].seq}）的哈希与事件内容不符：事件被改动" in text
    assert f"2. 叶子 #4 对应的事件 #{events[4].seq} 不存在，也不在归档中：事件被删除" in text


def test_audit_verify_reports_forged_leaves_the_sealer_refused() -> None:
    events = sealed(2)
    extra = write(1)[0]
    with behind_the_orm() as cursor:
        insert_leaf(cursor, 2, extra.seq, "ab" * 32)
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("audit_verify", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert "拒绝在其上封存" in err.getvalue()
    assert "叶子 #2–#2 不在任何签名树头内" in err.getvalue()
    assert len(events) == 2
