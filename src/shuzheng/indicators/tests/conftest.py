from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory
from shuzheng.indicators.constants import PROJECT_PERM, REGISTRY_PERM, VIEW_PERM

BACKEND = "shuzheng.identity.backends.RoleBackend"


def client_with(
    *perms: str, scope: str = DataScopeKind.ALL, division: Any = None, **user: Any
) -> tuple[Client, Any]:
    account = UserFactory.create(**user)
    role = RoleFactory.create(perms=list(perms))
    RoleAssignmentFactory.create(user=account, role=role, scope=scope, division=division)
    client = Client()
    client.force_login(account, backend=BACKEND)
    return client, account


@pytest.fixture
def leader() -> Client:
    return client_with(VIEW_PERM)[0]


@pytest.fixture
def keeper() -> Client:
    return client_with(VIEW_PERM, REGISTRY_PERM, PROJECT_PERM)[0]
