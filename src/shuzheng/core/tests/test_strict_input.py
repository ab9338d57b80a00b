"""The strict input base refuses what no column can store (NUL, lone surrogates) at any depth, naming the
field; over the real API any Unicode text in a body or a query string is answered 2xx or 4xx, never 5xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuzheng.cases.schemas import CaseSubmitIn
from shuzheng.core.schemas import StrictIn, unstorable_path
from shuzheng.datahub.models import CatalogEntry
from shuzheng.identity.tests.factories import DEFAULT_PASSWORD, CitizenFactory, UserFactory
from shuzheng.orgs.models import Division
from shuzheng.orgs.tests.factories import DivisionFactory

API = "/api/v1"
BACKEND = "shuzheng.identity.backends.RoleBackend"
# Any code point, surrogates included, and the two that broke PostgreSQL always in the mix.
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),
    st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=8), st.text(max_size=8)),
    st.builds(lambda a: f"{a}\ud800", st.text(max_size=8)),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _body(data: Any) -> str:
    return json.dumps(data)  # ASCII escapes: lone surrogates travel as \\ud800, as any client may send them


def _post(client: Client, path: str, data: Any) -> Any:
    return client.post(f"{API}{path}", _body(data), content_type="application/json")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def admin(db: None) -> Any:
    return UserFactory.create(username="strict_admin", is_superuser=True, is_staff=True)


@pytest.fixture
def city(db: None) -> Division:
    return DivisionFactory.create(code="440785", name="恩平市", level=Division.Level.CITY)


# --- the base itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "x\udfffy"])
def test_unstorable_text_is_refused_at_any_depth_naming_the_field(bad):
    nested = {"item_code": "X", "form_data": {"people": [{"name": "张三"}, {"name": bad}]}}
    with pytest.raises(ValueError, match="空字符") as info:
        CaseSubmitIn.model_validate(nested)
    (error,) = info.value.errors()  # type: ignore[attr-defined]
    assert error["loc"] == ("form_data",)
    assert "people[1].name" in str(error["ctx"]["error"])


def test_keys_count_as_text_and_are_never_echoed_raw():
    assert unstorable_path({"ok": {"a\ud800": 1}}) == "ok.a\ufffd"
    assert unstorable_path({"ok": ["fine", "中文", 3, None]}) is None


def test_text_is_stripped_and_unknown_fields_refused():
    class Sample(StrictIn):
        name: str

    assert Sample.model_validate({"name": "  张三 "}).name == "张三"
    with pytest.raises(ValueError, match="extra"):
        Sample.model_validate({"name": "x", "other": 1})


# --- over the API ---------------------------------------------------------------------------------------


def test_nul_in_a_datahub_entry_name_is_a_422_naming_the_field_and_writes_nothing(admin):
    payload = {
        "name": "人口\x00信息",
        "class_code": "A01",
        "items": [{"name": "full_name", "label": "姓名"}],
    }
    response = _post(_client(admin), "/datahub/entries", payload)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "name"
    assert "空字符" in problem["detail"]
    assert not CatalogEntry.objects.exists()


def test_nul_in_a_query_parameter_is_a_422_naming_it(db):
    response = Client().get(f"{API}/catalog/guides?q=%E9%A3%9F%00")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


@FUZZ
@given(name=ANY_TEXT, code=ANY_TEXT)
def test_any_text_creating_a_division_is_never_a_server_error(admin, city, name, code):
    payload = {"code": code, "name": name, "level": "town", "parent_id": city.pk}
    response = _post(_client(admin), "/orgs/divisions", payload)
    assert response.status_code < 500, response.content
    if "\x00" in name or "\ud800" in name:
        assert response.status_code == 422


@FUZZ
@given(name=ANY_TEXT, label=ANY_TEXT, abstract=ANY_TEXT)
def test_any_text_in_a_datahub_entry_is_never_a_server_error(admin, name, label, abstract):
    payload = {
        "name": name,
        "class_code": "A01",
        "abstract": abstract,
        "items": [{"name": "a", "label": label}],
    }
    response = _post(_client(admin), "/datahub/entries", payload)
    assert response.status_code < 500, response.content


@FUZZ
@given(text=ANY_TEXT, key=ANY_TEXT)
def test_any_text_in_a_citizen_appeal_is_never_a_server_error(city, text, key):
    citizen = CitizenFactory.create(username="strict_citizen")
    payload = {"appeal_type": "complaint", "text": text, "division_code": city.code, "address": key}
    response = _post(_client(citizen), "/appeals/mine", payload)
    assert response.status_code < 500, response.content


@FUZZ
@given(old=ANY_TEXT, new=ANY_TEXT)
def test_any_text_as_a_password_is_never_a_server_error(db, old, new):
    citizen = CitizenFactory.create(username="strict_password")
    response = _post(_client(citizen), "/identity/me/password", {"old_password": old, "new_password": new})
    assert response.status_code < 500, response.content
    citizen.refresh_from_db()
    assert citizen.check_password(DEFAULT_PASSWORD) or old == DEFAULT_PASSWORD


@FUZZ
@given(q=ANY_TEXT, extra=ANY_TEXT)
def test_any_text_in_query_strings_is_never_a_server_error(admin, q, extra):
    client = _client(admin)
    raw = quote(q.encode("utf-8", "surrogatepass"))
    key = quote(extra.encode("utf-8", "surrogatepass"))
    for path in (
        "/catalog/guides",
        "/identity/users",
        "/orgs/halls",
        "/appeals/kb/search",
        "/datahub/entries",
    ):
        response = client.get(f"{API}{path}?q={raw}&{key}=1")
        assert response.status_code < 500, (path, response.content)


HUGE = "-1548739101435934936070619136"  # beyond 64 bits: SQLite cannot bind it, no column holds it


def test_an_integer_beyond_64_bits_in_a_query_is_refused_naming_the_parameter_or_matches_nothing(admin):
    response = _client(admin).get(f"{API}/orgs/halls?division={HUGE}&level=town")
    if connection.vendor == "postgresql":  # compared as numeric: simply no such division
        assert response.json()["items"] == []
    else:
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "division"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", f"/orgs/divisions/{HUGE.lstrip('-')}", None),
        ("post", "/orgs/halls", {"code": "H1", "name": "大厅", "level": "city", "division_id": int(HUGE)}),
        ("get", f"/identity/users?department_id={HUGE}", None),
    ],
)
def test_integers_beyond_64_bits_are_never_a_server_error(admin, city, method, path, body):
    client = _client(admin)
    response = _post(client, path, body) if method == "post" else client.get(f"{API}{path}")
    assert response.status_code < 500, response.content


def test_a_parameter_of_thousands_of_digits_is_never_a_server_error(admin):
    response = _client(admin).get(f"{API}/orgs/halls?division={'9' * 5000}")
    assert response.status_code < 500, response.content
