"""The SYNTHETIC closed appeals of the appeals demo, the training data of the dispatch classifier."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Final

from django.utils import timezone

from shuzheng.appeals import sla
from shuzheng.appeals.constants import APPEAL_DOC, AppealStatus, ConclusionKind, Urgency, VisitResult
from shuzheng.appeals.demo import synthetic
from shuzheng.appeals.demo.reference import CITY
from shuzheng.appeals.models import Appeal, Category
from shuzheng.core import calendar, fulltext
from shuzheng.core.models import SearchEntry
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.models import Department, Division

#: Only the newest historical appeals go into the full-text index ("similar past appeals"): jieba
#: segmentation of all 20,000 would double the demo load time.
INDEXED_HISTORICAL: Final = 3000
BATCH: Final = 2000


def _village_pools(divisions: dict[str, Division]) -> dict[str, list[Division]]:
    pools: dict[str, list[Division]] = {}
    for division in orgs_selectors.division_queryset(
        level=Division.Level.VILLAGE, under=f"/440000/440700/{CITY}/", include_inactive=True
    ):
        town_code = division.code[:9]
        pools.setdefault(town_code, []).append(division)
    for code, _ in synthetic.TOWNS:
        if code not in pools and code in divisions:
            pools[code] = [divisions[code]]
    return pools


def ensure_historical(
    count: int,
    categories: dict[str, Category],
    departments: dict[str, Department],
    divisions: dict[str, Division],
    progress: Callable[[int], None],
) -> int:
    """Bulk-insert ``count`` synthetic closed appeals (and their full-text entries)."""
    if Appeal.objects.filter(is_historical=True).exists():
        return Appeal.objects.filter(is_historical=True).count()
    rng = random.Random(7)  # noqa: S311 - synthetic demo data, not security
    pools = _village_pools(divisions)
    cal = calendar.current()
    now = timezone.now()
    start = now - timedelta(days=365)
    satisfaction_choices = (
        VisitResult.SATISFIED,
        VisitResult.BASICALLY_SATISFIED,
        VisitResult.UNSATISFIED,
        VisitResult.FAILED,
    )
    batch: list[Appeal] = []
    texts: list[str] = []
    created = 0
    for index, item in enumerate(synthetic.generate(count, seed=2026)):
        department = departments.get(item.department)
        if department is None:
            continue
        received = start + timedelta(seconds=rng.randint(0, 365 * 24 * 3600 - 1))
        category = categories[item.category]
        limit = sla.limit_for(
            appeal_type=item.appeal_type,
            urgency=Urgency.NORMAL,
            category_days=category.sla_days,
            is_enterprise=item.is_enterprise,
        )
        due = cal.deadline_at(received, limit.working_days) if limit.working_days is not None else None
        span = (due - received) if due else timedelta(days=5)
        late = rng.random() < 0.06
        concluded = received + (span * rng.uniform(1.05, 1.6) if late else span * rng.uniform(0.1, 0.95))
        concluded = min(concluded, now)
        batch.append(
            Appeal(
                number=f"LS{received:%Y%m%d}{index:06d}",
                channel=item.channel,
                appeal_type=item.appeal_type,
                category=category,
                text=item.text,
                division=rng.choice(pools.get(item.town) or [divisions[CITY]]),
                is_enterprise=item.is_enterprise,
                enterprise_uscc="",
                urgency=Urgency.NORMAL,
                status=AppealStatus.CLOSED,
                received_at=received,
                due_at=due,
                sla_rule=limit.basis,
                department=department,
                conclusion=ConclusionKind.WORK_ORDER,
                replied_at=concluded,
                concluded_at=concluded,
                satisfaction=rng.choices(satisfaction_choices, (82, 10, 5, 3))[0],
                is_historical=True,
            )
        )
        texts.append(item.text)
        if len(batch) >= BATCH:
            created += _flush(batch, texts)
            batch, texts = [], []
            progress(created)
    if batch:
        created += _flush(batch, texts)
        progress(created)
    _index_recent()
    return created


def _flush(batch: list[Appeal], texts: list[str]) -> int:
    Appeal.objects.bulk_create(batch)
    return len(batch)


def _index_recent() -> None:
    recent = Appeal.objects.filter(is_historical=True).order_by("-received_at").values_list("pk", "text")
    SearchEntry.objects.bulk_create(
        [
            SearchEntry(doc_type=APPEAL_DOC, doc_id=str(pk), tokens=fulltext.segment(text))
            for pk, text in recent[:INDEXED_HISTORICAL]
        ],
        batch_size=1000,
    )
