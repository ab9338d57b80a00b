"""N SYNTHETIC appeals with their work orders and work-order events, for
benchmarks (the work of `shuzheng generate-appeals N`).

Run after the orgs, identity and appeals demos (categories, catalogue, departments, the hotline staff).
Texts, categories, departments and types come from ``appeals.demo.synthetic`` (generated, not real appeals).
Resumable and idempotent: synthetic appeals are numbered ``SG<YYYYMMDD><n>`` (work orders
``GG<YYYYMMDD><n>``), so they never collide with real numbers (``SQ``/``GD`` from ``AppealSequence``);
the command counts them and adds only the missing ones, in batches that each commit on their own.

Shape (seeded, reproducible): received over the last ``--days`` days between 07:00 and 22:00, slightly
more recent; the synthetic generator's channel mix; villages of the named town; 20 % anonymous, the
others from a pool of 2,000 reporters (contact data SM4-encrypted as the model stores it); about 40 % of
inquiries answered on the spot (直接答复, no work order), the rest dispatched (rule / model / manual) to
the synthetic label's department. Appeals older than ``--open-days`` are closed with a satisfaction
result (a few replied but not yet visited), younger ones spread over the open work-order states, and
about 3 % of the young ones still wait in the manual dispatch queue. Each work order gets its status
history (dispatch → accept → reply → visit, or → supervise, as far as its state goes). No dispatch decisions,
attachments or full-text entries.

PostgreSQL: psycopg ``COPY``; for a large first load (``--drop-indexes``, default when at least 200,000
appeals are missing) the secondary (non-unique) indexes of the three tables are dropped before and
rebuilt after the load — their definitions are kept in ``DATA_DIR/generate-appeals-indexes.json`` until
they are back, so an interrupted run restores them the next time. SQLite: ``bulk_create``.
"""

from __future__ import annotations

import bisect
import json
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from shuzheng.appeals import sla
from shuzheng.appeals.constants import (
    AppealChannel,
    AppealStatus,
    AppealType,
    ConclusionKind,
    DispatchKind,
    Urgency,
    VisitResult,
    WorkOrderStatus,
)
from shuzheng.appeals.demo import synthetic
from shuzheng.appeals.models import Appeal, Category, WorkOrder, WorkOrderEvent
from shuzheng.core import calendar
from shuzheng.core.crypto import blind_index
from shuzheng.core.maintenance import vacuum_analyze
from shuzheng.identity.models import User
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.models import Division

PREFIX: Final = "SG"
WORK_ORDER_PREFIX: Final = "GG"
BATCH: Final = 50_000
MAX_APPEALS: Final = 20_000_000
REPORTERS: Final = 2000
DROP_INDEXES_FROM: Final = 200_000
CITY: Final = "440785"
INDEX_FILE: Final = "generate-appeals-indexes.json"

_SURNAMES: Final = ("陈", "李", "黄", "梁", "吴", "冯", "郑", "岑", "司徒", "何", "张", "林", "谭", "关")
_GIVEN: Final = ("志明", "丽华", "国强", "秀英", "家乐", "美兰", "锦华", "少芬", "伟文", "婉仪", "振宇")

#: open work-order states of young appeals (weights); no 退单 (that needs a ReturnRequest row)
OPEN_MIX: Final = (
    (WorkOrderStatus.DISPATCHED, 22),
    (WorkOrderStatus.HANDLING, 44),
    (WorkOrderStatus.SUPERVISED, 3),
    (WorkOrderStatus.REPLIED, 31),
)
_DISPATCH: Final = ("dispatch", "", WorkOrderStatus.DISPATCHED)
_ACCEPT: Final = ("accept", WorkOrderStatus.DISPATCHED, WorkOrderStatus.HANDLING)
_REPLY: Final = ("reply", WorkOrderStatus.HANDLING, WorkOrderStatus.REPLIED)
#: the status history of a work order by its current state: (action, from, to), as appeals.workflow allows
STORIES: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    WorkOrderStatus.DISPATCHED: (_DISPATCH,),
    WorkOrderStatus.HANDLING: (_DISPATCH, _ACCEPT),
    WorkOrderStatus.SUPERVISED: (
        _DISPATCH,
        _ACCEPT,
        ("supervise", WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED),
    ),
    WorkOrderStatus.REPLIED: (_DISPATCH, _ACCEPT, _REPLY),
    WorkOrderStatus.CLOSED: (
        _DISPATCH,
        _ACCEPT,
        _REPLY,
        ("visit", WorkOrderStatus.REPLIED, WorkOrderStatus.CLOSED),
    ),
}
EVENT_DATA: Final = {
    "dispatch": lambda kind, _result: {"kind": kind},
    "accept": lambda _kind, _result: {},
    "reply": lambda _kind, _result: {},
    "supervise": lambda _kind, _result: {},
    "visit": lambda _kind, result: {"result": result},
}
REPLIES: Final = (
    "经核查，已安排人员现场处理，问题已解决。",
    "已联系相关责任单位整改，并将持续跟进。",
    "经调查，情况属实，已依法处理。",
    "已向诉求人解释相关政策，诉求人表示理解。",
)
SATISFACTION: Final = (
    (VisitResult.SATISFIED, 82),
    (VisitResult.BASICALLY_SATISFIED, 10),
    (VisitResult.UNSATISFIED, 5),
    (VisitResult.FAILED, 3),
)


