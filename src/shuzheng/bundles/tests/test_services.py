"""Bundles end to end over the cases services: publish checks, one submission → parent and children,
waiting children, the refusal rule, one 补正 for several children, conclusion."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from shuzheng.bundles import selectors
from shuzheng.bundles.constants import ChildStatus, Outcome
from shuzheng.bundles.services import versions as version_services
from shuzheng.bundles.services.applications import bundle_request_corrections, bundle_respond_corrections
from shuzheng.bundles.tests.conftest import SHARED, Bench
from shuzheng.cases import selectors as cases_selectors
from shuzheng.catalog.services.versions import version_retire
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.identity.models import AuditEvent

pytestmark = pytest.mark.django_db


def fields_of(exc: Any) -> set[str]:
    return {e["field"] for e in exc.value.errors}


def children(application: Any) -> dict[int, Any]:
    return {c.position: c for c in application.children.order_by("position")}


def test_publish_refused_while_a_required_child_field_is_unfilled(bench: Bench) -> None:
    members = bench.members()
    members[1]["own_fields"] = []  # business_scope is required by the second item and nobody fills it
    members[0]["mapping"] = {"reason": "reason"}  # phone of the first is left unfilled as well
    draft = version_services.version_draft_from(actor=SYSTEM, version=bench.bundle)
    draft = version_services.version_update(actor=SYSTEM, version=draft, fields={"members": members})
    with pytest.raises(ValidationFailed) as exc:
        version_services.version_publish(actor=SYSTEM, version=draft)
    messages = {e["field"]: e["message"] for e in exc.value.errors}
    assert "联系电话" in messages["members[0]"]
    assert bench.first.name in messages["members[0]"]
    assert "经营范围" in messages["members[1]"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_mappings_to_unknown_fields_are_refused_on_save(bench: Bench) -> None:
    members = bench.members()
    members[0]["mapping"] = {"no_such_field": "phone", "reason": "undeclared"}
    draft = version_services.version_draft_from(actor=SYSTEM, version=bench.bundle)
    with pytest.raises(ValidationFailed) as exc:
        version_services.version_update(actor=SYSTEM, version=draft, fields={"members": members})
    text = " ".join(e["message"] for e in exc.value.errors)
    assert "no_such_field" in text
    assert "undeclared" in text


def test_publishing_supersedes_and_versions_are_immutable(bench: Bench) -> None:
    draft = version_services.version_draft_from(actor=SYSTEM, version=bench.bundle)
    renamed = {"name": "个体户开业一件事（新）"}
    draft = version_services.version_update(actor=SYSTEM, version=draft, fields=renamed)
    version_services.version_publish(actor=SYSTEM, version=draft)
    bench.bundle.refresh_from_db()
    assert bench.bundle.status == "retired"
    assert selectors.live_version("getihu-kaiye").number == 2
    with pytest.raises(Conflict):
        version_services.version_update(actor=SYSTEM, version=bench.bundle, fields={"name": "改名"})
    with pytest.raises(Conflict):
        version_services.version_publish(actor=SYSTEM, version=draft)


def test_one_submission_files_the_children_and_keeps_the_waiting_one(bench: Bench) -> None:
    application = bench.apply()
    kids = children(application)
    assert [kids[p].status for p in (1, 2, 3)] == [ChildStatus.FILED, ChildStatus.FILED, ChildStatus.WAITING]
    first = cases_selectors.case_get(user=bench.citizen, case_id=kids[1].case_id)
    second = cases_selectors.case_get(user=bench.citizen, case_id=kids[2].case_id)
    # shared fields asked once, mapped into each form; identity fields from the account; own field kept
    assert first.form_data["reason"] == second.form_data["reason"] == "开办小店"
    assert first.form_data["applicant_name"] == "张三"
    assert second.form_data["business_scope"] == "日用百货零售"
    assert first.department_id != second.department_id
    # one upload, used by both children (the second got a copy); the ID card is exempt (licence)
    names = {m.name for m in cases_selectors.case_materials(second)}
    assert names == {"居民身份证", "经营场所证明"}
    assert "开办小店" in kids[3].pending
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT pending FROM bundles_bundlechild WHERE id = %s", [kids[3].pk])
        assert "开办小店" not in cursor.fetchone()[0]
    assert AuditEvent.objects.filter(action="bundles.application.submit").count() == 1
    # a retry with the same key returns the same application
    again = bench.apply(idempotency_key=application.idempotency_key)
    assert again.pk == application.pk


def test_bad_input_names_every_field_and_changes_nothing(bench: Bench) -> None:
    with pytest.raises(ValidationFailed) as exc:
        bench.apply(
            shared={"phone": "123", "extra": 1},
            own={bench.second.code: {"not_asked": "x"}, "NOPE": {}},
            materials=[{"key": "name:不存在"}],
        )
    fields = fields_of(exc)
    assert {"shared.phone", "materials[0].key", f"own.{bench.second.code}.not_asked", "own.NOPE"} <= fields
    assert "materials.name:经营场所证明" in fields
    assert selectors.my_applications(user=bench.citizen).items == []


def test_a_retired_child_item_is_a_clear_error(bench: Bench) -> None:
    version_retire(actor=SYSTEM, version=bench.second)
    with pytest.raises(ValidationFailed) as exc:
        bench.apply()
    assert f"children.{bench.second.code}" in fields_of(exc)


def test_staff_cannot_apply_and_others_cannot_see(bench: Bench) -> None:
    with pytest.raises(PermissionDenied):
        bench.apply(actor=bench.clerk)
    application = bench.apply()
    with pytest.raises(NotFound):
        selectors.application_get(user=bench.clerk, number=application.number)


def test_waiting_child_is_filed_when_the_earlier_one_is_approved_and_bundle_concludes(bench: Bench) -> None:
    application = bench.apply()
    kids = children(application)
    bench.conclude(kids[1].case_id)
    kids = children(application)
    assert kids[3].status == ChildStatus.FILED
    assert kids[3].case_id
    third = cases_selectors.case_get(user=bench.citizen, case_id=kids[3].case_id)
    assert {m.name for m in cases_selectors.case_materials(third)} == {"居民身份证", "经营场所证明"}
    bench.conclude(kids[2].case_id)
    application.refresh_from_db()
    assert application.status == "in_progress"
    bench.conclude(kids[3].case_id)
    application.refresh_from_db()
    assert application.status == "concluded"
    assert application.outcome == Outcome.ALL_APPROVED
    views = selectors.children_of(application)
    assert [v.case_status for v in views] == ["concluded"] * 3


def test_refused_child_drops_its_dependents_and_continue_rule_keeps_others(bench: Bench) -> None:
    application = bench.apply()
    kids = children(application)
    bench.conclude(kids[1].case_id, refuse=True)
    kids = children(application)
    assert kids[3].status == ChildStatus.CANCELLED
    assert cases_selectors.current_status(kids[2].case_id) == "submitted"
    bench.conclude(kids[2].case_id)
    application.refresh_from_db()
    assert application.status == "concluded"
    assert application.outcome == Outcome.PARTLY_APPROVED


def test_stop_rule_withdraws_the_undecided_children(bench: Bench) -> None:
    draft = version_services.version_draft_from(actor=SYSTEM, version=bench.bundle)
    draft = version_services.version_update(actor=SYSTEM, version=draft, fields={"refusal_rule": "stop"})
    version_services.version_publish(actor=SYSTEM, version=draft)
    application = bench.apply()
    kids = children(application)
    bench.act(kids[1].case_id, "reject", reasons="材料不全", legal_basis="《行政许可法》第三十二条")
    kids = children(application)
    assert cases_selectors.current_status(kids[2].case_id) == "withdrawn"
    assert kids[3].status == ChildStatus.CANCELLED
    application.refresh_from_db()
    assert application.status == "concluded"
    assert application.outcome == Outcome.NONE_APPROVED


def test_one_correction_covers_several_children(bench: Bench) -> None:
    application = bench.apply()
    kids = children(application)
    requests = {
        bench.first.code: [{"target": "经营场所证明", "reason": "不清晰"}],
        bench.second.code: [{"target": "经营场所证明", "reason": "不清晰"}],
    }
    bundle_request_corrections(actor=bench.clerk, application=application, requests=requests)
    views = selectors.children_of(application)
    assert [v.case_status for v in views[:2]] == ["correction_requested"] * 2
    assert views[0].correction is not None
    bundle_respond_corrections(actor=bench.citizen, application=application, note="已重新上传")
    assert cases_selectors.current_status(kids[1].case_id) == "submitted"
    assert cases_selectors.current_status(kids[2].case_id) == "submitted"
    with pytest.raises(Conflict):
        bundle_respond_corrections(actor=bench.citizen, application=application, note="再次")


def test_guide_counts_fields_before_and_after(bench: Bench) -> None:
    guide = selectors.guide(selectors.live_version(bench.bundle.code))
    # alone: 4 + 5 + 4 fields; with the bundle: 2 shared + business_scope
    assert guide.fields_before == 13
    assert guide.fields_after == 3
    assert [e.name for e in guide.materials] == ["居民身份证", "经营场所证明"]
    assert guide.materials[0].exempt
    assert guide.materials[1].count == 3


def test_published_bundle_count_and_search(bench: Bench) -> None:
    assert selectors.published_bundle_count() == 1
    assert [v.code for v in selectors.bundle_list(q="个体户").items] == ["getihu-kaiye"]
    version_services.version_retire(actor=SYSTEM, version=bench.bundle)
    assert selectors.published_bundle_count() == 0
    assert selectors.bundle_list(q="个体户").items == []


def test_shared_field_problems_are_named() -> None:
    from shuzheng.bundles.rules import shared_field_problems

    assert shared_field_problems(SHARED) == []
    bad = shared_field_problems([{"name": "Bad"}, {"name": "ok", "schema": {"type": "object"}}, "x"])
    expected = ["shared_fields[0].name", "shared_fields[1].schema", "shared_fields[2]"]
    assert [p["field"] for p in bad] == expected


def test_one_evaluation_rates_every_concluded_child(bench: Bench) -> None:
    from shuzheng.bundles.services.evaluation import bundle_evaluate
    from shuzheng.evaluation.models import Evaluation

    application = bench.apply()
    kids = children(application)
    with pytest.raises(Conflict):
        bundle_evaluate(actor=bench.citizen, application=application, level=5)
    bench.conclude(kids[1].case_id, refuse=True)  # the waiting third is dropped
    bench.conclude(kids[2].case_id)
    application.refresh_from_db()
    with pytest.raises(NotFound):
        bundle_evaluate(actor=bench.clerk, application=application, level=5)
    assert bundle_evaluate(actor=bench.citizen, application=application, level=4, comment="一次办好") == 2
    rated = Evaluation.objects.filter(case_id__in=[kids[1].case_id, kids[2].case_id])
    assert sorted(rated.values_list("department_id", flat=True)) == sorted(
        [bench.first.department_id, bench.second.department_id]
    )
    with pytest.raises(Conflict):  # once only
        bundle_evaluate(actor=bench.citizen, application=application, level=4)
    assert rated.count() == 2
