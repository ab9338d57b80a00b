"""Concurrent writers on both databases: case numbers never repeat, a retried submission never makes a
second case, and of two clerks acting on one case the second gets a conflict — never a 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from shuzheng.cases.models import Case, CaseSequence, CaseStatusChange
from shuzheng.cases.services.actions import case_act
from shuzheng.cases.tests.conftest import World, new_key
from shuzheng.core.errors import Conflict

THREADS = 16


def _race(count: int, work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[Any] = []
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work(n))
        except BaseException as exc:  # collected and asserted by the test
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, failures


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_consecutive_numbers(world: World) -> None:
    prepared = [world.materials() for _ in range(THREADS)]
    cases, failures = _race(THREADS, lambda n: world.submit(materials=prepared[n]).number)
    assert not failures, failures[:3]
    assert len(cases) == len(set(cases)) == THREADS
    assert sorted(int(number[-6:]) for number in cases) == list(range(1, THREADS + 1))
    assert CaseSequence.objects.get().last_value == THREADS


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_submission_make_one_case(world: World) -> None:
    key = new_key()
    prepared = [world.materials() for _ in range(8)]
    ids, failures = _race(8, lambda n: world.submit(idempotency_key=key, materials=prepared[n]).pk)
    assert not failures, failures[:3]
    assert len(set(ids)) == 1
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_the_same_case(world: World) -> None:
    case = world.submit()
    version = case.lock_version

    def accept(n: int) -> str:
        return case_act(actor=world.acceptor, case=case, action="accept", expected_version=version).status

    results, failures = _race(2, accept)
    assert results == ["accepted"]
    assert len(failures) == 1
    assert isinstance(failures[0], Conflict)
    assert failures[0].detail == "办件已被他人更新，请刷新后重试"
    assert CaseStatusChange.objects.filter(case=case, action="accept").count() == 1
    assert Case.objects.get(pk=case.pk).lock_version == version + 1