@dataclass(frozen=True)
class Reporter:
    name: str
    phone: str
    name_stored: str
    phone_stored: str
    phone_index: str


def _weighted(pairs: tuple[tuple[Any, int], ...]) -> tuple[list[Any], list[int]]:
    names, cum, total = [], [], 0
    for name, weight in pairs:
        total += weight
        names.append(name)
        cum.append(total)
    return names, cum


def _pick(rng: random.Random, table: tuple[list[Any], list[int]]) -> Any:
    names, cum = table
    return names[bisect.bisect_left(cum, rng.randint(1, cum[-1]))]


def _stored(field_name: str, value: str) -> str:
    field: Any = Appeal._meta.get_field(field_name)
    return str(field.get_db_prep_value(value, connection, prepared=False))


class _Generator:
    def __init__(self, *, seed: int, days: int, open_days: int, now: datetime) -> None:
        self.seed = seed
        self.now = now
        self.today = timezone.localdate(now)
        self.days = days
        self.open_days = open_days
        self.categories = dict(Category.objects.values_list("code", "pk"))
        self.sla_days = dict(Category.objects.values_list("code", "sla_days"))
        self.departments = dict(orgs_selectors.department_queryset().values_list("code", "pk"))
        missing = [s.code for s in synthetic.LEAVES if s.code not in self.categories]
        if missing:
            raise CommandError(
                "缺少诉求分类，请先加载诉求演示数据（shuzheng load-demo 或 appeals.demo.load）。"
            )
        self.villages: dict[str, list[int]] = {}
        city = orgs_selectors.division_queryset(under=CITY, include_inactive=True)
        for pk, code, level in city.values_list("pk", "code", "level"):
            if level == Division.Level.VILLAGE:
                self.villages.setdefault(code[:9], []).append(pk)
        towns = orgs_selectors.divisions_by_code([c for c, _ in synthetic.TOWNS])
        town_ids = {code: town.pk for code, town in towns.items()}
        for code, _ in synthetic.TOWNS:
            if code not in self.villages and code in town_ids:
                self.villages[code] = [town_ids[code]]
        if not self.villages:
            raise CommandError("缺少恩平市区划，请先加载组织机构演示数据。")
        staff = dict(
            User.objects.filter(username__in=["hotline01", "dispatch01"]).values_list("username", "pk")
        )
        self.agent = staff.get("hotline01")
        self.dispatcher = staff.get("dispatch01")
        rng = random.Random(seed)  # noqa: S311 - synthetic data
        self.reporters = []
        for n in range(REPORTERS):
            name = _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n * 7 + n // 14) % len(_GIVEN)]
            phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
            self.reporters.append(
                Reporter(
                    name=name,
                    phone=phone,
                    name_stored=_stored("reporter_name", name),
                    phone_stored=_stored("reporter_phone", phone),
                    phone_index=blind_index(phone),
                )
            )
        self.open_mix = _weighted(OPEN_MIX)
        self.satisfaction = _weighted(SATISFACTION)
        self.due_cache: dict[tuple[date, int], datetime] = {}
        self.limit_cache: dict[tuple[str, str, bool], sla.Limit] = {}

    def _limit(self, appeal_type: str, category: str, enterprise: bool) -> sla.Limit:
        key = (appeal_type, category, enterprise)
        if key not in self.limit_cache:
            self.limit_cache[key] = sla.limit_for(
                appeal_type=appeal_type,
                urgency=Urgency.NORMAL,
                category_days=self.sla_days.get(category),
                is_enterprise=enterprise,
            )
        return self.limit_cache[key]

    def _due(self, received: datetime, limit: sla.Limit) -> datetime | None:
        if limit.working_days is None:
            return sla.due_at(received, limit)
        key = (received.astimezone(calendar.OFFICE_TZ).date(), limit.working_days)
        if key not in self.due_cache:
            start = datetime.combine(key[0], datetime.min.time(), tzinfo=calendar.OFFICE_TZ).replace(hour=9)
            self.due_cache[key] = calendar.deadline_at(start, limit.working_days)
        return self.due_cache[key]

    def batch(
        self, start: int, stop: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Appeals ``start`` … ``stop - 1`` (1-based) with their work orders and events, as field dicts;
        ids are the numbers ``n`` (the caller swaps in real ids)."""
        rng = random.Random(self.seed * 1_000_003 + start)  # noqa: S311 - synthetic data
        texts = synthetic.generate(stop - start, seed=self.seed * 7919 + start)
        appeals: list[dict[str, Any]] = []
        orders: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        span = self.days * 86400
        for n, item in zip(range(start, stop), texts, strict=True):
            department = self.departments.get(item.department)
            if department is None:  # a label the demo departments lack: the category's own department
                spec = next(s for s in synthetic.LEAVES if s.code == item.category)
                department = self.departments[spec.department]
            age = int(span * rng.random() ** 1.25)
            received = self.now - timedelta(seconds=age)
            local = received.astimezone(calendar.OFFICE_TZ)
            if not 7 <= local.hour < 22:
                received -= timedelta(hours=10)
            limit = self._limit(item.appeal_type, item.category, item.is_enterprise)
            due = self._due(received, limit)
            reporter = None if rng.random() < 0.2 else self.reporters[rng.randrange(REPORTERS)]
            young = age < self.open_days * 86400
            lat = lng = None
            if (
                item.channel in (AppealChannel.GRID, AppealChannel.PATROL, AppealChannel.APP)
                or rng.random() < 0.1
            ):
                lat = Decimal(f"{22.10 + rng.random() * 0.35:.6f}")
                lng = Decimal(f"{112.05 + rng.random() * 0.45:.6f}")
            appeal: dict[str, Any] = {
                "id": n,
                "created_at": received,
                "updated_at": received,
                "number": f"{PREFIX}{local:%Y%m%d}{n:08d}",
                "channel": item.channel,
                "appeal_type": item.appeal_type,
                "category_id": self.categories[item.category],
                "title": "",
                "text": item.text,
                "division_id": rng.choice(
                    self.villages.get(item.town) or self.villages[synthetic.URBAN_TOWN]
                ),
                "grid_id": None,
                "latitude": lat,
                "longitude": lng,
                "address": "",
                "is_anonymous": reporter is None,
                "publish_consent": False,  # nobody agreed to publish a synthetic story
                "reporter_name": reporter,
                "reporter_phone": reporter,
                "reporter_phone_index": reporter.phone_index if reporter else "",
                "reporter_user_id": None,
                "is_enterprise": item.is_enterprise,
                "enterprise_uscc": "",
                "enterprise_name": "",
                "urgency": Urgency.NORMAL,
                "status": AppealStatus.CLOSED,
                "received_at": received,
                "due_at": due,
                "sla_rule": limit.basis,
                "department_id": None,
                "work_order_id": None,
                "merged_into_id": None,
                "merge_suggestions": [],
                "dispatch_suggestions": [],
                "conclusion": "",
                "answer_text": "",
                "knowledge_article_id": None,
                "replied_at": None,
                "concluded_at": None,
                "satisfaction": "",
                "is_historical": False,
                "created_by_id": self.agent if item.channel == AppealChannel.HOTLINE else None,
                "version": 0,
            }
            appeals.append(appeal)
            direct = item.appeal_type == AppealType.CONSULT and rng.random() < 0.4
            if direct:
                at = received + timedelta(minutes=rng.randint(3, 15))
                appeal.update(
                    status=AppealStatus.CONCLUDED,
                    conclusion=ConclusionKind.DIRECT_ANSWER,
                    answer_text="已当场答复：" + REPLIES[3],
                    replied_at=at,
                    concluded_at=at,
                    updated_at=at,
                )
                continue
            if young and rng.random() < 0.03:
                appeal["status"] = AppealStatus.PENDING_DISPATCH
                continue
            if young:
                wo_status = _pick(rng, self.open_mix)
            else:
                wo_status = WorkOrderStatus.REPLIED if rng.random() < 0.002 else WorkOrderStatus.CLOSED
            story = STORIES[wo_status]
            steps = len(story)
            window = (min(due, self.now) if due else received + timedelta(days=5)) - received
            late = rng.random() < 0.06
            final = received + (window * rng.uniform(1.05, 1.6) if late else window * rng.uniform(0.2, 0.95))
            final = min(max(final, received + timedelta(minutes=30)), self.now)
            times = sorted(received + (final - received) * rng.random() for _ in range(steps - 1))
            times = sorted(
                min(t, self.now) for t in [received + timedelta(minutes=rng.randint(1, 20)), *times]
            )
            kind = rng.choices((DispatchKind.RULE, DispatchKind.MODEL, DispatchKind.MANUAL), (15, 60, 25))[0]
            closed = wo_status == WorkOrderStatus.CLOSED
            replied = wo_status in (WorkOrderStatus.REPLIED, WorkOrderStatus.CLOSED)
            satisfaction = _pick(rng, self.satisfaction) if closed else ""
            order = {
                "id": n,
                "created_at": times[0],
                "updated_at": times[-1],
                "number": f"{WORK_ORDER_PREFIX}{times[0].astimezone(calendar.OFFICE_TZ):%Y%m%d}{n:08d}",
                "appeal_id": n,
                "lead_department_id": department,
                "status": wo_status,
                "appeal_type": item.appeal_type,
                "category_id": appeal["category_id"],
                "dispatch_kind": kind,
                "dispatched_at": times[0],
                "dispatched_by_id": self.dispatcher if kind == DispatchKind.MANUAL else None,
                "accepted_at": times[1] if steps >= 2 else None,
                "due_at": due,
                "reply_text": REPLIES[n % len(REPLIES)] if replied else "",
                "replied_at": times[2] if replied else None,
                "replied_by_id": None,
                "closed_at": times[3] if closed else None,
                "satisfaction": satisfaction,
                "return_count": 0,
                "reassign_count": 0,
                "remind_count": 0,
                "supervise_count": 1 if wo_status == WorkOrderStatus.SUPERVISED else 0,
                "reopen_count": 0,
                "unsatisfied_count": 1 if satisfaction == VisitResult.UNSATISFIED else 0,
                "is_supervised": wo_status == WorkOrderStatus.SUPERVISED,
                "reopen_reason": "",
                "version": steps,
            }
            orders.append(order)
            appeal.update(
                status=AppealStatus.CLOSED if closed else AppealStatus.DISPATCHED,
                department_id=department,
                work_order_id=n,
                conclusion=ConclusionKind.WORK_ORDER if closed else "",
                answer_text=order["reply_text"] if closed else "",
                replied_at=order["replied_at"],
                concluded_at=order["closed_at"],
                satisfaction=satisfaction,
                updated_at=times[-1],
                version=1,
            )
            for (action, from_status, to_status), at in zip(story, times, strict=True):
                events.append(
                    {
                        "work_order_id": n,
                        "from_status": from_status,
                        "to_status": to_status,
                        "action": action,
                        "actor_id": self.dispatcher if action in ("visit", "supervise") else None,
                        "department_id": department if action != "visit" else None,
                        "note": "列入督办。" if action == "supervise" else "",
                        "data": EVENT_DATA[action](kind, satisfaction),
                        "occurred_at": at,
                    }
                )
        return appeals, orders, events


def _allocate_ids(model: Any, count: int) -> list[int]:
    """``count`` fresh ids: from the identity sequence on PostgreSQL (safe beside live inserts), after the
    largest id on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [int(row[0]) for row in cursor.fetchall()]
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return list(range(last + 1, last + 1 + count))


def _columns(model: Any, *, with_id: bool = True) -> list[tuple[str, str]]:
    """(attname, column) of the model's concrete fields, in table order."""
    return [(f.attname, f.column) for f in model._meta.concrete_fields if with_id or not f.primary_key]


def _copy(model: Any, rows: list[dict[str, Any]], *, with_id: bool = True) -> None:
    columns = _columns(model, with_id=with_id)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        names = ", ".join(connection.ops.quote_name(c) for _, c in columns)
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                        for v in (row[a] for a, _ in columns)
                    ]
                )


