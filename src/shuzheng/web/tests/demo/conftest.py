"""The full Enping demo (`shuzheng load-demo`) in the test database, for the tests in this package, which
look at the platform as its demo users see it. Every step runs; only the generated volumes are smaller
(2,000 synthetic closed appeals instead of 20,000 to train the dispatch model on, 500 registry persons
instead of 3,000), which leaves every page with data and saves most of the load time.

Loading takes about half a minute, so a worker loads it once for the package (package scope) inside
one transaction that is rolled back afterwards: the other tests on that worker never see the demo.
``make test`` distributes whole files (``--dist loadfile``), so each file here runs on one worker and
loads the demo at most once. (``--dist loadgroup`` would pin the package to one worker, but with pytest 9
it groups nothing: the group suffix it adds to node ids does not reach the scheduler.)
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase, override_settings

from shuzheng.identity.models import User

BACKEND = "shuzheng.identity.backends.RoleBackend"


@dataclass(frozen=True)
class Demo:
    data_dir: Path  # files the demo writes (dispatch model, keys, uploads) live here, not in var/
    seconds: float  # how long loading took

    @property
    def media_root(self) -> Path:
        return self.data_dir / "media"


def one_account_per_role() -> list[str]:
    """The first demo account (by user name) of every role the demo hands out, and of every kind of
    account that needs no role (citizens, enterprise agents), so a role added to the demo is looked at
    without editing the tests."""
    chosen: dict[str, str] = {}
    for code, username in (
        User.objects.filter(assignments__isnull=False)
        .order_by("username")
        .values_list("assignments__role__code", "username")
    ):
        chosen.setdefault(f"role:{code}", username)
    for kind, username in (
        User.objects.exclude(kind=User.Kind.STAFF).order_by("username").values_list("kind", "username")
    ):
        chosen.setdefault(f"kind:{kind}", username)
    return sorted(set(chosen.values()))


def client_for(username: str | None) -> Client:
    """A client logged in as the demo account ``username`` (None: an anonymous visitor)."""
    client = Client()
    if username is not None:
        client.force_login(User.objects.get(username=username), backend=BACKEND)
    return client


HISTORICAL_APPEALS = 2000
PERSONS = 500


@pytest.fixture(scope="package")
def demo(django_db_setup: None, django_db_blocker, tmp_path_factory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo")
    overrides = override_settings(
        DATA_DIR=data_dir,
        MEDIA_ROOT=data_dir / "media",
        SHUZHENG_STAFF_OTP_REQUIRED=False,
        SHUZHENG_DEMO_PERSONS=PERSONS,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("shuzheng.appeals.demo.HISTORICAL_COUNT", HISTORICAL_APPEALS)
        with django_db_blocker.unblock(), overrides, transaction.atomic():
            yield from _load(data_dir)


def _load(data_dir: Path) -> Iterator[Demo]:
    started = time.perf_counter()
    # Callbacks that would run when load-demo's transactions commit run here instead.
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("load_demo", "--quiet", stdout=io.StringIO(), stderr=io.StringIO())
    try:
        yield Demo(data_dir=data_dir, seconds=time.perf_counter() - started)
    finally:
        transaction.set_rollback(True)
        cache.clear()
