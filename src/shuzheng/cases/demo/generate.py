"""N synthetic cases over the published item versions, for benchmarks (`shuzheng generate-cases N`).

Run after the orgs, identity and catalog demos (and `generate-items` for scale) and the cases demo's
roles. Resumable and idempotent: synthetic cases carry the idempotency key ``gen-<n>``; the command
counts them and adds only the missing ones, in batches that each commit on their own (cases, status
history, and the `CaseSequence` counters so later real submissions continue the numbering).

Shape (seeded, reproducible): receipts over the last ``--days`` calendar days on working days in office
hours; item versions drawn with a Zipf-like popularity; channels portal / window / kiosk / bank terminal
within what each version allows; the division is the hall's or terminal's for in-person channels
(city hall, the 12 town halls, village service stations), else the implementing department's; cases
older than their promised limit are mostly concluded (some refused, not accepted or withdrawn, about
1 % still open and overdue), younger ones spread over the open states. Every case gets its status
history (2–4 rows). No files or materials rows. 1,000 synthetic citizens (``gencit0001``…, no usable
password) file the portal and terminal cases; window cases are filed by the demo clerks for applicants
without an account.

PostgreSQL: psycopg's ``COPY``; SQLite: ``bulk_create``.
"""

from __future__ import annotations

import bisect
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from shuzheng.cases.constants import ApplicantKind, CaseChannel
from shuzheng.cases.demo.bulk import allocate_ids, save_counters, write_postgres, write_sqlite
from shuzheng.cases.models import Case, CaseSequence, CaseStatusChange
from shuzheng.cases.selectors import applicant_name_index
from shuzheng.catalog.models import ServiceItemVersion, WorkflowStep
from shuzheng.core import calendar
from shuzheng.core.crypto import blind_index
from shuzheng.core.maintenance import vacuum_analyze
from shuzheng.core.validators import generate_id_number
from shuzheng.identity.models import User
from shuzheng.orgs.models import Department, Division, Hall, Kiosk

KEY_PREFIX: Final = "gen-"
CITIZENS: Final = 1000
CITIZEN_PREFIX: Final = "gencit"
PERSONS: Final = 5000
REGION: Final = "440785"
BATCH: Final = 50_000
MAX_CASES: Final = 20_000_000

_SURNAMES: Final = ("陈", "李", "黄", "梁", "吴", "冯", "郑", "岑", "司徒", "何", "张", "林", "谭", "关")
_GIVEN: Final = (
    "志明",
    "丽华",
    "国强",
    "秀英",
    "家乐",
    "美兰",
    "锦华",
    "少芬",
    "伟文",
    "婉仪",
    "振宇",
    "慧敏",
)

#: final status -> actions after "submit" (each one status-history row)
STORIES: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "submitted": (),
    "correction_requested": (("submitted", "correction_requested", "request_correction"),),
    "accepted": (("submitted", "accepted", "accept"),),
    "under_review": (("submitted", "accepted", "accept"), ("accepted", "under_review", "start_review")),
    "suspended": (
        ("submitted", "accepted", "accept"),
        ("accepted", "under_review", "start_review"),
        ("under_review", "suspended", "suspend"),
    ),
    "approved": (
        ("submitted", "accepted", "accept"),
        ("accepted", "under_review", "start_review"),
        ("under_review", "approved", "approve"),
    ),
    "delivered": (
        ("submitted", "accepted", "accept"),
        ("under_review", "approved", "approve"),
        ("approved", "delivered", "deliver"),
    ),
    "concluded": (
        ("submitted", "accepted", "accept"),
        ("under_review", "approved", "approve"),
        ("delivered", "concluded", "conclude"),
    ),
    "concluded_refused": (
        ("submitted", "accepted", "accept"),
        ("under_review", "refused", "refuse"),
        ("delivered", "concluded", "conclude"),
    ),
    "not_accepted": (("submitted", "not_accepted", "reject"),),
    "withdrawn": (("submitted", "withdrawn", "withdraw"),),
}
OPEN_MIX: Final = (
    ("submitted", 22),
    ("correction_requested", 6),
    ("accepted", 14),
    ("under_review", 40),
    ("suspended", 3),
    ("approved", 8),
    ("delivered", 7),
)
CLOSED_MIX: Final = (("concluded", 88), ("concluded_refused", 3), ("not_accepted", 5), ("withdrawn", 4))


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str  # clear, for bulk_create
    id_stored: str  # as stored (SM4 ciphertext), for COPY
    id_index: str
    mobile: str
    mobile_stored: str


