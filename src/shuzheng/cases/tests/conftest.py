"""Cases test fixtures: one item version with materials and two workflow steps, clerks for every stage
(holding the demo role codes), a citizen, and helpers to upload files and submit."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from shuzheng.cases.models import Case, MaterialUpload
from shuzheng.cases.services.actions import case_act
from shuzheng.cases.services.common import ApplicantData, MaterialData
from shuzheng.cases.services.submission import case_submit
from shuzheng.cases.services.uploads import material_upload
from shuzheng.catalog.models import MaterialRequirement, ServiceItemVersion, WorkflowStep
from shuzheng.catalog.tests.factories import (
    MaterialRequirementFactory,
    ServiceItemVersionFactory,
    WorkflowStepFactory,
)
from shuzheng.core.actors import SYSTEM
from shuzheng.core.validators import generate_id_number, generate_uscc
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import Org, grant, org, staff  # noqa: F401 - org is a fixture
from shuzheng.orgs.models import Hall, Kiosk, Window
from shuzheng.orgs.tests.factories import HallFactory, KioskFactory, WindowFactory

ACCEPT = ["cases.view_case", "cases.accept_case", "cases.intake_case"]
REVIEW = ["cases.view_case", "cases.review_case", "cases.suspend_case"]
DECIDE = ["cases.view_case", "cases.decide_case", "cases.deliver_case"]
EVERYTHING = [
    "cases.view_case",
    "cases.intake_case",
    "cases.accept_case",
    "cases.review_case",
    "cases.decide_case",
    "cases.deliver_case",
    "cases.suspend_case",
]

_keys = itertools.count(1)
_people = itertools.count(1)


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="JPEG")
    return out.getvalue()


def upload(actor: User, content: bytes | None = None, name: str = "scan.pdf") -> MaterialUpload:
    file = SimpleUploadedFile(name, pdf_bytes() if content is None else content)
    return material_upload(actor=actor, file=file)


def new_key() -> str:
    return f"test-{next(_keys)}"


def citizen_id(n: int | None = None) -> str:
    n = next(_people) if n is None else n
    return generate_id_number(
        "440785", date(1980 + n % 30, 1 + n % 12, 1 + n % 28), seq=n % 500, female=n % 2 == 0
    )


@dataclass
class World:
    org: Org
    version: ServiceItemVersion
    id_doc: MaterialRequirement  # key, required
    household: MaterialRequirement  # non-key, required (may be deferred)
    licence: MaterialRequirement  # issued by government with a licence type: exempt
    optional: MaterialRequirement  # conditional
    steps: list[WorkflowStep]
    hall: Hall
    window: Window
    kiosk: Kiosk
    citizen: User
    agent: User
    acceptor: User
    reviewer: User
    approver: User
    outsider: User  # all case permissions, but over another bureau

    def materials(self, actor: User | None = None) -> list[MaterialData]:
        actor = actor or self.citizen
        return [
            MaterialData(code=self.id_doc.code, upload_id=upload(actor).pk),
            MaterialData(code=self.household.code, upload_id=upload(actor, png_bytes(), "hk.png").pk),
        ]

    def submit(self, actor: User | None = None, **overrides: Any) -> Case:
        actor = actor or self.citizen
        data: dict[str, Any] = {
            "actor": actor,
            "channel": "portal",
            "item_code": self.version.code,
            "form_data": {"reason": "申请办理测试事项", "copies": 1},
            "idempotency_key": new_key(),
        }
        data.update(overrides)
        if "materials" not in data:
            data["materials"] = self.materials(actor)
        return case_submit(**data)

    def at_window(self, **overrides: Any) -> Case:
        data: dict[str, Any] = {
            "channel": "window",
            "window_id": self.window.pk,
            "applicant": ApplicantData(kind="person", name="李四", id_number=citizen_id()),
            "materials": [
                MaterialData(code=self.id_doc.code, checked_on_paper=True),
                MaterialData(code=self.household.code, checked_on_paper=True),
            ],
        }
        actor = overrides.pop("actor", self.acceptor)
        data.update(overrides)
        return self.submit(actor, **data)

    def move(self, case: Case, action: str, actor: User | None = None, **data: Any) -> Case:
        case.refresh_from_db()
        actor = actor or self.actor_for(action)
        return case_act(actor=actor, case=case, action=action, expected_version=case.lock_version, **data)

    def actor_for(self, action: str) -> User:
        if action in ("accept", "accept_with_deferral", "reject", "request_correction", "forward"):
            return self.acceptor
        if action in ("start_review", "suspend", "resume"):
            return self.reviewer
        if action == "complete_step":
            return self.reviewer
        if action in ("withdraw", "respond_correction"):
            return self.citizen
        return self.approver


@pytest.fixture
def world(org: Org) -> World:  # noqa: F811 - org is the fixture imported above
    version = ServiceItemVersionFactory.create(item__department=org.bureau, name="食品经营许可（测试）")
    id_doc = MaterialRequirementFactory.create(
        version=version, code="M001", name="申请人身份证明", position=1
    )
    household = MaterialRequirementFactory.create(
        version=version, code="M002", name="经营场所证明", position=2, is_key=False
    )
    licence = MaterialRequirementFactory.create(
        version=version,
        code="M003",
        name="营业执照",
        position=3,
        issued_by_government=True,
        licence_type="营业执照",
    )
    optional = MaterialRequirementFactory.create(
        version=version, code="M004", name="委托书", position=4, need="conditional"
    )
    steps = [
        WorkflowStepFactory.create(version=version, position=1, name="审查", role_code="case_reviewer"),
        WorkflowStepFactory.create(version=version, position=2, name="审批", role_code="case_approver"),
    ]
    hall = HallFactory.create(division=org.city, name="恩平市政务服务中心（测试）")
    window = WindowFactory.create(hall=hall)
    kiosk = KioskFactory.create(division=org.town, name="沙湖镇自助机（测试）")
    citizen = account_services.citizen_create(
        actor=SYSTEM, username="zhangsan", full_name="张三", id_number=citizen_id(0), mobile="13707500001"
    )
    agent = account_services.enterprise_agent_create(
        actor=SYSTEM,
        username="agent",
        full_name="王五",
        id_number=citizen_id(499),
        enterprise_uscc=generate_uscc("440785", 4242),
        enterprise_name="恩平市测试有限公司",
    )
    acceptor = staff(org.bureau, full_name="受理员")
    grant(acceptor, ACCEPT, code="case_acceptor")
    reviewer = staff(org.bureau, full_name="审查员")
    grant(reviewer, REVIEW, code="case_reviewer")
    approver = staff(org.bureau, full_name="审批员")
    grant(approver, DECIDE, code="case_approver")
    outsider = staff(org.other_bureau, full_name="外局人员")
    grant(outsider, EVERYTHING, DataScopeKind.DEPARTMENT)
    return World(
        org=org,
        version=version,
        id_doc=id_doc,
        household=household,
        licence=licence,
        optional=optional,
        steps=steps,
        hall=hall,
        window=window,
        kiosk=kiosk,
        citizen=citizen,
        agent=agent,
        acceptor=acceptor,
        reviewer=reviewer,
        approver=approver,
        outsider=outsider,
    )
