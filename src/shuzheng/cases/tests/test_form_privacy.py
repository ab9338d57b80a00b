"""Personal fields of the application form: identifiers checked (stdnum), encrypted at rest, masked for
readers without clearance, and the applicant's identity taken from the account, not typed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from shuzheng.cases.models import Case
from shuzheng.cases.services.common import ApplicantData
from shuzheng.cases.tests.conftest import ACCEPT, World, citizen_id
from shuzheng.cases.tests.test_views import apply_data, client_for, intake_data
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.validators import generate_uscc
from shuzheng.identity.tests.conftest import grant, staff

pytestmark = pytest.mark.django_db

PERSONAL_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["reason", "applicant_name", "id_number", "phone"],
    "properties": {
        "reason": {"type": "string", "title": "申请事由", "minLength": 2},
        "copies": {"type": "integer", "title": "份数"},
        "applicant_name": {"type": "string", "title": "申请人姓名", "x-applicant": "name"},
        "id_number": {
            "type": "string",
            "title": "公民身份号码",
            "format": "id-number",
            "x-personal": True,
            "x-applicant": "id_number",
        },
        "phone": {"type": "string", "title": "联系电话", "format": "mobile", "x-personal": True},
        "bank_account": {"type": "string", "title": "收款银行卡号", "format": "bank-card"},
        "licence": {"type": "string", "title": "营业执照号码", "format": "uscc"},
    },
    "additionalProperties": False,
}
CARD = "6217000000000000004"  # Luhn-valid
BAD_CARD = "6217000000000000005"


@pytest.fixture
def personal(world: World) -> World:
    world.version.form_schema = json.loads(json.dumps(PERSONAL_FORM))
    world.version.save(update_fields=["form_schema"])
    return world


def _form(**extra: Any) -> dict[str, Any]:
    return {"reason": "申请补贴", "phone": "13800138000", "bank_account": CARD, **extra}


def _stored(case: Case) -> dict[str, Any]:
    return dict(Case.objects.filter(pk=case.pk).values_list("form_data", flat=True).get())


def test_personal_fields_are_encrypted_at_rest_and_clear_for_the_applicant(personal: World) -> None:
    case = personal.submit(form_data=_form())
    stored = _stored(case)
    for name in ("id_number", "phone", "bank_account"):
        assert stored[name].startswith("sm4gcm$"), name
    assert personal.citizen.id_number not in json.dumps(stored)
    assert "13800138000" not in json.dumps(stored)
    assert stored["reason"] == "申请补贴"
    response = client_for(personal.citizen).get(f"/api/v1/cases/{case.pk}")
    data = response.json()["form_data"]
    assert data["id_number"] == personal.citizen.id_number
    assert (data["phone"], data["bank_account"]) == ("13800138000", CARD)


def test_staff_without_clearance_see_the_personal_fields_masked(personal: World) -> None:
    case = personal.submit(form_data=_form())
    data = client_for(personal.acceptor).get(f"/api/v1/cases/{case.pk}").json()["form_data"]
    number = personal.citizen.id_number
    assert data["id_number"] == number[:6] + "********" + number[-4:]
    assert data["phone"] == "138****8000"
    assert data["bank_account"] == "6217***********0004"
    assert data["applicant_name"] == "张三"
    page = client_for(personal.acceptor).get(reverse("cases:workbench_case", args=[case.pk]))
    assert number not in page.content.decode()
    assert "138****8000" in page.content.decode()
    cleared = staff(personal.org.bureau, full_name="有明文权限")
    grant(cleared, [*ACCEPT, "identity.view_clear_personal_data"], code="case_acceptor")
    data = client_for(cleared).get(f"/api/v1/cases/{case.pk}").json()["form_data"]
    assert data["id_number"] == number


def test_the_identity_fields_come_from_the_account(personal: World) -> None:
    case = personal.submit(form_data=_form())
    form = client_for(personal.citizen).get(f"/api/v1/cases/{case.pk}").json()["form_data"]
    assert (form["applicant_name"], form["id_number"]) == ("张三", personal.citizen.id_number)
    assert personal.submit(form_data=_form(id_number=personal.citizen.id_number.lower())).pk


def test_a_citizen_cannot_file_with_somebody_elses_id_number(personal: World) -> None:
    other = citizen_id()
    with pytest.raises(ValidationFailed) as caught:
        personal.submit(form_data=_form(id_number=other, applicant_name="李四"))
    fields = {e["field"]: e["message"] for e in caught.value.errors}
    assert set(fields) == {"form_data.id_number", "form_data.applicant_name"}
    assert "登录账号的实名信息" in fields["form_data.id_number"]
    assert not Case.objects.exists()
    client = client_for(personal.citizen)
    body = {"item_code": personal.version.code, "form_data": _form(id_number=other), "materials": []}
    response = client.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "form_data.id_number" in {e["field"] for e in response.json()["errors"]}


def test_at_the_window_the_form_follows_the_applicant_the_clerk_identified(personal: World) -> None:
    number = citizen_id()
    applicant = ApplicantData(kind="person", name="李四", id_number=number)
    case = personal.at_window(applicant=applicant, form_data=_form())
    form = client_for(personal.citizen).get(f"/api/v1/cases/{case.pk}")
    assert form.status_code == 404  # not the citizen's case
    assert _stored(case)["applicant_name"] == "李四"
    with pytest.raises(ValidationFailed) as caught:
        personal.at_window(applicant=applicant, form_data=_form(id_number=personal.citizen.id_number))
    assert "申请人信息" in {e["field"]: e["message"] for e in caught.value.errors}["form_data.id_number"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("phone", "12800138000", "手机号码应以13至19开头"),
        ("bank_account", BAD_CARD, "银行卡号校验位错误"),
        ("bank_account", "6217-0000", "银行卡号应为12至19位数字"),
        ("licence", generate_uscc("440785", 7)[:-1] + "0", "统一社会信用代码"),
    ],
)
def test_identifiers_are_checked_with_their_check_digits(
    personal: World, field: str, value: str, words: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        personal.submit(form_data=_form(**{field: value}))
    error = {e["field"]: e for e in caught.value.errors}[f"form_data.{field}"]
    assert words in error["message"]
    assert error["label"] in caught.value.detail


def test_an_id_number_with_a_wrong_check_digit_is_refused_at_the_window(personal: World) -> None:
    number = citizen_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    applicant = ApplicantData(kind="person", name="李四", id_number=number)
    bad = _form(id_number=wrong)
    with pytest.raises(ValidationFailed) as caught:
        personal.at_window(applicant=applicant, form_data=bad)
    messages = {e["field"]: e["message"] for e in caught.value.errors}
    assert "校验位错误" in messages["form_data.id_number"]


def test_the_web_form_shows_the_identity_read_only_and_names_bad_fields(personal: World) -> None:
    client = client_for(personal.citizen)
    url = reverse("cases:apply", args=[personal.version.code])
    page = client.get(url).content.decode()
    assert "免填写" in page
    assert f'value="{personal.citizen.id_number}"' in page
    assert "disabled" in page
    data = apply_data(personal, "web-p-1", **{"form-phone": "13800138000", "form-bank_account": BAD_CARD})
    data["form-id_number"] = citizen_id()  # a tampered post: the read-only field is ignored
    response = client.post(url, data)
    assert response.status_code == 422
    assert "银行卡号校验位错误" in response.content.decode()
    data = apply_data(personal, "web-p-2", **{"form-phone": "13800138000", "form-bank_account": CARD})
    data["form-id_number"] = citizen_id()
    assert client.post(url, data).status_code == 302
    case = Case.objects.get()
    assert case.applicant == personal.citizen
    detail = client.get(f"/api/v1/cases/{case.pk}").json()["form_data"]
    assert detail["id_number"] == personal.citizen.id_number


def test_intake_page_fills_the_identity_from_the_applicant(personal: World) -> None:
    client = client_for(personal.acceptor)
    number = citizen_id()
    data = intake_data(personal, "web-p-3", number, **{"form-phone": "13800138000"})
    response = client.post(reverse("cases:intake"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _stored(Case.objects.get())["applicant_name"] == "李四"


def test_upgrade_marks_old_schemas_and_seals_stored_form_data(world: World) -> None:
    from importlib import import_module

    legacy = {
        "type": "object",
        "properties": {
            "applicant_name": {"type": "string", "title": "申请人姓名"},
            "id_number": {"type": "string", "title": "公民身份号码", "pattern": "^\\d{17}[\\dXx]$"},
            "phone": {"type": "string", "title": "联系电话", "pattern": "^1[3-9]\\d{9}$"},
            "reason": {"type": "string", "title": "申请事由"},
        },
    }
    world.version.form_schema = legacy
    world.version.save(update_fields=["form_schema"])
    case = world.submit(form_data={"id_number": world.citizen.id_number, "phone": "13800138000"})
    assert _stored(case)["phone"] == "13800138000"
    import_module("shuzheng.catalog.migrations.0003_form_identifier_formats").forwards(apps, None)
    import_module("shuzheng.cases.migrations.0005_seal_personal_form_data").forwards(apps, None)
    world.version.refresh_from_db()
    spec = world.version.form_schema["properties"]
    assert spec["id_number"]["format"] == "id-number"
    assert "pattern" not in spec["id_number"]
    assert spec["phone"]["x-personal"] is True
    assert spec["applicant_name"]["x-applicant"] == "name"
    stored = _stored(case)
    assert stored["phone"].startswith("sm4gcm$")
    assert stored["id_number"].startswith("sm4gcm$")
    detail = Client()
    detail.force_login(world.citizen)
    assert detail.get(f"/api/v1/cases/{case.pk}").json()["form_data"]["phone"] == "13800138000"
