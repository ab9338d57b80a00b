"""schemathesis over /api/v1/openapi.json: every operation, called as a citizen and as an administrator
with generated valid and invalid input, answers no 5xx and what it answers matches the documented schema.

The calls go through the WSGI application inside the test's transaction (so the small world below is
seen and nothing outlives the test). Examples are bounded per operation to keep the suite quick.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.catalog.tests.factories import ServiceItemVersionFactory
from shuzheng.identity.models import User
from shuzheng.identity.tests.factories import CitizenFactory, UserFactory
from shuzheng.orgs.models import Division, Window
from shuzheng.orgs.tests.factories import (
    DepartmentFactory,
    DivisionFactory,
    GridFactory,
    GridWorkerFactory,
    HallFactory,
    KioskFactory,
    WindowFactory,
)

# Examples per operation and role: valid input (the server must answer as documented) and invalid input.
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
CHECKS = [not_a_server_error, response_schema_conformance]
BACKEND = "shuzheng.identity.backends.RoleBackend"


def _session_headers(user: User) -> dict[str, str]:
    """The cookies of a logged-in browser (session and CSRF) and the CSRF header its pages would send."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    csrf = _get_new_csrf_string()
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    return {"Cookie": cookie, "X-CSRFToken": csrf}


@pytest.fixture
def wsgi_in_transaction() -> Any:
    """Django's WSGI handler closes the connection after each request; here it must stay (the test
    transaction), as Django's test client keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def people(db: None) -> dict[str, User]:
    """A little of everything, so lists and details answer with rows whose shape is checked too."""
    city = DivisionFactory.create(code="440785", name="恩平市", level=Division.Level.CITY)
    town = DivisionFactory.create(code="440785100", name="恩城街道", level=Division.Level.TOWN, parent=city)
    bureau = DepartmentFactory.create(code="D-ZWSJ", name="恩平市政务服务数据管理局", division=city)
    hall = HallFactory.create(division=city)
    WindowFactory.create(hall=hall, kind=Window.Kind.SPECIALISED, department=bureau)
    KioskFactory.create(division=city, hall=hall)
    GridWorkerFactory.create(grid=GridFactory.create(division=town))
    admin = UserFactory.create(username="fuzz_admin", department=bureau, is_superuser=True, is_staff=True)
    citizen = CitizenFactory.create(username="fuzz_citizen")
    CaseFactory.create(applicant=citizen, version=ServiceItemVersionFactory.create(item__department=bureau))
    return {"citizen": citizen, "admin": admin}


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], tally: Counter[str]) -> str | None:
    """Run one operation's examples; the failure's text, or None."""

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        tally["cases"] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:  # nothing in this operation can be made invalid (no parameters, say)
        return None
    except (Exception, BaseExceptionGroup) as failure:  # collected: one run reports every failing operation
        return f"{operation.label} ({mode.value}): {failure}"
    return None


@pytest.mark.parametrize("role", ["citizen", "admin"])
def test_the_api_keeps_its_documented_promises(
    wsgi_in_transaction: Any, people: dict[str, User], role: str
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_in_transaction)
    headers = _session_headers(people[role])
    tally: Counter[str] = Counter()
    failures = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        tally["operations"] += 1
        for mode in EXAMPLES:
            failure = _run(operation, mode, headers, tally)
            if failure:
                failures.append(failure)
    print(f"schemathesis as {role}: {tally['operations']} operations, {tally['cases']} cases")
    assert tally["operations"] > 100
    assert not failures, "\n\n".join(failures)
