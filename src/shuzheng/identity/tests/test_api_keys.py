"""Personal API keys: shown once, stored as a keyed digest, refused when wrong, revoked or expired."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import PermissionDenied, ValidationFailed
from shuzheng.identity.models import ApiKey, AuditEvent
from shuzheng.identity.services import api_keys as api_key_services
from shuzheng.identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_issued_key_authenticates_its_user_and_only_a_digest_is_stored() -> None:
    user = UserFactory.create()
    key, raw = api_key_services.api_key_issue(actor=user, user=user, name="12345 对接")
    assert api_key_services.api_key_authenticate(raw) == user
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw.split(".", 1)[1] not in stored.secret_hash
    assert stored.last_used_at is not None
    assert AuditEvent.objects.filter(action="identity.api_key_issued", subject_id=str(key.pk)).exists()


@pytest.mark.parametrize(
    "mangle", [lambda r: r + "x", lambda r: r.split(".")[0], lambda r: "", lambda r: "a.b"]
)
def test_a_wrong_key_authenticates_nobody(mangle) -> None:
    user = UserFactory.create()
    _, raw = api_key_services.api_key_issue(actor=SYSTEM, user=user, name="k")
    assert api_key_services.api_key_authenticate(mangle(raw)) is None


def test_revoked_expired_and_inactive_keys_are_refused() -> None:
    user = UserFactory.create()
    key, raw = api_key_services.api_key_issue(actor=SYSTEM, user=user, name="k")
    api_key_services.api_key_revoke(actor=user, key=key)
    assert api_key_services.api_key_authenticate(raw) is None
    key2, raw2 = api_key_services.api_key_issue(actor=SYSTEM, user=user, name="k2")
    ApiKey.objects.filter(pk=key2.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_key_services.api_key_authenticate(raw2) is None
    _, raw3 = api_key_services.api_key_issue(actor=SYSTEM, user=user, name="k3")
    user.is_active = False
    user.save()
    assert api_key_services.api_key_authenticate(raw3) is None


def test_issuing_for_someone_else_needs_account_administration() -> None:
    user, other = UserFactory.create(), UserFactory.create()
    with pytest.raises(PermissionDenied):
        api_key_services.api_key_issue(actor=other, user=user, name="k")
    with pytest.raises(ValidationFailed):
        api_key_services.api_key_issue(actor=user, user=user, name=" ")
    assert not ApiKey.objects.exists()


def test_the_command_prints_the_key_once() -> None:
    user = UserFactory.create(username="open311_client")
    out = StringIO()
    call_command("issue_api_key", "open311_client", "--name", "网格平台", stdout=out, stderr=StringIO())
    assert api_key_services.api_key_authenticate(out.getvalue().strip()) == user
    with pytest.raises(CommandError):
        call_command("issue_api_key", "nobody", "--name", "x", stdout=StringIO(), stderr=StringIO())