def _clear(row: dict[str, Any]) -> dict[str, Any]:
    reporter = row["reporter_name"]
    return {
        **row,
        "reporter_name": reporter.name if reporter else "",
        "reporter_phone": reporter.phone if reporter else "",
    }


def _stored_reporter(row: dict[str, Any]) -> dict[str, Any]:
    reporter = row["reporter_name"]
    return {
        **row,
        "reporter_name": reporter.name_stored if reporter else "",
        "reporter_phone": reporter.phone_stored if reporter else "",
    }


def _write(appeals: list[dict[str, Any]], orders: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    appeal_ids = dict(zip((r["id"] for r in appeals), _allocate_ids(Appeal, len(appeals)), strict=True))
    order_ids = dict(zip((r["id"] for r in orders), _allocate_ids(WorkOrder, len(orders)), strict=True))
    for row in appeals:
        row["id"] = appeal_ids[row["id"]]
        if row["work_order_id"] is not None:
            row["work_order_id"] = order_ids[row["work_order_id"]]
    for row in orders:
        row["appeal_id"] = appeal_ids[row["appeal_id"]]
        row["id"] = order_ids[row["id"]]
    for row in events:
        row["work_order_id"] = order_ids[row["work_order_id"]]
    if connection.vendor == "postgresql":
        _copy(Appeal, [_stored_reporter(r) for r in appeals])
        _copy(WorkOrder, orders)
        _copy(WorkOrderEvent, events, with_id=False)
        return
    # SQLite: foreign keys are checked at commit, so the appeal ↔ work order cycle is fine.
    Appeal.objects.bulk_create([Appeal(**_clear(r)) for r in appeals], batch_size=2000)
    WorkOrder.objects.bulk_create([WorkOrder(**r) for r in orders], batch_size=2000)
    WorkOrderEvent.objects.bulk_create([WorkOrderEvent(**r) for r in events], batch_size=5000)


# --- secondary indexes around a large first load (PostgreSQL) ---------------------------------------

TABLES: Final = (Appeal._meta.db_table, WorkOrder._meta.db_table, WorkOrderEvent._meta.db_table)


def _index_file() -> Path:
    return Path(settings.DATA_DIR) / INDEX_FILE


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, definition) of the non-unique indexes of the three tables that back no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary AND NOT x.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            ORDER BY i.relname
            """,
            [list(TABLES)],
        )
        return [(str(name), str(definition)) for name, definition in cursor.fetchall()]


def _drop_indexes() -> int:
    saved = _index_file()
    known = json.loads(saved.read_text()) if saved.exists() else []
    current = _secondary_indexes()
    names = {name for name, _ in known}
    known += [[name, definition] for name, definition in current if name not in names]
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(known, ensure_ascii=False, indent=1))
    with connection.cursor() as cursor:
        for name, _ in current:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    return len(current)


def _restore_indexes(out: Any) -> None:
    saved = _index_file()
    if connection.vendor != "postgresql" or not saved.exists():
        return
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, definition in json.loads(saved.read_text()):
            began = time.perf_counter()
            cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
            out.write(f"索引 {name} 已重建，{time.perf_counter() - began:.1f} 秒")
        cursor.execute("RESET maintenance_work_mem")
    saved.unlink()


def generate(
    count: int, *, days: int, open_days: int, seed: int, batch: int, drop_indexes: str, out: Any
) -> None:
    """Add the synthetic appeals missing up to ``count``, writing progress lines to ``out``."""
    if not 1 <= count <= MAX_APPEALS:
        raise CommandError(f"诉求数应在 1 到 {MAX_APPEALS} 之间")
    if days < 1 or open_days < 0 or batch < 1:
        raise CommandError("--days、--batch 应为正数，--open-days 不能为负数")
    began = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    have = Appeal.objects.filter(number__startswith=PREFIX).count()
    if have >= count:
        _restore_indexes(out)
        out.write(f"已有 {have} 条合成诉求（≥ {count}），跳过。")
        return
    generator = _Generator(seed=seed, days=days, open_days=open_days, now=timezone.now())
    drop = postgres and (
        drop_indexes == "yes" or (drop_indexes == "auto" and count - have >= DROP_INDEXES_FROM)
    )
    if drop:
        dropped = _drop_indexes()
        out.write(f"已暂时删除 {dropped} 个二级索引（定义保存在 {_index_file()}）")
    done = have
    try:
        while done < count:
            stop = min(count, done + batch)
            appeals, orders, events = generator.batch(done + 1, stop + 1)
            with transaction.atomic():
                _write(appeals, orders, events)
            done = stop
            out.write(
                f"{done}/{count} 条诉求（本批工单 {len(orders)}，记录 {len(events)}），"
                f"{time.perf_counter() - began:.0f} 秒"
            )
    finally:
        _restore_indexes(out)
    vacuum_analyze(*TABLES)
    elapsed = time.perf_counter() - began
    out.write(
        f"已生成 {count - have} 条合成诉求（共 {count} 条），用时 {elapsed:.1f} 秒"
        f"（每秒 {(count - have) / max(elapsed, 0.001):.0f} 条）。"
    )
