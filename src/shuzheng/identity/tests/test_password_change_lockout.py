"""Guessing the old password on POST /me/password counts toward the same django-axes lockout as logins."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from shuzheng.identity.models import User
from shuzheng.identity.tests.factories import DEFAULT_PASSWORD, CitizenFactory

URL = "/api/v1/identity/me/password"
NEW = "Qiaoxiang#01"


@pytest.fixture
def citizen(db: None) -> User:
    return CitizenFactory.create(username="guesser")


def _change(client: Client, old: str) -> dict:
    response = client.post(
        URL, json.dumps({"old_password": old, "new_password": NEW}), content_type="application/json"
    )
    return {"status": response.status_code, **(response.json() if response.content else {})}


def test_wrong_guesses_lock_the_account_and_then_even_the_right_password_is_refused(citizen: User) -> None:
    client = Client()
    client.force_login(citizen)
    limit = settings.AXES_FAILURE_LIMIT
    answers = [_change(client, f"Wrong#{n}guess") for n in range(limit)]
    assert [a["status"] for a in answers[:-1]] == [422] * (limit - 1)
    assert all(a["code"] == "wrong_password" for a in answers[:-1])
    assert answers[-1]["status"] == 429
    assert answers[-1]["code"] == "account_locked"
    assert "锁定" in answers[-1]["detail"]

    right = _change(client, DEFAULT_PASSWORD)
    assert right["status"] == 429
    assert right["code"] == "account_locked"
    assert right["errors"][0]["field"] == "old_password"
    citizen.refresh_from_db()
    assert citizen.check_password(DEFAULT_PASSWORD)
    # The same lockout as the login page: the password does not log in either.
    login = RequestFactory().post("/accounts/login/")
    assert authenticate(login, username="guesser", password=DEFAULT_PASSWORD) is None
    assert login.axes_locked_out  # type: ignore[attr-defined]  # set by django-axes


def test_the_right_password_works_again_when_the_lockout_ends(citizen: User) -> None:
    client = Client()
    client.force_login(citizen)
    for n in range(settings.AXES_FAILURE_LIMIT):
        _change(client, f"Wrong#{n}guess")
    assert _change(client, DEFAULT_PASSWORD)["status"] == 429
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    attempt = AccessAttempt.objects.get(username="guesser")
    attempt.attempt_time -= cool_off + timedelta(minutes=1)
    attempt.save(update_fields=["attempt_time"])
    assert _change(client, DEFAULT_PASSWORD)["status"] == 204
    citizen.refresh_from_db()
    assert citizen.check_password(NEW)


def test_a_few_wrong_guesses_do_not_lock(citizen: User) -> None:
    client = Client()
    client.force_login(citizen)
    for n in range(settings.AXES_FAILURE_LIMIT - 2):
        assert _change(client, f"Wrong#{n}guess")["code"] == "wrong_password"
    assert _change(client, DEFAULT_PASSWORD)["status"] == 204
