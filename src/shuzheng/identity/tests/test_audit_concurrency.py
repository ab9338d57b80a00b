"""Concurrent writers never wait on each other for the audit log, and every event is sealed once.

The hammer runs on both databases (SQLite serialises writers by its own IMMEDIATE transactions);
the no-blocking tests need PostgreSQL's row-level concurrency.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from shuzheng.identity.audit_seal import SEALER_LOCK_KEY, seal
from shuzheng.identity.audit_verify import verify_log
from shuzheng.identity.models import AuditEvent, AuditLeaf
from shuzheng.identity.tests.audit_tools import write

THREADS = 8
EVENTS_PER_THREAD = 25

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL")


def _in_thread(target, *args):
    """Run target in a thread with its own connection; returns (thread, failures)."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported by the test
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_a_sealer_seal_every_event_exactly_once() -> None:
    barrier = threading.Barrier(THREADS + 1)
    done = threading.Event()

    def writer(n: int) -> None:
        barrier.wait(timeout=30)
        for i in range(EVENTS_PER_THREAD):
            with transaction.atomic():
                write(1, action=f"test.thread{n}.write{i}")

    def sealer() -> None:
        barrier.wait(timeout=30)
        while not done.is_set():
            seal()
            time.sleep(0.01)

    workers = [_in_thread(writer, n) for n in range(THREADS)]
    sealing, sealer_failures = _in_thread(sealer)
    for thread, _ in workers:
        thread.join(timeout=300)
    done.set()
    sealing.join(timeout=60)

    failures = [f for _, fs in workers for f in fs] + sealer_failures
    assert not failures, failures[:3]
    seal(full=True)
    total = THREADS * EVENTS_PER_THREAD
    assert AuditEvent.objects.count() == total
    leaves = list(AuditLeaf.objects.order_by("index").values_list("index", "event_id"))
    assert [index for index, _ in leaves] == list(range(total))
    assert sorted(seq for _, seq in leaves) == sorted(AuditEvent.objects.values_list("seq", flat=True))
    report = verify_log()
    assert report.ok, report.breaks


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_writer_commits_while_the_first_is_still_open() -> None:
    """The old chain head made the second transaction wait for the first one's COMMIT."""
    first_wrote = threading.Event()
    release = threading.Event()
    seqs: dict[str, int] = {}

    def first() -> None:
        with transaction.atomic():
            seqs["first"] = write(1, action="test.first.write")[0].seq
            first_wrote.set()
            assert release.wait(timeout=30)

    thread, failures = _in_thread(first)
    try:
        assert first_wrote.wait(timeout=30)
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            seqs["second"] = write(1, action="test.second.write")[0].seq
        assert time.monotonic() - started < 2
        # The sealer does not wait for the open transaction either: it seals what is committed.
        assert seal(wait=False).sealed == 1
        assert AuditLeaf.objects.get(index=0).event_id == seqs["second"]
    finally:
        release.set()
        thread.join(timeout=60)
    assert not failures, failures
    # The first event (the lower seq) commits later and gets the next leaf.
    assert seqs["first"] < seqs["second"]
    assert seal().sealed == 1
    assert AuditLeaf.objects.get(index=1).event_id == seqs["first"]
    assert verify_log().ok


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_sealers_contend_only_with_each_other() -> None:
    holding = threading.Event()
    release = threading.Event()

    def other_sealer() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
            holding.set()
            assert release.wait(timeout=30)

    thread, failures = _in_thread(other_sealer)
    try:
        assert holding.wait(timeout=30)
        with transaction.atomic():
            write(1)  # a writer does not take the sealer lock
        result = seal(wait=False)
        assert result.busy
        assert "另一个封存任务正在运行" in result.summary()
    finally:
        release.set()
        thread.join(timeout=60)
    assert not failures, failures
    assert seal().sealed == 1
