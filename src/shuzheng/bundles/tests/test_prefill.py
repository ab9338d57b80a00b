"""四免 in a bundle: shared fields from the account and from a base registry read through the data service
(logged; a field that cannot be read is asked, with the reason), read-only unless correctable, and
materials covered by a held licence linked instead of asked for."""

from __future__ import annotations

from typing import Any

import pytest

from shuzheng.bundles import selectors
from shuzheng.bundles.prefill import prefill_for
from shuzheng.bundles.services import versions as version_services
from shuzheng.bundles.services.applications import bundle_apply
from shuzheng.bundles.tests.conftest import SHARED, Bench, new_key
from shuzheng.cases import form_privacy
from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.tests.conftest import upload
from shuzheng.catalog.tests.factories import (
    MaterialRequirementFactory,
    ServiceItemVersionFactory,
    WorkflowStepFactory,
)
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.validators import generate_uscc
from shuzheng.datahub.models import AccessLog
from shuzheng.datahub.tests.conftest import Hub, approve, hub, people, person_entry  # noqa: F401 - fixtures
from shuzheng.identity.services import accounts as account_services
from shuzheng.licences.services import licences, seals
from shuzheng.licences.tests.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db
ACCOUNT_PHONE: dict[str, Any] = {**SHARED[0], "source": {"kind": "account", "item": "mobile"}}


def _republish(bench: Bench, **fields: Any) -> None:
    draft = version_services.version_draft_from(actor=SYSTEM, version=bench.bundle)
    version_services.version_update(actor=SYSTEM, version=draft, fields=fields)
    version_services.version_publish(actor=SYSTEM, version=draft)


def test_account_prefill_is_used_and_read_only(bench: Bench) -> None:
    _republish(bench, shared_fields=[ACCOUNT_PHONE, SHARED[1]])
    guide = selectors.guide(selectors.live_version(bench.bundle.code))
    assert guide.fields_after == 2  # reason and the second item's business scope
    assert guide.automatic == [("联系电话", "登录账号的手机号码")]
    application = bench.apply(shared={"reason": "开办小店"})
    first = application.children.get(position=1)
    case = cases_selectors.case_get(user=bench.citizen, case_id=first.case_id)
    assert form_privacy.unseal(case.version.form_schema, case.form_data)["phone"] == "13707500001"
    with pytest.raises(ValidationFailed) as exc:
        bench.apply(shared={"phone": "13800000000", "reason": "x"})
    assert {e["field"]: e["type"] for e in exc.value.errors}["shared.phone"] == "prefilled"


def test_a_held_licence_is_linked_instead_of_asked(bench: Bench) -> None:
    bench.org.bureau.uscc = generate_uscc("440785", 77, authority="1", entity_type="1")
    bench.org.bureau.save()
    seals.seal_issue(actor=SYSTEM, department=bench.org.bureau)
    licence_type = LicenceTypeFactory.create(name="经营场所证明", department=bench.org.bureau)
    licence = licences.licence_issue(
        actor=SYSTEM,
        licence_type=licence_type,
        holder_name=bench.citizen.full_name,
        holder_code=bench.citizen.id_number,
        holder_user=bench.citizen,
        data={"address": "恩平市恩城街道1号", "scope": "零售"},
    )
    for version in (bench.first, bench.second, bench.third):
        version.materials.filter(code="M02").update(licence_type="经营场所证明")
    held = prefill_for(user=bench.citizen, version=bench.bundle).licences
    assert held["经营场所证明"].pk == licence.pk
    application = bench.apply(materials=[])  # nothing uploaded: the licence covers it
    first = application.children.get(position=1)
    case = cases_selectors.case_get(user=bench.citizen, case_id=first.case_id)
    references = {m.name: m.licence_reference for m in cases_selectors.case_materials(case)}
    assert references["经营场所证明"] == f"经营场所证明:{licence.identifier}"