@dataclass(frozen=True)
class VersionFacts:
    id: int
    item_id: int
    department_id: int
    division_id: int
    town_code: str  # the department's town, "" for city departments
    limit: int
    channels: tuple[str, ...]
    first_step: tuple[int, int | None] | None  # (step id, step department id)
    form: str  # JSON


class _Place:
    """Where in-person applications are received: halls and terminals by town ("" = city)."""

    def __init__(self) -> None:
        self.halls: list[tuple[int, int, str, str]] = []  # id, division id, division code, town code
        for hall in Hall.objects.filter(is_active=True).select_related("division").order_by("pk"):
            code = hall.division.code
            self.halls.append((hall.pk, hall.division_id, code, code[:9] if len(code) > 6 else ""))
        self.city_halls = [h for h in self.halls if h[3] == ""]
        self.town_halls: dict[str, list[tuple[int, int, str, str]]] = {}
        for row in self.halls:
            if row[3]:
                self.town_halls.setdefault(row[3], []).append(row)
        self.kiosks: dict[str, list[tuple[int, int, str]]] = {}
        for kiosk in Kiosk.objects.filter(is_active=True).select_related("division").order_by("pk"):
            self.kiosks.setdefault(kiosk.kind, []).append((kiosk.pk, kiosk.division_id, kiosk.division.code))


def _stored(field_name: str, value: str) -> str:
    field: Any = Case._meta.get_field(field_name)
    return str(field.get_db_prep_value(value, connection, prepared=False))


