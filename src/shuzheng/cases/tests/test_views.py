"""The case pages through Django's test client: portal (apply, my cases, correction, withdrawal, result)
and workbench (intake at the window, queue, case detail and every kind of action)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case, CaseMaterial
from shuzheng.cases.services.common import MaterialData
from shuzheng.cases.tests.conftest import World, citizen_id, pdf_bytes, png_bytes, upload
from shuzheng.identity.models import User
from shuzheng.identity.tests.conftest import login_verified

S = CaseStatus


def client_for(user: Any) -> Client:
    client = Client()
    if user.kind == "staff":
        login_verified(client, user)
    else:
        client.force_login(user)
    return client


def _key(response: Any) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode())
    assert match, "the form carries an idempotency key"
    return match.group(1)


def apply_data(world: World, key: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "idempotency_key": key,
        "form-reason": "开办小餐馆",
        "form-copies": "1",
        "mat-M001-file": SimpleUploadedFile("id.pdf", pdf_bytes()),
        "mat-M002-file": SimpleUploadedFile("site.png", png_bytes()),
    }
    data.update(extra)
    return data


def _text(response: Any) -> str:
    return response.content.decode()


# --- portal: apply ---------------------------------------------------------------------------------


def test_apply_page_renders_the_schema_form_and_the_materials(world: World) -> None:
    client = client_for(world.citizen)
    response = client.get(reverse("cases:apply", args=[world.version.code]))
    assert response.status_code == 200
    page = _text(response)
    assert 'for="id_form-reason"' in page
    assert "申请事由" in page
    assert 'type="number"' in page  # copies: integer
    assert "申请人身份证明" in page
    assert "免提交（营业执照）" in page
    assert 'enctype="multipart/form-data"' in page


def test_apply_needs_login(world: World) -> None:
    response = Client().get(reverse("cases:apply", args=[world.version.code]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_apply_unknown_item_is_a_chinese_404(world: World) -> None:
    response = client_for(world.citizen).get(reverse("cases:apply", args=["NOPE"]))
    assert response.status_code == 404
    assert "事项不存在" in _text(response)


def test_apply_submits_once_and_confirms_with_the_case_number(world: World) -> None:
    client = client_for(world.citizen)
    url = reverse("cases:apply", args=[world.version.code])
    key = _key(client.get(url))
    response = client.post(url, apply_data(world, key))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:submitted", args=[case.pk])
    assert case.channel == "portal"
    assert case.applicant == world.citizen
    assert case.form_data == {"reason": "开办小餐馆", "copies": 1}
    names = set(CaseMaterial.objects.filter(case=case).values_list("name", flat=True))
    assert {"申请人身份证明", "经营场所证明", "营业执照"} <= names
    confirmation = client.get(response["Location"])
    assert case.number in _text(confirmation)
    assert "申请已提交" in _text(confirmation)
    # a double click posts the same key again: the same case, nothing new
    again = client.post(url, apply_data(world, key))
    assert again.status_code == 302
    assert again["Location"] == response["Location"]
    assert Case.objects.count() == 1


def test_apply_with_bad_form_data_shows_chinese_field_errors_and_files_nothing(world: World) -> None:
    client = client_for(world.citizen)
    url = reverse("cases:apply", args=[world.version.code])
    data = apply_data(world, "web-bad-1", **{"form-reason": "", "form-copies": "abc"})
    response = client.post(url, data)
    assert response.status_code == 422
    page = _text(response)
    assert "必填" in page
    assert "应为整数" in page
    assert 'href="#id_form-reason"' in page  # the error summary links to the field
    assert Case.objects.count() == 0
    # the files were checked and are kept: the corrected form does not ask for them again
    kept = re.findall(r'name="mat-(M00\d)-upload" value="(\d+)"', page)
    assert {code for code, _ in kept} == {"M001", "M002"}
    fixed = {"idempotency_key": "web-bad-1", "form-reason": "开办小餐馆", "form-copies": "2"}
    fixed.update({f"mat-{code}-upload": pk for code, pk in kept})
    assert client.post(url, fixed).status_code == 302
    assert Case.objects.get().materials.filter(file__gt="").count() == 2


def test_apply_refuses_a_file_that_is_not_what_it_says(world: World) -> None:
    client = client_for(world.citizen)
    data = apply_data(world, "web-bad-2")
    data["mat-M001-file"] = SimpleUploadedFile("id.pdf", b"just text, not a pdf")
    response = client.post(reverse("cases:apply", args=[world.version.code]), data)
    assert response.status_code == 422
    assert "不支持的文件类型" in _text(response)
    assert Case.objects.count() == 0


def test_apply_without_a_required_material_names_it(world: World) -> None:
    client = client_for(world.citizen)
    data = apply_data(world, "web-bad-3")
    del data["mat-M001-file"]
    response = client.post(reverse("cases:apply", args=[world.version.code]), data)
    assert response.status_code == 422
    assert "缺少必要材料：申请人身份证明" in _text(response)
    assert Case.objects.count() == 0


# --- portal: my cases, the case page, correction, withdrawal, result --------------------------------


def test_my_cases_lists_mine_and_another_persons_case_is_a_404(world: World) -> None:
    case = world.submit()
    client = client_for(world.citizen)
    listing = client.get(reverse("cases:my_cases"))
    assert listing.status_code == 200
    assert case.number in _text(listing)
    assert "已提交" in _text(listing)
    page = client.get(reverse("cases:portal_case", args=[case.pk]))
    assert page.status_code == 200
    assert "提交申请" in _text(page)
    assert "撤回申请" in _text(page)
    other = client_for(world.agent).get(reverse("cases:portal_case", args=[case.pk]))
    assert other.status_code == 404
    assert "办件不存在或不在您的数据范围内" in _text(other)
    assert (
        client_for(world.agent)
        .get(reverse("cases:portal_document", args=[case.pk, "acceptance"]))
        .status_code
        == 404
    )


def test_portal_nav_links_my_cases_once_logged_in(world: World) -> None:
    page = _text(client_for(world.citizen).get(reverse("cases:my_cases")))
    assert f'href="{reverse("cases:my_cases")}" aria-current="page"' in page


def test_withdraw_asks_for_confirmation_then_withdraws(world: World) -> None:
    case = world.submit()
    client = client_for(world.citizen)
    url = reverse("cases:withdraw", args=[case.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "确认撤回" in _text(confirm)
    assert Case.objects.get().status == S.SUBMITTED
    stale = client.post(url, {"expected_version": case.lock_version + 5})
    assert stale.status_code == 409
    assert "办件已被他人更新，请刷新后重试" in _text(stale)
    response = client.post(url, {"expected_version": case.lock_version, "withdraw-reason": "不再需要"})
    assert response.status_code == 302
    assert Case.objects.get().status == S.WITHDRAWN


def test_withdraw_after_the_decision_is_refused(world: World) -> None:
    case = world.submit()
    for action in ("accept", "start_review", "complete_step", "approve"):
        case = world.move(case, action)
    client = client_for(world.citizen)
    page = client.get(reverse("cases:withdraw", args=[case.pk]))
    assert "不能撤回" in _text(page)
    response = client.post(reverse("cases:withdraw", args=[case.pk]), {"expected_version": case.lock_version})
    assert response.status_code == 409
    assert "不能“撤回申请”" in _text(response)
    assert Case.objects.get().status == S.APPROVED


def test_citizen_answers_a_correction_request(world: World) -> None:
    case = world.move(
        world.submit(), "request_correction", items=[{"target": "经营场所证明", "reason": "不清晰"}]
    )
    client = client_for(world.citizen)
    page = client.get(reverse("cases:portal_case", args=[case.pk]))
    assert "请补正材料" in _text(page)
    assert "不清晰" in _text(page)
    response = client.post(
        reverse("cases:respond_correction", args=[case.pk]),
        {
            "expected_version": case.lock_version,
            "note": "已重新扫描",
            "mat-M002-file": SimpleUploadedFile("site.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.SUBMITTED
    assert case.corrections.get().response_note == "已重新扫描"


def test_concluded_case_offers_the_result_and_the_evaluation(world: World) -> None:
    case = world.submit()
    for action in ("accept", "start_review", "complete_step", "approve"):
        case = world.move(case, action)
    result = upload(world.approver)
    case = world.move(case, "deliver", method="electronic", result_upload_id=result.pk)
    case = world.move(case, "conclude")
    client = client_for(world.citizen)
    page = _text(client.get(reverse("cases:portal_case", args=[case.pk])))
    assert "下载办理结果" in page
    assert reverse("evaluation:case_evaluate", args=[case.pk]) in page
    download = client.get(reverse("cases:portal_result", args=[case.pk]))
    assert download.status_code == 200
    assert isinstance(download, StreamingHttpResponse)
    assert b"".join(download.streaming_content).startswith(b"%PDF")


# --- workbench: the queue ----------------------------------------------------------------------------


def test_queue_lists_cases_in_scope_with_the_deadline_state_in_text(world: World) -> None:
    case = world.submit()
    response = client_for(world.acceptor).get(reverse("cases:queue"))
    assert response.status_code == 200
    page = _text(response)
    assert case.number in page
    assert "正常" in page
    assert "deadline-on_time" in page
    assert "张*" in page
    assert "张三" not in page.split("<tbody>")[1]
    assert case.number not in _text(client_for(world.outsider).get(reverse("cases:queue")))


def test_queue_filters_and_keyset_pages(world: World) -> None:
    first, second = world.submit(), world.submit()
    Case.objects.filter(pk=first.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client = client_for(world.acceptor)
    overdue = _text(client.get(reverse("cases:queue"), {"state": "overdue"}))
    assert first.number in overdue
    assert second.number not in overdue
    assert "已超期" in overdue
    page_one = client.get(reverse("cases:queue"), {"status": "submitted"}, HTTP_HX_REQUEST="true")
    assert page_one.status_code == 200
    assert first.number in _text(page_one)
    bad = client.get(reverse("cases:queue"), {"state": "whatever"})
    assert bad.status_code == 400
    assert "时限状态无效" in _text(bad)


def test_queue_and_nav_need_a_staff_account(world: World) -> None:
    response = client_for(world.citizen).get(reverse("cases:queue"))
    assert response.status_code == 403
    assert "工作台仅供政务工作人员使用" in _text(response)
    nav = _text(client_for(world.acceptor).get(reverse("cases:queue")))
    assert "我的待办" in nav
    assert "一窗受理" in nav


# --- workbench: the case page and its actions --------------------------------------------------------


def test_case_page_shows_applicant_masked_materials_timeline_and_actions(world: World) -> None:
    case = world.submit()
    response = client_for(world.acceptor).get(reverse("cases:workbench_case", args=[case.pk]))
    assert response.status_code == 200
    page = _text(response)
    assert "张三" in page
    assert world.citizen.id_number not in page
    assert "申请人身份证明" in page
    assert "提交申请" in page
    for label in ("受理", "不予受理", "一次性告知补正", "容缺受理"):
        assert f"<summary>{label}</summary>" in page
    material = case.materials.exclude(file="").first()
    assert material is not None
    download = client_for(world.acceptor).get(
        reverse("cases:workbench_material", args=[case.pk, material.pk])
    )
    assert download.status_code == 200
    slip = client_for(world.acceptor).get(reverse("cases:workbench_document", args=[case.pk, "acceptance"]))
    assert slip.status_code == 200
    assert slip["Content-Type"] == "application/pdf"


def test_another_scopes_case_is_a_chinese_404(world: World) -> None:
    case = world.submit()
    client = client_for(world.outsider)
    for url in (
        reverse("cases:workbench_case", args=[case.pk]),
        reverse("cases:workbench_document", args=[case.pk, "acceptance"]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "办件不存在或不在您的数据范围内" in _text(response)
    posted = client.post(reverse("cases:act", args=[case.pk, "accept"]), {"expected_version": 0})
    assert posted.status_code == 404
    assert Case.objects.get().status == S.SUBMITTED


def test_accept_conflict_and_validation(world: World) -> None:
    case = world.submit()
    client = client_for(world.acceptor)
    act = reverse("cases:act", args=[case.pk, "reject"])
    missing = client.post(act, {"expected_version": case.lock_version})
    assert missing.status_code == 422
    assert "请填写不予受理理由" in _text(missing)
    stale = client.post(
        reverse("cases:act", args=[case.pk, "accept"]), {"expected_version": case.lock_version + 1}
    )
    assert stale.status_code == 409
    assert "办件已被他人更新，请刷新后重试" in _text(stale)
    assert Case.objects.get().status == S.SUBMITTED
    done = client.post(
        reverse("cases:act", args=[case.pk, "accept"]),
        {"expected_version": case.lock_version, "accept-note": "齐全"},
    )
    assert done.status_code == 302
    assert Case.objects.get().status == S.ACCEPTED
    # the same form posted again (stale page): conflict, nothing changes
    again = client.post(
        reverse("cases:act", args=[case.pk, "accept"]), {"expected_version": case.lock_version}
    )
    assert again.status_code == 409
    assert Case.objects.get().lock_version == case.lock_version + 1


def test_request_correction_with_one_complete_list(world: World) -> None:
    case = world.submit()
    client = client_for(world.acceptor)
    url = reverse("cases:act", args=[case.pk, "request_correction"])
    empty = client.post(url, {"expected_version": case.lock_version})
    assert empty.status_code == 422
    assert "至少一项" in _text(empty)
    half = client.post(
        url, {"expected_version": case.lock_version, "request_correction-target_0": "经营场所证明"}
    )
    assert half.status_code == 422
    assert "请填写补正原因或要求" in _text(half)
    response = client.post(
        url,
        {
            "expected_version": case.lock_version,
            "request_correction-target_0": "经营场所证明",
            "request_correction-reason_0": "复印件不清晰",
            "request_correction-target_1": "申请表",
            "request_correction-reason_1": "缺少签名",
            "request_correction-respond_days": "5",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.CORRECTION_REQUESTED
    assert len(case.corrections.get().items) == 2
    notice = client.get(reverse("cases:workbench_document", args=[case.pk, "correction"]))
    assert notice.status_code == 200


def test_accept_with_deferral_and_refuse_needs_reasons_and_basis(world: World) -> None:
    materials = [MaterialData(code="M001", upload_id=upload(world.citizen).pk)]
    case = world.submit(materials=[*materials, MaterialData(code="M002", deferred=True)])
    client = client_for(world.acceptor)
    url = reverse("cases:act", args=[case.pk, "accept_with_deferral"])
    no_date = client.post(url, {"expected_version": case.lock_version})
    assert no_date.status_code == 422
    assert "请确定容缺材料的补交期限" in _text(no_date)
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert (
        client.post(
            url, {"expected_version": case.lock_version, "accept_with_deferral-deferred_due": due}
        ).status_code
        == 302
    )
    case = world.move(Case.objects.get(), "start_review")
    case = world.move(case, "complete_step")
    approver = client_for(world.approver)
    refuse = reverse("cases:act", args=[case.pk, "refuse"])
    response = approver.post(refuse, {"expected_version": case.lock_version, "refuse-reasons": "不符合条件"})
    assert response.status_code == 422
    assert "请填写法律依据" in _text(response)
    assert Case.objects.get().status == S.UNDER_REVIEW


def test_suspend_and_resume(world: World) -> None:
    case = world.move(world.move(world.submit(), "accept"), "start_review")
    client = client_for(world.reviewer)
    response = client.post(
        reverse("cases:act", args=[case.pk, "suspend"]),
        {"expected_version": case.lock_version, "suspend-kind": "inspection", "suspend-reason": "需现场勘验"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.SUSPENDED
    assert "特别程序中" in _text(client.get(reverse("cases:workbench_case", args=[case.pk])))
    assert (
        client.post(
            reverse("cases:act", args=[case.pk, "resume"]), {"expected_version": case.lock_version}
        ).status_code
        == 302
    )
    assert Case.objects.get().status == S.UNDER_REVIEW


def test_the_whole_workflow_through_the_pages(world: World) -> None:
    case = world.submit()
    steps: list[tuple[User, str, dict[str, object]]] = [
        (world.acceptor, "accept", {}),
        (world.reviewer, "start_review", {}),
        (world.reviewer, "complete_step", {"complete_step-note": "同意"}),
        (world.approver, "approve", {"approve-reasons": "符合法定条件"}),
        (
            world.approver,
            "deliver",
            {"deliver-method": "electronic", "deliver-result_file": SimpleUploadedFile("r.pdf", pdf_bytes())},
        ),
        (world.approver, "conclude", {}),
    ]
    for actor, action, data in steps:
        case.refresh_from_db()
        response = client_for(actor).post(
            reverse("cases:act", args=[case.pk, action]), {"expected_version": case.lock_version, **data}
        )
        assert response.status_code == 302, (action, _text(response)[:3000])
    case.refresh_from_db()
    assert case.status == S.CONCLUDED
    assert case.result_file
    page = _text(client_for(world.approver).get(reverse("cases:workbench_case", args=[case.pk])))
    assert "当前状态下您没有可办理的操作" in page
    assert "已办结" in page


def test_reviewer_cannot_accept(world: World) -> None:
    case = world.submit()
    response = client_for(world.reviewer).post(
        reverse("cases:act", args=[case.pk, "accept"]), {"expected_version": case.lock_version}
    )
    assert response.status_code == 403
    assert "没有“受理”的权限" in _text(response)
    assert Case.objects.get().status == S.SUBMITTED


# --- workbench: intake at the window ----------------------------------------------------------------


def intake_data(world: World, key: str, id_number: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "item": world.version.code,
        "idempotency_key": key,
        "applicant_kind": "person",
        "applicant_name": "李四",
        "id_number": id_number,
        "mobile": "13800138000",
        "hall": str(world.hall.pk),
        "window": str(world.window.pk),
        "form-reason": "窗口代办",
        "form-copies": "1",
        "mat-M001-way": "paper",
        "mat-M002-way": "upload",
        "mat-M002-file": SimpleUploadedFile("scan.pdf", pdf_bytes()),
        "mat-M003-way": "licence",
        "mat-M004-way": "none",
        "submit": "1",
    }
    data.update(extra)
    return data


def test_intake_picks_an_item_from_the_window_items(world: World) -> None:
    client = client_for(world.acceptor)
    pick = client.get(reverse("cases:intake"))
    assert pick.status_code == 200
    assert world.version.name in _text(pick)
    form = client.get(reverse("cases:intake"), {"item": world.version.code})
    page = _text(form)
    assert form.status_code == 200
    assert "纸质原件已核验" in page
    assert "容缺（后补）" in page
    assert f'<option value="{world.window.pk}" selected>' in page  # the clerk's hall's comprehensive window


def test_intake_files_for_another_citizen_and_prints_the_slip(world: World) -> None:
    client = client_for(world.acceptor)
    key = _key(client.get(reverse("cases:intake"), {"item": world.version.code}))
    number = citizen_id()
    response = client.post(reverse("cases:intake"), intake_data(world, key, number))
    assert response.status_code == 302, _text(response)[:3000]
    case = Case.objects.get()
    assert case.channel == "window"
    assert case.window == world.window
    assert case.applicant_name == "李四"
    assert case.materials.get(requirement__code="M001").checked_on_paper
    page = client.get(response["Location"])
    assert "打印收件回执（PDF）" in _text(page)
    assert case.number in _text(page)
    again = client.post(reverse("cases:intake"), intake_data(world, key, number))
    assert again.status_code == 302
    assert Case.objects.count() == 1


def test_intake_with_a_wrong_id_number_files_nothing(world: World) -> None:
    client = client_for(world.acceptor)
    response = client.post(reverse("cases:intake"), intake_data(world, "web-i-1", "440785198001010000"))
    assert response.status_code == 422
    page = _text(response)
    assert "身份证" in page
    assert 'href="#id_id_number"' in page
    assert Case.objects.count() == 0


def test_intake_lookup_shows_the_account_masked(world: World) -> None:
    client = client_for(world.acceptor)
    response = client.get(reverse("cases:intake_applicant"), {"id_number": world.citizen.id_number})
    assert response.status_code == 200
    assert "已找到实名账号：张*" in _text(response)
    assert world.citizen.id_number not in _text(response)
    no_js = client.post(
        reverse("cases:intake"), intake_data(world, "web-i-2", world.citizen.id_number, lookup="1", submit="")
    )
    assert "已找到实名账号" in _text(no_js)
    assert Case.objects.count() == 0
    bad = client.get(reverse("cases:intake_applicant"), {"id_number": "123"})
    assert "身份证号码有误" in _text(bad)


def test_intake_needs_the_intake_permission(world: World) -> None:
    response = client_for(world.reviewer).get(reverse("cases:intake"))
    assert response.status_code == 403
    assert "没有代为申请" in _text(response)
    assert client_for(world.citizen).get(reverse("cases:intake")).status_code == 403


@pytest.mark.parametrize("path", ["/workbench/cases/intake/", "/cases/apply/X/", "/cases/1/correction/"])
def test_upload_pages_take_uploads_up_to_the_upload_limit(path: str) -> None:
    from django.test import RequestFactory

    from shuzheng.core.middleware import upload_limit

    request = RequestFactory().post(path, data={"a": "b"})
    assert upload_limit(request) is not None


def test_cross_region_intake_is_forwarded_with_the_remote_reference_then_concluded(world: World) -> None:
    world.version.cross_region = True
    world.version.save(update_fields=["cross_region"])
    client = client_for(world.acceptor)
    bad = client.post(
        reverse("cases:intake"),
        intake_data(world, "web-x-1", citizen_id(), cross_region="on", target_region="12"),
    )
    assert bad.status_code == 422
    assert Case.objects.count() == 0
    data = intake_data(world, "web-x-2", citizen_id(), cross_region="on", target_region="510104")
    assert client.post(reverse("cases:intake"), data).status_code == 302
    case = Case.objects.get()
    assert case.channel == "cross_region"
    assert case.target_region == "510104"
    page = _text(client.get(reverse("cases:workbench_case", args=[case.pk])))
    assert "<summary>转办（跨省通办）</summary>" in page
    assert "<summary>受理</summary>" not in page
    url = reverse("cases:act", args=[case.pk, "forward"])
    assert client.post(url, {"expected_version": case.lock_version}).status_code == 302
    case.refresh_from_db()
    assert case.status == S.FORWARDED
    reference = reverse("cases:remote_reference", args=[case.pk])
    empty = client.post(reference, {"expected_version": case.lock_version})
    assert empty.status_code == 422
    assert "请填写对方受理编号" in _text(empty)
    done = client.post(reference, {"expected_version": case.lock_version, "remote-reference": "SC-2026-001"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.remote_reference == "SC-2026-001"
    conclude = reverse("cases:act", args=[case.pk, "conclude"])
    assert (
        client_for(world.approver).post(conclude, {"expected_version": case.lock_version}).status_code == 302
    )
    assert Case.objects.get().status == S.CONCLUDED


def test_the_intake_page_marks_only_its_own_nav_entry_current(world: World) -> None:
    page = _text(client_for(world.acceptor).get(reverse("cases:intake")))
    nav = page.split('aria-label="工作台导航"')[1].split("</nav>")[0]
    assert nav.count('aria-current="page"') == 1
    assert f'href="{reverse("cases:intake")}" aria-current="page"' in nav
