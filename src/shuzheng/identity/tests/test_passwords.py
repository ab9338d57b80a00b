"""Password policy: character classes, no username, history of 5; the set-password service."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from shuzheng.core.errors import PermissionDenied, ValidationFailed
from shuzheng.identity.models import AuditEvent, PasswordHistory, User
from shuzheng.identity.passwords import (
    CharacterClassValidator,
    HistoryValidator,
    NotUsernameValidator,
    character_classes,
)
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import UserFactory

STRONG = ["Qiaoxiang#01", "Qiaoxiang#02", "Qiaoxiang#03", "Qiaoxiang#04", "Qiaoxiang#05", "Qiaoxiang#06"]


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcdEFGH", 2), ("abcd1234", 2), ("abCD12", 3), ("aB1#", 4), ("密码Ab1", 4), ("", 0)],
)
def test_character_classes(password: str, classes: int) -> None:
    assert character_classes(password) == classes


def test_character_class_validator_needs_three_of_four() -> None:
    validator = CharacterClassValidator(min_classes=3)
    validator.validate("enping2026#")  # lower, digit, symbol
    validator.validate("Enping2026")  # lower, upper, digit
    with pytest.raises(ValidationError) as excinfo:
        validator.validate("enping2026")
    assert "至少包含" in excinfo.value.messages[0]
    assert excinfo.value.error_list[0].code == "password_too_few_character_classes"
    assert "3" in validator.get_help_text()


def test_not_username_validator_refuses_username_and_its_reverse_in_any_case() -> None:
    user = User(username="Chenjm")
    validator = NotUsernameValidator()
    validator.validate("Enping#2026", user)
    for bad in ("xxCHENJM#2026", "chenjm", "2026#MjNeHc"):
        with pytest.raises(ValidationError) as excinfo:
            validator.validate(bad, user)
        assert excinfo.value.messages == ["密码不能包含账号名（包括倒序）。"]
    validator.validate("anything", None)  # no user: nothing to compare


@pytest.mark.django_db
def test_history_validator_refuses_the_last_five() -> None:
    user = UserFactory.create()
    for password in STRONG[:5]:
        PasswordHistory.objects.create(user=user, password=_hash(password))
    validator = HistoryValidator(depth=5)
    for password in STRONG[:5]:
        with pytest.raises(ValidationError) as excinfo:
            validator.validate(password, user)
        assert "最近 5 次" in excinfo.value.messages[0]
    validator.validate(STRONG[5], user)
    validator.validate(STRONG[0], User(username="new"))  # an unsaved user has no history


def _hash(password: str) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(password)


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["liangzy", "qwertyuiop", "short"])
def test_configured_policy_messages_are_chinese(password: str) -> None:
    user = UserFactory.create(username="liangzy")
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    assert excinfo.value.messages
    assert not any(message.isascii() for message in excinfo.value.messages), excinfo.value.messages


@pytest.mark.django_db
def test_user_set_password_validates_sets_records_and_audits(org) -> None:
    user = staff(org.bureau, username="wuxf")
    account_services.user_set_password(actor=user, user=user, password="Qiaoxiang#01")
    user.refresh_from_db()
    assert user.check_password("Qiaoxiang#01")
    assert user.password_changed_at is not None
    assert PasswordHistory.objects.filter(user=user).count() == 1
    event = AuditEvent.objects.get(action="identity.user.set_password")
    assert event.subject_id == str(user.pk)
    assert event.actor_id == user.pk
    assert "Qiaoxiang" not in str(event.after)
    assert event.after == {"username": "wuxf", "by_self": True}


@pytest.mark.django_db
def test_history_keeps_five_and_refuses_reuse_of_any_of_them(org) -> None:
    user = staff(org.bureau, username="wuxf")
    for password in STRONG[:6]:
        account_services.user_set_password(actor=user, user=user, password=password)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    # The 6 passwords set: the oldest fell out of the history and may be used again.
    for recent in STRONG[1:6]:
        with pytest.raises(ValidationFailed) as excinfo:
            account_services.user_set_password(actor=user, user=user, password=recent)
        assert excinfo.value.code == "weak_password"
        assert excinfo.value.errors[0]["field"] == "password"
    account_services.user_set_password(actor=user, user=user, password=STRONG[0])


@pytest.mark.django_db
def test_a_weak_password_changes_nothing(org) -> None:
    user = staff(org.bureau, username="wuxf")
    before = user.password
    with pytest.raises(ValidationFailed) as excinfo:
        account_services.user_set_password(actor=user, user=user, password="wuxf12345")
    assert any("账号名" in e["message"] for e in excinfo.value.errors)
    user.refresh_from_db()
    assert user.password == before
    assert not PasswordHistory.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="identity.user.set_password").exists()


@pytest.mark.django_db
def test_setting_someone_elses_password_needs_change_user(org) -> None:
    target = staff(org.bureau, username="target")
    other = staff(org.bureau, username="other")
    with pytest.raises(PermissionDenied):
        account_services.user_set_password(
            actor=User.objects.get(pk=other.pk), user=target, password="Qiaoxiang#01"
        )
    grant(other, ["identity.change_user"])
    account_services.user_set_password(
        actor=User.objects.get(pk=other.pk), user=target, password="Qiaoxiang#01"
    )
    after = AuditEvent.objects.get(action="identity.user.set_password").after
    assert after is not None
    assert after["by_self"] is False


@pytest.mark.django_db
def test_change_own_password_checks_the_old_one(org) -> None:
    user = staff(org.bureau, username="wuxf")
    with pytest.raises(ValidationFailed) as excinfo:
        account_services.user_change_own_password(
            request=RequestFactory().post("/"), user=user, old_password="wrong", new_password="Qiaoxiang#01"
        )
    assert excinfo.value.errors[0]["field"] == "old_password"
    from shuzheng.identity.tests.factories import DEFAULT_PASSWORD

    account_services.user_change_own_password(
        request=RequestFactory().post("/"),
        user=user,
        old_password=DEFAULT_PASSWORD,
        new_password="Qiaoxiang#01",
    )
    assert User.objects.get(pk=user.pk).check_password("Qiaoxiang#01")