def _persons(rng: random.Random) -> list[Person]:
    people = []
    for n in range(PERSONS):
        name = _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n * 7 + n // 14) % len(_GIVEN)]
        birth = date(1950 + n % 55, 1 + (n // 55) % 12, 1 + (n // 660) % 28)
        number = generate_id_number(REGION, birth, seq=300 + n % 200, female=n % 2 == 0)
        mobile = f"13{rng.randint(0, 9)}0750{n:04d}"
        people.append(
            Person(
                name=name,
                id_number=number,
                id_stored=_stored("applicant_id_number", number),
                id_index=blind_index(number),
                mobile=mobile,
                mobile_stored=_stored("applicant_mobile", mobile),
            )
        )
    return people


def ensure_citizens(count: int = CITIZENS) -> list[User]:
    """Synthetic citizen accounts ``gencit0001``… (no usable password; the bench logs them in by session)."""
    existing = {u.username for u in User.objects.filter(username__startswith=CITIZEN_PREFIX)}
    new = []
    for n in range(1, count + 1):
        username = f"{CITIZEN_PREFIX}{n:04d}"
        if username in existing:
            continue
        number = generate_id_number(
            REGION, date(1970 + n % 30, 1 + n % 12, 1 + n % 28), seq=n % 500, female=n % 2 == 0
        )
        user = User(
            username=username,
            kind=User.Kind.CITIZEN,
            full_name=_SURNAMES[n % len(_SURNAMES)] + _GIVEN[n % len(_GIVEN)],
            id_number=number,
            id_number_index=blind_index(number),
            mobile=f"1360750{n:04d}",
        )
        user.set_unusable_password()
        new.append(user)
    if new:
        User.objects.bulk_create(new, batch_size=1000)
    return list(User.objects.filter(username__startswith=CITIZEN_PREFIX).order_by("username")[:count])


def _versions() -> list[VersionFacts]:
    departments = {
        d.pk: (d.division_id, d.division.code)
        for d in Department.objects.select_related("division").order_by("pk")
    }
    steps: dict[int, tuple[int, int | None]] = {}
    for step in WorkflowStep.objects.exclude(role_code="case_acceptor").order_by("version_id", "position"):
        steps.setdefault(step.version_id, (step.pk, step.department_id))
    facts = []
    queryset = ServiceItemVersion.objects.filter(status="published").order_by("pk")
    for version in queryset.only(
        "pk", "item_id", "department_id", "promised_limit_days", "channels", "form_schema"
    ):
        division_id, division_code = departments[version.department_id]
        properties = (version.form_schema or {}).get("properties") or {}
        form = {name: f"{prop.get('title', name)}（压测）" for name, prop in list(properties.items())[:4]}
        facts.append(
            VersionFacts(
                id=version.pk,
                item_id=version.item_id,
                department_id=version.department_id,
                division_id=division_id,
                town_code=division_code[:9] if len(division_code) > 6 else "",
                limit=max(1, version.promised_limit_days),
                channels=tuple(version.channels or ["portal"]),
                first_step=steps.get(version.pk),
                form=json.dumps(form, ensure_ascii=False),
            )
        )
    if not facts:
        raise CommandError("没有已发布的事项版本，请先运行 load-demo 或 generate-items。")
    return facts


def _weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    names, cumulative, total = [], [], 0
    for name, weight in pairs:
        total += weight
        names.append(name)
        cumulative.append(total)
    return names, cumulative


class Generator:
    def __init__(self, *, seed: int, days: int, now: datetime) -> None:
        self.seed = seed
        self.now = now
        self.today = timezone.localdate(now)
        self.cal = calendar.current()
        self.versions = _versions()
        # Zipf-like popularity: a few high-frequency items carry most cases.
        rng = random.Random(seed)  # noqa: S311 - synthetic data
        order = list(range(len(self.versions)))
        rng.shuffle(order)
        weights = [0.0] * len(order)
        for rank, index in enumerate(order, start=1):
            weights[index] = 1.0 / rank**0.9
        self.version_cum: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.version_cum.append(total)
        self.place = _Place()
        self.persons = _persons(rng)
        self.citizens = ensure_citizens()
        self.citizen_facts = [
            (u.pk, u.full_name, _stored("applicant_id_number", u.id_number), u.id_number_index, u.id_number)
            for u in self.citizens
        ]
        staff = {u.username: u.pk for u in User.objects.filter(username__in=["window01", "shahu_clerk"])}
        if len(staff) < 2:
            raise CommandError("缺少演示工作人员账号 window01 / shahu_clerk，请先加载账号演示数据。")
        self.window_clerk, self.town_clerk = staff["window01"], staff["shahu_clerk"]
        self.days = [
            self.today - timedelta(days=d)
            for d in range(days)
            if self.cal.is_working_day(self.today - timedelta(days=d))
        ]
        self.open_names, self.open_cum = _weighted(OPEN_MIX)
        self.closed_names, self.closed_cum = _weighted(CLOSED_MIX)
        self.due_cache: dict[tuple[date, int], datetime] = {}
        self.counters: dict[tuple[date, str], int] = {
            (row.day, row.division_code): row.last_value for row in CaseSequence.objects.all()
        }
        self.touched: set[tuple[date, str]] = set()

    def due(self, day: date, limit: int) -> datetime:
        key = (day, limit)
        if key not in self.due_cache:
            received = datetime.combine(day, datetime.min.time(), tzinfo=calendar.OFFICE_TZ).replace(hour=9)
            self.due_cache[key] = self.cal.deadline_at(received, limit)
        return self.due_cache[key]

    def _place(self, rng: random.Random, v: VersionFacts) -> tuple[str, int, int | None, int | None, str]:
        """(channel, division id, hall id, kiosk id, division code)."""
        roll = rng.random()
        if roll < 0.45 and "portal" in v.channels:
            channel = CaseChannel.PORTAL
        elif roll < 0.88 or not any(c in v.channels for c in ("kiosk", "bank_terminal")):
            channel = CaseChannel.WINDOW
        else:
            channel = CaseChannel.KIOSK if "kiosk" in v.channels else CaseChannel.BANK_TERMINAL
        if channel == CaseChannel.PORTAL:
            return channel, v.division_id, None, None, ""
        if channel == CaseChannel.WINDOW:
            if v.town_code:
                halls = self.place.town_halls.get(v.town_code) or self.place.city_halls
                hall = halls[0] if rng.random() < 0.7 else rng.choice(halls)
            else:
                pick = rng.random()
                if pick < 0.55 or not self.place.town_halls:
                    halls = self.place.city_halls
                else:
                    halls = rng.choice(list(self.place.town_halls.values()))
                    halls = halls[:1] if pick < 0.9 else halls
                hall = rng.choice(halls)
            return channel, hall[1], hall[0], None, hall[2]
        kiosk = rng.choice(self.place.kiosks[channel])
        return channel, kiosk[1], None, kiosk[0], kiosk[2]

    def batch(self, start: int, stop: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng = random.Random(self.seed * 1_000_003 + start)  # noqa: S311 - synthetic data
        cases: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        division_codes: dict[int, str] = {}
        for v in self.versions:
            division_codes.setdefault(v.division_id, "")
        for n in range(start, stop):
            v = self.versions[bisect.bisect_left(self.version_cum, rng.random() * self.version_cum[-1])]
            channel, division_id, hall_id, kiosk_id, division_code = self._place(rng, v)
            if not division_code:
                division_code = self._division_code(division_id)
            day = self.days[int(len(self.days) * rng.random() ** 1.15)]  # slightly more recent cases
            received = datetime.combine(day, datetime.min.time(), tzinfo=calendar.OFFICE_TZ) + timedelta(
                hours=8, minutes=30 + rng.randint(0, 539), seconds=rng.randint(0, 59)
            )
            if received > self.now:
                received = self.now - timedelta(minutes=rng.randint(1, 600))
            due = self.due(day, v.limit)
            age_days = (self.today - day).days
            is_open = age_days <= v.limit * 1.5 + 2 or rng.random() < 0.008
            if is_open:
                final = self.open_names[bisect.bisect_left(self.open_cum, rng.randint(1, self.open_cum[-1]))]
            else:
                final = self.closed_names[
                    bisect.bisect_left(self.closed_cum, rng.randint(1, self.closed_cum[-1]))
                ]
            key = (day, division_code)
            seq = self.counters.get(key, 0) + 1
            self.counters[key] = seq
            self.touched.add(key)
            number = f"{day:%Y%m%d}-{division_code}-{seq:06d}"
            if channel == CaseChannel.WINDOW:
                person = self.persons[rng.randrange(PERSONS)]
                applicant_id = None
                submitted_by = self.town_clerk if division_code.startswith("440785103") else self.window_clerk
                name, id_stored, id_clear, id_index = (
                    person.name,
                    person.id_stored,
                    person.id_number,
                    person.id_index,
                )
                mobile_stored, mobile_clear = person.mobile_stored, person.mobile
            else:
                pk, name, id_stored, id_index, id_clear = self.citizen_facts[
                    rng.randrange(len(self.citizen_facts))
                ]
                applicant_id = submitted_by = pk
                mobile_stored = mobile_clear = ""
            span = max(timedelta(minutes=30), min(due, self.now) - received)
            times = sorted(received + span * rng.random() for _ in STORIES[final])
            status = "concluded" if final == "concluded_refused" else final
            accepted_at = concluded_at = decided_at = delivered_at = paused_since = None
            current_step = step_department = acting = None
            decision = ""
            for (_, _, action), at in zip(STORIES[final], times, strict=True):
                if action == "accept":
                    accepted_at = at
                elif action in ("approve", "refuse"):
                    decided_at = at
                    decision = "approved" if action == "approve" else "refused"
                elif action == "deliver":
                    delivered_at = at
                elif action in ("conclude", "reject", "withdraw"):
                    concluded_at = at
                elif action in ("request_correction", "suspend"):
                    paused_since = at
            if status == "concluded":
                delivered_at = concluded_at
            if status in ("under_review", "suspended") and v.first_step is not None:
                current_step, step_department = v.first_step
            if status in ("accepted", "under_review", "suspended", "approved"):
                acting = submitted_by if channel == CaseChannel.WINDOW else self.window_clerk
            case_id = n  # a placeholder: the caller swaps in ids taken from the table's sequence
            cases.append(
                (
                    case_id,
                    received,
                    concluded_at or received,
                    number,
                    str(channel),
                    "",
                    "",
                    "",
                    ApplicantKind.PERSON.value,
                    name,
                    id_stored,
                    id_index,
                    "",
                    mobile_stored,
                    applicant_name_index(name),
                    f"{KEY_PREFIX}{n}",
                    status,
                    v.form,
                    received,
                    accepted_at,
                    concluded_at,
                    self.cal.effective_start(received) if accepted_at else None,
                    0,
                    paused_since,
                    due,
                    decision,
                    "符合法定条件。" if decision == "approved" else ("不符合法定条件。" if decision else ""),
                    "",
                    decided_at,
                    "electronic" if delivered_at else "",
                    delivered_at,
                    "",
                    1 + len(STORIES[final]),
                    acting,
                    applicant_id,
                    current_step,
                    acting if decided_at else None,
                    v.department_id,
                    division_id,
                    hall_id,
                    v.item_id,
                    kiosk_id,
                    step_department,
                    submitted_by,
                    v.id,
                    None,
                    id_clear,
                    mobile_clear,
                )
            )
            history.append(
                (
                    case_id,
                    "",
                    "submitted",
                    "submit",
                    submitted_by,
                    received,
                    "",
                    f'{{"channel": "{channel}"}}',
                )
            )
            for (from_status, to_status, action), at in zip(STORIES[final], times, strict=True):
                history.append(
                    (case_id, from_status, to_status, action, acting or self.window_clerk, at, "", "{}")
                )
        return cases, history

    def _division_code(self, division_id: int) -> str:
        if not hasattr(self, "_codes"):
            self._codes = dict(Division.objects.values_list("pk", "code"))
        return str(self._codes[division_id])


def generate(count: int, *, days: int, seed: int, batch: int, say: Callable[[str], object]) -> None:
    """Add the synthetic cases missing up to `count`, in batches that each commit on their own; `say`
    reports progress (the command's output)."""
    began = time.perf_counter()
    have = Case.objects.filter(idempotency_key__startswith=KEY_PREFIX).count()
    if have >= count:
        say(f"已有 {have} 个合成办件（≥ {count}），跳过。")
        return
    generator = Generator(seed=seed, days=days, now=timezone.now())
    postgres = connection.vendor == "postgresql"
    done = have
    while done < count:
        stop = min(count, done + batch)
        cases, history = generator.batch(done + 1, stop + 1)
        with transaction.atomic():
            ids = dict(zip((row[0] for row in cases), allocate_ids(len(cases)), strict=True))
            cases = [(ids[row[0]], *row[1:]) for row in cases]
            history = [(ids[row[0]], *row[1:]) for row in history]
            (write_postgres if postgres else write_sqlite)(cases, history)
            save_counters(generator.counters, generator.touched)
        done = stop
        say(f"{done}/{count} 办件，{time.perf_counter() - began:.0f} 秒")
    vacuum_analyze(Case._meta.db_table, CaseStatusChange._meta.db_table)
    elapsed = time.perf_counter() - began
    say(
        f"已生成 {count - have} 个合成办件（共 {count} 个），用时 {elapsed:.1f} 秒"
        f"（每秒 {(count - have) / max(elapsed, 0.001):.0f} 个）。"
    )
