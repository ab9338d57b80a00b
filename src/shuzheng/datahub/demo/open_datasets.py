"""Synthetic open datasets for benchmarks (CKAN ``package_search``, the portal search, the DCAT catalog).

Each synthetic dataset (标识 ``gen-000001`` …) gets its own published, open catalog entry (code
``GEN-000001``, no mounted table: the metadata is what is searched), a department among the active
ones, one of the portal topics, 2–5 tags from a fixed pool, CSV/XLSX/JSON resources and its full-text
index entry. Deterministic (dataset ``n`` is always the same), resumable and idempotent: it counts the
``gen-`` datasets and adds only the missing ones, 1,000 per transaction, with bulk inserts; one audit
event per batch instead of one per dataset. Needs the organisation demo (departments) first.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, Final

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit, fulltext
from shuzheng.core.actors import SYSTEM
from shuzheng.core.models import SearchEntry
from shuzheng.datahub.models import (
    CatalogEntry,
    Classification,
    EntryStatus,
    OpenDataset,
    Openness,
    OpenResource,
    OpenTag,
    OpenTopic,
    ResourceFormat,
    UpdateCycle,
)
from shuzheng.orgs import selectors as org_selectors
from shuzheng.orgs.demo import TOWNS

PREFIX: Final = "gen-"
CODE_PREFIX: Final = "GEN-"
MAX_DATASETS: Final = 1_000_000
BATCH: Final = 1000

#: Topic name → (title, subjects published under it).
SUBJECTS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "transport": ("交通出行", ("公共停车场", "公交线路", "公交站点", "出租车营运", "道路运输企业", "充电桩")),
    "environment": ("生态环境", ("空气质量监测", "河流水质监测", "噪声监测点", "污染源企业", "垃圾分类站点")),
    "education": ("教育文化", ("中小学名录", "幼儿园名录", "公共图书馆", "文化活动中心", "招生计划")),
    "health": ("医疗卫生", ("医疗机构名录", "药店名录", "疫苗接种点", "卫生监督检查", "家庭医生团队")),
    "social": ("社会保障", ("养老机构", "社区服务中心", "低保发放统计", "就业岗位信息", "社保经办网点")),
    "economy": ("经济产业", ("企业登记统计", "工业园区企业", "农产品价格", "招商项目", "个体工商户统计")),
    "urban": ("城市建设", ("建设项目审批", "公共厕所", "市政道路", "城市绿地", "保障性住房")),
    "safety": ("公共安全", ("消防设施", "应急避难场所", "安全生产检查", "防汛物资储备", "地质灾害隐患点")),
    "agriculture": ("农业农村", ("农业合作社", "家庭农场", "高标准农田", "农机补贴", "簕菜种植基地")),
    "government": (
        "政务服务",
        ("政务服务事项", "便民服务站", "政务热线统计", "行政许可结果", "财政预算公开"),
    ),
    "tourism": ("文化旅游", ("旅游景点", "温泉酒店", "乡村旅游点", "非物质文化遗产", "A级景区客流")),
}
TAGS: Final = (
    "民生", "统计", "名录", "监测", "公开", "年度", "月度", "实时", "地理", "设施", "服务", "企业", "农业",
    "交通", "环境", "教育", "医疗", "养老", "就业", "文化", "旅游", "安全", "应急", "住房", "财政", "侨乡",
    "温泉", "乡村振兴", "营商环境", "数字政府",
)  # fmt: skip
CYCLES: Final = (
    UpdateCycle.DAILY,
    UpdateCycle.WEEKLY,
    UpdateCycle.MONTHLY,
    UpdateCycle.QUARTERLY,
    UpdateCycle.YEARLY,
)
LICENCES: Final = ("cc-by-4.0", "cc-by-4.0", "cc-by-4.0", "cc-zero", "odc-by")


def synthetic(n: int, departments: list[Any]) -> dict[str, Any]:
    """The metadata of synthetic dataset ``n`` (1-based), deterministic."""
    rng = random.Random(n * 7907 + 11)  # noqa: S311 - demo data, not secrets
    topic = list(SUBJECTS)[n % len(SUBJECTS)]
    title_topic, subjects = SUBJECTS[topic]
    subject = rng.choice(subjects)
    town = rng.choice(TOWNS)
    year = 2018 + rng.randint(0, 8)
    department = departments[(n * 31 + rng.randint(0, 7)) % len(departments)]
    title = f"{town.name}{year}年{subject}"
    tags = sorted(set(rng.sample(TAGS, rng.randint(2, 5))))
    return {
        "name": f"{PREFIX}{n:06d}",
        "code": f"{CODE_PREFIX}{n:06d}",
        "title": title,
        "notes": (
            f"{department.name}发布的{title}数据（合成压测数据，{title_topic}主题），"
            "含名称、地址、类别与统计值。"
        ),
        "department": department,
        "topic": topic,
        "tags": tags,
        "cycle": rng.choice(CYCLES),
        "licence": rng.choice(LICENCES),
        "days_ago": rng.randint(0, 1500),
        "downloads": int(rng.paretovariate(1.2) * 3),
        "formats": OpenResource.GENERATED if rng.random() < 0.7 else ("CSV", "JSON"),
    }


def generated_count() -> int:
    return OpenDataset.objects.filter(name__startswith=PREFIX).count()


def generate(target: int, *, progress: Any = None) -> int:
    """Add synthetic datasets until there are ``target`` of them; returns how many were added."""
    departments = list(org_selectors.department_queryset().order_by("code"))
    if not departments:
        raise CommandError("没有部门：请先执行 shuzheng load-demo（组织机构）")
    topics = {}
    for name, (title, _subjects) in SUBJECTS.items():
        topics[name] = OpenTopic.objects.get_or_create(name=name, defaults={"title": title})[0]
    tags = {t: OpenTag.objects.get_or_create(name=t)[0] for t in TAGS}
    current = generated_count()
    added = 0
    now = timezone.now()
    for start in range(current + 1, target + 1, BATCH):
        numbers = range(start, min(start + BATCH, target + 1))
        specs = [synthetic(n, departments) for n in numbers]
        with transaction.atomic():
            entries = CatalogEntry.objects.bulk_create(
                [
                    CatalogEntry(
                        code=s["code"],
                        name=s["title"],
                        classification=Classification.DEPARTMENT,
                        class_code="Z99",
                        department=s["department"],
                        abstract=s["notes"],
                        format=ResourceFormat.TABLE,
                        openness=Openness.OPEN,
                        update_cycle=s["cycle"],
                        published_on=(now - timedelta(days=s["days_ago"])).date(),
                        status=EntryStatus.PUBLISHED,
                    )
                    for s in specs
                ]
            )
            if any(e.pk is None for e in entries):  # backends without RETURNING
                by_code = dict(
                    CatalogEntry.objects.filter(code__in=[s["code"] for s in specs]).values_list("code", "pk")
                )
                for entry in entries:
                    entry.pk = by_code[entry.code]
            datasets = OpenDataset.objects.bulk_create(
                [
                    OpenDataset(
                        entry_id=entry.pk,
                        name=s["name"],
                        title=s["title"],
                        notes=s["notes"],
                        department=s["department"],
                        license_id=s["licence"],
                        state=OpenDataset.State.ACTIVE,
                        published_at=now - timedelta(days=s["days_ago"]),
                        download_count=s["downloads"],
                    )
                    for entry, s in zip(entries, specs, strict=True)
                ]
            )
            if any(d.pk is None for d in datasets):
                by_name = dict(
                    OpenDataset.objects.filter(name__in=[s["name"] for s in specs]).values_list("name", "pk")
                )
                for dataset in datasets:
                    dataset.pk = by_name[dataset.name]
            OpenResource.objects.bulk_create(
                [
                    OpenResource(dataset_id=d.pk, format=fmt, name=f"{d.title}（{fmt}）")
                    for d, s in zip(datasets, specs, strict=True)
                    for fmt in s["formats"]
                ]
            )
            OpenDataset.tags.through.objects.bulk_create(
                [
                    OpenDataset.tags.through(opendataset_id=d.pk, opentag_id=tags[t].pk)
                    for d, s in zip(datasets, specs, strict=True)
                    for t in s["tags"]
                ]
            )
            OpenDataset.topics.through.objects.bulk_create(
                [
                    OpenDataset.topics.through(opendataset_id=d.pk, opentopic_id=topics[s["topic"]].pk)
                    for d, s in zip(datasets, specs, strict=True)
                ]
            )
            SearchEntry.objects.bulk_create(
                [
                    SearchEntry(
                        doc_type="datahub.open",
                        doc_id=str(d.pk),
                        tokens=fulltext.segment(
                            f"{s['title']} {s['notes']} {' '.join(s['tags'])} {s['department'].name}"
                        ),
                    )
                    for d, s in zip(datasets, specs, strict=True)
                ]
            )
            audit.record(
                actor=SYSTEM,
                action="datahub.open.generate",
                subject=datasets[0],
                after={"from": specs[0]["name"], "to": specs[-1]["name"], "count": len(specs)},
            )
        added += len(specs)
        if progress is not None:
            progress(len(specs))
    return added
