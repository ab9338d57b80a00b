"""Concurrent writers must queue on the chain head: no fork, no duplicate and no gap in seq.

Runs on both databases: PostgreSQL serialises on SELECT ... FOR UPDATE of the head row, SQLite on
its IMMEDIATE transactions (with the 30 s busy timeout from settings).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from shuzheng.identity.audit import GENESIS_HASH, verify_chain, write_event
from shuzheng.identity.models import AuditChainHead, AuditEvent

THREADS = 8
EVENTS_PER_THREAD = 25


def _hammer() -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(EVENTS_PER_THREAD):
                with transaction.atomic():
                    write_event(
                        actor=None,
                        action="test.concurrency.write",
                        subject_type="thread",
                        subject_id=str(n),
                        before=None,
                        after={"i": i},
                    )
        except BaseException as exc:  # reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return failures


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("head_exists", [True, False], ids=["head-from-migration", "head-created-by-race"])
def test_concurrent_writers_keep_one_gap_free_chain(head_exists: bool) -> None:
    AuditChainHead.objects.all().delete()
    if head_exists:
        AuditChainHead.objects.create(pk=1, seq=0, hash=GENESIS_HASH)

    failures = _hammer()

    assert not failures, failures[:3]
    total = THREADS * EVENTS_PER_THREAD
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    per_thread = {str(n): 0 for n in range(THREADS)}
    for subject_id in AuditEvent.objects.values_list("subject_id", flat=True):
        per_thread[subject_id] += 1
    assert set(per_thread.values()) == {EVENTS_PER_THREAD}
    result = verify_chain()
    assert result.ok, result.summary()
    assert result.count == total
    assert AuditChainHead.objects.get(pk=1).seq == total
