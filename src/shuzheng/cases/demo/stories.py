"""The demo cases: the plan (how many end in each state, where their clocks stand) and the story each one
is walked through — submission, then the workflow actions with past ``at`` times."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shuzheng.cases.demo.files import blank_pdf
from shuzheng.cases.demo.form_data import form_for
from shuzheng.cases.demo.roles import CITY, SHAHU, department_staff
from shuzheng.cases.models import Case
from shuzheng.cases.services.actions import case_act
from shuzheng.cases.services.common import ApplicantData, MaterialData
from shuzheng.cases.services.handling import case_record_remote_reference
from shuzheng.cases.services.submission import case_submit
from shuzheng.cases.services.uploads import material_upload
from shuzheng.cases.workflow import decision_step, review_steps
from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.core import calendar
from shuzheng.core.errors import ApplicationError
from shuzheng.core.validators import generate_id_number, generate_uscc
from shuzheng.identity.models import User
from shuzheng.orgs.models import Hall, Window

Progress = Callable[[str, int, int], None]


CASE_COUNT: Final = 200


SEED: Final = 2026


#: (final status, how many, where the clock should stand for open cases)
PLAN: Final[tuple[tuple[str, int, str], ...]] = (
    ("concluded", 40, ""),
    ("concluded_refused", 8, ""),
    ("not_accepted", 6, ""),
    ("withdrawn", 6, ""),
    ("submitted", 14, "on_time"),
    ("submitted", 6, "overdue"),
    ("correction_requested", 10, ""),
    ("corrected", 4, "on_time"),
    ("accepted", 14, "on_time"),
    ("accepted", 6, "warning"),
    ("under_review", 28, "on_time"),
    ("under_review", 12, "warning"),
    ("under_review", 14, "overdue"),
    ("suspended", 8, ""),
    ("approved", 10, "on_time"),
    ("delivered", 8, ""),
    ("forwarded", 6, ""),
)


_SURNAMES: Final = ("陈", "李", "黄", "梁", "吴", "冯", "郑", "岑", "司徒", "何", "张", "林")


_GIVEN: Final = ("志明", "丽华", "国强", "秀英", "家乐", "美兰", "锦华", "少芬", "伟文", "婉仪")


_TARGETS: Final = ("510104", "430102", "350102", "450103", "360102", "420102")


@dataclass(frozen=True)
class Crew:
    acceptor: User
    reviewer: User
    approver: User
    hall: Hall
    windows: list[Window]


def _back(day: date, days: int) -> date:
    """The working day `days` working days before `day` (day itself when 0)."""
    current = calendar.current()
    day = day if current.is_working_day(day) else current.next_working_day(day)
    while days > 0:
        day -= timedelta(days=1)
        if current.is_working_day(day):
            days -= 1
    return day


def _received(
    version: ServiceItemVersion, clock: str, final: str, rng: random.Random, now: datetime
) -> datetime:
    today = timezone.localdate(now)
    limit = version.promised_limit_days
    if clock == "overdue":
        back = limit + rng.randint(2, 5)
    elif clock == "warning":
        back = max(0, limit - rng.randint(0, 1))
    elif clock == "on_time":
        back = rng.randint(0, max(0, limit - 3)) if limit >= 3 else 0
    else:  # closed or stopped: long enough ago for the whole story
        back = limit + rng.randint(4, 25)
    day = _back(today, back)
    at = datetime.combine(day, time(9, rng.randint(0, 59)), tzinfo=calendar.OFFICE_TZ)
    if at > now:
        at = now - timedelta(minutes=rng.randint(5, 90))
    return at


class _Clock:
    """Hands out increasing times between the receipt and now for the story of one case."""

    def __init__(self, start: datetime, now: datetime, steps: int) -> None:
        self.current = start
        self.step = max(timedelta(minutes=5), (now - start) / max(steps + 1, 1))
        self.now = now

    def next(self) -> datetime:
        self.current = min(self.current + self.step, self.now - timedelta(seconds=1))
        return self.current


_STORIES: Final[dict[str, list[str]]] = {
    "concluded": ["accept", "start_review", "*steps", "approve", "deliver", "conclude"],
    "concluded_refused": ["accept", "start_review", "*steps", "refuse", "deliver", "conclude"],
    "not_accepted": ["reject"],
    "withdrawn": ["withdraw"],
    "submitted": [],
    "correction_requested": ["request_correction"],
    "corrected": ["request_correction", "respond_correction"],
    "accepted": ["accept"],
    "under_review": ["accept", "start_review"],
    "suspended": ["accept", "start_review", "suspend"],
    "approved": ["accept", "start_review", "*steps", "approve"],
    "delivered": ["accept", "start_review", "*steps", "approve", "deliver"],
    "forwarded": ["forward"],
}


def _person(n: int) -> tuple[str, str]:
    name = _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n * 7) % len(_GIVEN)]
    number = generate_id_number(
        CITY, date(1955 + n % 45, 1 + n % 12, 1 + (n * 3) % 28), seq=200 + n % 300, female=n % 2 == 0
    )
    return name, number


class Loader:
    """Files the planned demo cases through the services and plays each one's story up to its state."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, reproducible on purpose
        self.pdf = blank_pdf()
        users = {u.username: u for u in User.objects.filter(username__startswith="citizen")}
        self.citizens = [users[k] for k in sorted(users)]
        self.agents = list(
            User.objects.filter(kind=User.Kind.ENTERPRISE_AGENT, username__startswith="agent").order_by(
                "username"
            )
        )
        self.crews = self._crews()
        self.versions = self._versions()

    def _crews(self) -> dict[str, Crew]:
        staff = {
            u.username: u for u in User.objects.filter(username__in=["window01", "zwsj_admin", "shahu_clerk"])
        }
        crews: dict[str, Crew] = {}
        city_hall = Hall.objects.filter(code=f"H{CITY}").first()
        if city_hall is not None and "window01" in staff:
            windows = list(city_hall.windows.filter(is_active=True).order_by("number"))
            if "zwsj_admin" in staff:
                admin = staff["zwsj_admin"]
                crews["city"] = Crew(staff["window01"], admin, admin, city_hall, windows)
            for department_id, user in department_staff().items():
                crews[f"department:{department_id}"] = Crew(staff["window01"], user, user, city_hall, windows)
        shahu_hall = Hall.objects.filter(code=f"H{SHAHU}").first()
        if shahu_hall is not None and "shahu_clerk" in staff:
            clerk = staff["shahu_clerk"]
            crews["shahu"] = Crew(
                clerk,
                clerk,
                clerk,
                shahu_hall,
                list(shahu_hall.windows.filter(is_active=True).order_by("number")),
            )
        return crews

    def _versions(self) -> list[tuple[ServiceItemVersion, str]]:
        found: list[tuple[ServiceItemVersion, str]] = []
        versions = (
            ServiceItemVersion.objects.filter(status="published", item__live_version__isnull=False)
            .select_related("department__division", "item")
            .prefetch_related("materials", "steps")
            .order_by("code")
        )
        for version in versions:
            if version.item.live_version_id != version.pk:
                continue
            division = version.department.division
            own = f"department:{version.department_id}"
            if division.code == CITY and own in self.crews:
                found.append((version, own))
            elif division.code == CITY and "city" in self.crews:
                found.append((version, "city"))
            elif division.code.startswith(SHAHU) and "shahu" in self.crews:
                found.append((version, "shahu"))
        return found

    # --- one case ---

    def _window(self, crew: Crew, version: ServiceItemVersion) -> Window | None:
        for window in crew.windows:
            if window.department_id == version.department_id:
                return window
        if version.comprehensive_window:
            comprehensive = [w for w in crew.windows if w.kind == Window.Kind.COMPREHENSIVE]
            return comprehensive[0] if comprehensive else None
        return None

    def _applicant(self, version: ServiceItemVersion, n: int) -> tuple[str, dict[str, str]]:
        enterprise_only = version.applicant_types == ["enterprise"]
        if enterprise_only:
            agent = self.agents[n % len(self.agents)] if self.agents else None
            uscc = agent.enterprise_uscc if agent else generate_uscc(CITY, 20000 + n)
            company = agent.enterprise_name if agent else f"恩平市演示企业{n}有限公司"
            name = agent.full_name if agent else _person(n)[0]
            number = agent.id_number if agent else _person(n)[1]
            return "enterprise", {
                "name": name,
                "id_number": number,
                "uscc": uscc,
                "company": company,
                "mobile": f"1370752{n:04d}",
            }
        name, number = _person(n)
        return "person", {
            "name": name,
            "id_number": number,
            "uscc": "",
            "company": "",
            "mobile": f"1370753{n:04d}",
        }

    def _materials(self, version: ServiceItemVersion, actor: User, *, on_paper: bool) -> list[MaterialData]:
        rows = []
        for requirement in version.materials.all():
            if requirement.need != "required" or requirement.exempt:
                continue
            if on_paper:
                rows.append(MaterialData(code=requirement.code, checked_on_paper=True))
            else:
                upload = material_upload(
                    actor=actor, file=ContentFile(self.pdf, name=f"{requirement.code}.pdf")
                )
                rows.append(MaterialData(code=requirement.code, upload_id=upload.pk))
        return rows

    def _submit(
        self, n: int, version: ServiceItemVersion, crew: Crew, final: str, received_at: datetime
    ) -> Case | None:
        kind, person = self._applicant(version, n)
        portal_ok = "portal" in (version.channels or [])
        window = self._window(crew, version)
        key = f"demo-{n:04d}"
        if final == "forwarded":
            if not version.cross_region or window is None:
                return None
            channel = "cross_region"
        elif (
            portal_ok
            and n % 3 != 0
            and ((kind == "person" and self.citizens) or (kind == "enterprise" and self.agents))
        ):
            channel = "portal"
        elif window is not None:
            channel = "window"
        else:
            return None
        if channel == "portal":
            actor = (
                self.citizens[(n - 1) % len(self.citizens)]
                if kind == "person"
                else self.agents[n % len(self.agents)]
            )
            person = {
                **person,
                "name": actor.full_name,
                "id_number": actor.id_number or person["id_number"],
                "mobile": actor.mobile or person["mobile"],
            }
            form = form_for(version, person, self.rng)
            if form is None:
                return None
            return case_submit(
                actor=actor,
                channel="portal",
                item_code=version.code,
                form_data=form,
                materials=self._materials(version, actor, on_paper=False),
                idempotency_key=key,
                at=received_at,
            )
        citizen = self.citizens[(n - 1) % len(self.citizens)] if self.citizens else None
        if n % 4 == 1 and kind == "person" and citizen is not None and citizen.id_number:
            person = {**person, "name": citizen.full_name, "id_number": citizen.id_number}  # registered
        form = form_for(version, person, self.rng)
        if form is None:
            return None
        applicant = ApplicantData(
            kind=kind,
            name=person["company"] if kind == "enterprise" else person["name"],
            id_number=person["id_number"],
            uscc=person["uscc"],
            mobile=person["mobile"],
        )
        return case_submit(
            actor=crew.acceptor,
            channel=channel,
            item_code=version.code,
            form_data=form,
            materials=self._materials(version, crew.acceptor, on_paper=True),
            idempotency_key=key,
            applicant=applicant,
            window_id=window.pk if window is not None else None,
            target_region=self.rng.choice(_TARGETS) if channel == "cross_region" else None,
        )

    def _act(self, case: Case, action: str, actor: User, at: datetime, **data: Any) -> Case:
        return case_act(
            actor=actor, case=case, action=action, expected_version=case.lock_version, at=at, **data
        )

    def _story(self, case: Case, version: ServiceItemVersion, crew: Crew, final: str) -> Case:
        steps = list(version.steps.all().order_by("position"))
        review = review_steps(steps)
        story: list[str] = []
        for action in _STORIES[final]:
            story += ["complete_step"] * max(0, len(review) - 1) if action == "*steps" else [action]
        clock = _Clock(case.received_at, self.now, len(story))
        applicant = case.applicant or case.submitted_by
        for action in story:
            at = clock.next()
            if action in ("accept", "reject", "request_correction", "forward", "start_review"):
                actor = crew.acceptor
            elif action in ("withdraw", "respond_correction"):
                actor = (
                    applicant
                    if case.applicant_id or case.submitted_by.kind != User.Kind.STAFF
                    else crew.acceptor
                )
            elif action == "complete_step":
                actor = (
                    crew.reviewer
                    if case.current_step and case.current_step.role_code == "case_reviewer"
                    else crew.approver
                )
            elif action in ("approve", "refuse"):
                last = decision_step(steps)
                actor = (
                    crew.acceptor if last is not None and last.role_code == "case_acceptor" else crew.approver
                )
            else:
                actor = crew.approver if action != "suspend" else crew.reviewer
            data: dict[str, Any] = {}
            if action == "reject":
                data = {
                    "reasons": "申请事项不属于本机关职权范围，请向有关行政机关申请。",
                    "legal_basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
                }
            elif action == "request_correction":
                first = next(iter(version.materials.all()), None)
                data = {
                    "items": [
                        {
                            "target": first.name if first else "申请表",
                            "reason": "材料内容不清晰，请提供清晰完整的扫描件。",
                        }
                    ]
                }
            elif action == "respond_correction":
                data = {"note": "已按要求补正。"}
            elif action == "suspend":
                data = {
                    "kind": self.rng.choice(["hearing", "inspection", "expert_review"]),
                    "reason": "依法需要进行现场核查。",
                }
            elif action == "approve":
                data = {
                    "reasons": "申请材料齐全，符合法定条件、标准。",
                    "legal_basis": version.legal_basis[:500],
                }
            elif action == "refuse":
                data = {
                    "reasons": "经审查，申请人不符合法定条件。",
                    "legal_basis": (version.legal_basis or "《中华人民共和国行政许可法》第三十八条")[:500],
                }
            elif action == "deliver":
                data = {"method": self.rng.choice(["pickup", "post", "electronic"])}
            elif action == "withdraw":
                data = {"reason": "申请人申请撤回。"}
            case = self._act(case, action, actor, at, **data)
            if action == "forward":
                case = case_record_remote_reference(
                    actor=crew.acceptor,
                    case=case,
                    reference=f"KS{case.number[-6:]}",
                    expected_version=case.lock_version,
                )
        return case

    def run(self, progress: Progress | None) -> tuple[int, int]:
        if not self.versions:
            return 0, 0
        existing = set(
            Case.objects.filter(idempotency_key__startswith="demo-").values_list("idempotency_key", flat=True)
        )
        plan = [(final, clock) for final, count, clock in PLAN for _ in range(count)]
        created = 0
        skipped = 0
        cross = [item for item in self.versions if item[0].cross_region]
        for n, (final, clock) in enumerate(plan, start=1):
            if f"demo-{n:04d}" in existing:
                continue
            candidates = cross if final == "forwarded" and cross else self.versions
            for attempt in range(6):
                version, crew_key = candidates[(n * 7 + attempt * 13) % len(candidates)]
                crew = self.crews[crew_key]
                if final.startswith("corrected") and not version.materials.exists():
                    continue
                final_status = "submitted" if final == "corrected" else final
                try:
                    with transaction.atomic():
                        case = self._submit(
                            n,
                            version,
                            crew,
                            final,
                            _received(version, clock, final_status, self.rng, self.now),
                        )
                        if case is None:
                            continue
                        self._story(case, version, crew, final)
                except ApplicationError:
                    continue  # this item does not fit the story (e.g. its channel): try another
                created += 1
                break
            else:
                skipped += 1
            if progress is not None and (n % 20 == 0 or n == len(plan)):
                progress("演示办件", n, len(plan))
        return created, skipped