def _registry_bundle(hub: Hub, entry_code: str, *, item: str = "household_size") -> Any:  # noqa: F811
    form = {
        "type": "object",
        "required": ["household_size", "phone"],
        "properties": {
            "household_size": {"type": "integer", "title": "家庭人口数", "minimum": 1},
            "phone": {"type": "string", "title": "联系电话"},
        },
    }
    codes = []
    for n in range(2):
        version = ServiceItemVersionFactory.create(
            item__department=hub.consumer, name=f"救助事项{n}", form_schema=form, applicant_types=["person"]
        )
        MaterialRequirementFactory.create(version=version, code="M01", name="申请书", need="conditional")
        WorkflowStepFactory.create(version=version, position=1, role_code="case_approver")
        codes.append(version.code)
    shared = [
        {
            "name": "household_size",
            "schema": {"type": "integer", "title": "家庭人口数"},
            "required": True,
            "source": {"kind": "registry", "entry": entry_code, "item": item, "key": "person"},
        },
        {
            "name": "phone",
            "schema": {"type": "string", "title": "联系电话"},
            "required": True,
            "source": {"kind": "registry", "entry": entry_code, "item": "mobile", "key": "person"},
        },
    ]
    mapping = {"household_size": "household_size", "phone": "phone"}
    draft = version_services.bundle_create(
        actor=SYSTEM,
        code="jiuzhu-test",
        fields={
            "name": "救助一件事",
            "audience": "person",
            "theme": "assistance",
            "lead_department": hub.consumer,
            "shared_fields": shared,
            "members": [{"item_code": c, "mapping": mapping, "own_fields": []} for c in codes],
        },
    )
    return version_services.version_publish(actor=SYSTEM, version=draft)


def test_registry_prefill_through_the_data_service(hub: Hub, person_entry: Any) -> None:  # noqa: F811
    person = people()[2]
    citizen = account_services.citizen_create(
        actor=SYSTEM, username="wang", full_name=person["full_name"], id_number=person["id_number"]
    )
    version = _registry_bundle(hub, person_entry.code)
    # no sharing grant yet: nothing is prefilled, each field says why and is asked
    denied = prefill_for(user=citizen, version=version)
    assert denied.values == {}
    assert "没有" in denied.problems["household_size"]
    with pytest.raises(ValidationFailed) as exc:
        bundle_apply(actor=citizen, code="jiuzhu-test", shared={}, idempotency_key=new_key())
    messages = {e["field"]: e["message"] for e in exc.value.errors}
    assert "家庭人口数" in messages["shared.household_size"]
    approve(hub, person_entry, fields=["id_number", "household_size", "mobile"])
    logged = AccessLog.objects.count()
    found = prefill_for(user=citizen, version=version)
    assert found.values["household_size"].value == 3
    assert "phone" in found.problems  # the grant masks the mobile: asked, not filled with asterisks
    assert AccessLog.objects.count() == logged + 1  # one logged read for both fields
    application = bundle_apply(
        actor=citizen, code="jiuzhu-test", shared={"phone": "13707500009"}, idempotency_key=new_key()
    )
    child = application.children.get(position=1)
    assert child.case_id is not None
    case = cases_selectors.case_get(user=citizen, case_id=child.case_id)
    assert case.form_data["household_size"] == 3


def test_a_registry_source_naming_an_unknown_item_is_refused_on_save(hub: Hub, person_entry: Any) -> None:  # noqa: F811
    with pytest.raises(ValidationFailed) as exc:
        _registry_bundle(hub, person_entry.code, item="no_such_item")
    assert any("no_such_item" in e["message"] for e in exc.value.errors)


def test_materials_answered_by_upload_still_work(bench: Bench) -> None:
    application = bench.apply(materials=[{"key": "name:经营场所证明", "upload_id": upload(bench.citizen).pk}])
    assert application.children.count() == 3


def test_a_waiting_child_links_the_licence_held_when_it_is_filed(bench: Bench) -> None:
    application = bench.apply()
    bench.org.bureau.uscc = generate_uscc("440785", 78, authority="1", entity_type="1")
    bench.org.bureau.save()
    seals.seal_issue(actor=SYSTEM, department=bench.org.bureau)
    licence = licences.licence_issue(
        actor=SYSTEM,
        licence_type=LicenceTypeFactory.create(name="居民身份证", department=bench.org.bureau),
        holder_name=bench.citizen.full_name,
        holder_code=bench.citizen.id_number,
        holder_user=bench.citizen,
        data={"address": "恩平市恩城街道1号", "scope": "—"},
    )
    first = application.children.get(position=1)
    assert first.case_id is not None
    bench.conclude(first.case_id)
    third = application.children.get(position=3)
    assert third.case_id is not None
    case = cases_selectors.case_get(user=bench.citizen, case_id=third.case_id)
    references = {m.name: m.licence_reference for m in cases_selectors.case_materials(case)}
    assert references["居民身份证"] == f"居民身份证:{licence.identifier}"
