"""`shuzheng load-demo` loads organisations then accounts, prints how to log in, and changes nothing the
second time."""

from __future__ import annotations

import io
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from shuzheng.core.errors import ValidationFailed
from shuzheng.web.management.commands import load_demo

COUNTED_APPS = ("core", "orgs", "identity", "auth", "otp_totp")


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in COUNTED_APPS
    }


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("drop_mounted_tables")
def test_load_demo_twice_changes_nothing_the_second_time(settings, monkeypatch):
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    # Every step runs, on smaller generated volumes than the demo's (speed only).
    settings.SHUZHENG_DEMO_PERSONS = 300
    monkeypatch.setattr("shuzheng.appeals.demo.HISTORICAL_COUNT", 1500)
    out, err = _run()
    first = _counts()
    assert first["orgs.Department"] > 0
    assert first["identity.User"] > 0

    from shuzheng.identity.demo import load as load_accounts

    accounts = load_accounts(None)
    for account in accounts:
        assert account.username in out
    assert accounts[0].password in out
    for url in ("http://127.0.0.1:8000/", "/workbench/", "/admin/", "/api/v1/docs"):
        assert url in out
    assert "组织机构" in err  # tqdm bars go to stderr
    assert "账号与角色" in err

    again_out, _ = _run("--quiet")
    assert again_out == ""
    assert _counts() == first


@pytest.mark.django_db(transaction=True)
def test_load_demo_shows_totp_secrets_when_staff_need_them(settings, monkeypatch):
    settings.SHUZHENG_STAFF_OTP_REQUIRED = True
    monkeypatch.setattr(load_demo, "STEPS", load_demo.STEPS[:2])  # organisations and accounts
    out, _ = _run("--base-url", "https://demo.example/")
    assert "TOTP 密钥" in out
    assert "https://demo.example/workbench/" in out


@dataclass
class FakeAccount:
    username: str
    password: str
    role: str
    scope: str
    otp_secret: str = ""


def _fake_loaders(monkeypatch, accounts_loader):
    def orgs_load(progress):
        for done, label in enumerate(("行政区划", "部门"), start=1):
            progress(label, done, 2)
        return {"divisions": 3, "departments": 2, "created": 5}

    modules = {
        "shuzheng.orgs.demo": SimpleNamespace(load=orgs_load),
        "shuzheng.identity.demo": SimpleNamespace(load=accounts_loader),
    }
    # Steps of other contexts load nothing here.
    idle = SimpleNamespace(load=lambda progress: None)
    monkeypatch.setattr(load_demo, "import_module", lambda name: modules.get(name, idle))


def test_output_lists_counts_accounts_and_links_in_aligned_columns(monkeypatch, settings):
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    accounts = [
        FakeAccount("admin", "Pw#1", "系统管理员", "全市"),
        FakeAccount("citizen01", "Pw#2", "群众", "本人"),
    ]
    _fake_loaders(monkeypatch, lambda progress: accounts)
    out, err = _run()
    assert "组织机构：行政区划 3，部门 2（本次新增 5 条）" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("账号"))
    assert lines[header].split() == ["账号", "密码", "角色", "数据范围"]
    # Columns line up on screen although 账号 and 角色 values are double-width characters.

    def column(line: str, text: str) -> int:
        return load_demo._width(line[: line.index(text)])

    assert (
        column(lines[header + 2], "Pw#1")
        == column(lines[header + 3], "Pw#2")
        == column(lines[header], "密码")
    )
    assert (
        column(lines[header + 2], "全市")
        == column(lines[header + 3], "本人")
        == column(lines[header], "数据范围")
    )
    assert "TOTP" not in out
    assert "组织机构 · 部门" in err


def test_quiet_prints_nothing(monkeypatch):
    _fake_loaders(monkeypatch, lambda progress: [FakeAccount("a", "b", "c", "d")])
    assert _run("--quiet") == ("", "")


def test_a_refused_demo_row_is_a_command_error_not_a_traceback(monkeypatch):
    def refuse(progress):
        raise ValidationFailed("密码不符合安全要求")

    _fake_loaders(monkeypatch, refuse)
    with pytest.raises(CommandError, match="载入账号与角色失败：密码不符合安全要求"):
        _run("--quiet")
