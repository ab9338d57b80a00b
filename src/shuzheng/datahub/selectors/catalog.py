"""Catalog entries as the user may see them (published ones to any staff member, drafts inside an
edit/review scope), mount statistics, totals and the class tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, Q, QuerySet, Sum

from shuzheng.core import fulltext
from shuzheng.core.errors import NotFound
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.datahub.models import (
    CatalogClass,
    CatalogEntry,
    EntryStatus,
    MountKind,
    OpenDataset,
)
from shuzheng.datahub.selectors.scope import any_scope, require_staff, within

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

ENTRY_ORDER: Final = ("-id",)

# --- catalog -------------------------------------------------------------------------------------------


def entry_queryset(*, user: Any) -> QuerySet[CatalogEntry]:
    """Entries the user may see: every published one, plus unpublished ones inside an edit/review scope."""
    require_staff(user)
    qs = CatalogEntry.objects.select_related("department")
    condition = any_scope(
        user,
        ("datahub.change_catalogentry", "department"),
        ("datahub.review_catalogentry", "department"),
        also=Q(status=EntryStatus.PUBLISHED),
    )
    return within(qs, condition)


def entry_list(
    *,
    user: Any,
    q: str | None = None,
    department: str | None = None,
    classification: str | None = None,
    status: str | None = None,
    sharing_type: str | None = None,
    openness: str | None = None,
    mounted: bool | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    class_code: str | None = None,
) -> Page[CatalogEntry]:
    """Entries newest first; ``q`` is a Chinese full-text search over name, abstract, department and
    data-item labels; ``department`` a department code."""
    qs = entry_queryset(user=user)
    if q and q.strip():
        ids = fulltext.search("datahub.entry", q, limit=500)
        qs = qs.filter(pk__in=[int(i) for i in ids])
    if department:
        qs = qs.filter(department__code=department.strip().upper())
    if classification:
        qs = qs.filter(classification=classification)
    if class_code:  # a node of the class tree (类-项-目-细目) and everything under it
        qs = qs.filter(class_code__startswith=class_code.strip().upper())
    if status:
        qs = qs.filter(status=status)
    if sharing_type:
        qs = qs.filter(sharing_type=sharing_type)
    if openness:
        qs = qs.filter(openness=openness)
    if mounted is True:
        qs = qs.exclude(mount_kind="")
    elif mounted is False:
        qs = qs.filter(mount_kind="")
    return keyset_page(qs.prefetch_related("items"), order=ENTRY_ORDER, cursor=cursor, limit=limit)


def entry_get(*, user: Any, id: int | None = None, code: str | None = None) -> CatalogEntry:
    lookup: dict[str, Any] = {"pk": id} if id is not None else {"code": (code or "").strip()}
    entry = entry_queryset(user=user).prefetch_related("items", "related").filter(**lookup).first()
    if entry is None:
        raise NotFound("数据资源不存在或不在您的数据范围内")
    return entry


def published_entry(code: str) -> CatalogEntry | None:
    """A published entry with its items by code, for the platform's own checks (e.g. which registry fields
    a 秒批 rule may read); no person's view is involved."""
    return (
        CatalogEntry.objects.prefetch_related("items")
        .filter(code=(code or "").strip(), status=EntryStatus.PUBLISHED)
        .first()
    )


def mount_stats(*, department: Department | None = None) -> list[dict[str, Any]]:
    """Per providing department: entries, published entries, mounted resources (by kind) and rows."""
    qs = CatalogEntry.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    rows = (
        qs.values("department_id", "department__code", "department__name")
        .annotate(
            entries=Count("id"),
            published=Count("id", filter=Q(status=EntryStatus.PUBLISHED)),
            mounted=Count("id", filter=~Q(mount_kind="")),
            tables=Count("id", filter=Q(mount_kind=MountKind.TABLE)),
            files=Count("id", filter=Q(mount_kind=MountKind.FILE)),
            apis=Count("id", filter=Q(mount_kind=MountKind.API)),
            rows=Sum("row_count"),
        )
        .order_by("department__code")
    )
    return [
        {
            "department_id": r["department_id"],
            "department_code": r["department__code"],
            "department_name": r["department__name"],
            "entries": r["entries"],
            "published": r["published"],
            "mounted": r["mounted"],
            "tables": r["tables"],
            "files": r["files"],
            "apis": r["apis"],
            "rows": r["rows"] or 0,
        }
        for r in rows
    ]


def catalog_totals() -> dict[str, int]:
    """City-wide counts as the plan reports them (目录, 挂接资源, 库表数据条数, 开放数据集)."""
    agg = CatalogEntry.objects.aggregate(
        entries=Count("id"),
        published=Count("id", filter=Q(status=EntryStatus.PUBLISHED)),
        mounted=Count("id", filter=~Q(mount_kind="")),
        rows=Sum("row_count"),
        departments=Count("department", distinct=True),
    )
    datasets = OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE)
    return {
        "entries": agg["entries"],
        "published": agg["published"],
        "mounted": agg["mounted"],
        "rows": agg["rows"] or 0,
        "departments": agg["departments"],
        "open_datasets": datasets.count(),
        "open_departments": datasets.values("department").distinct().count(),
    }


def entry_class_tree(*, user: Any) -> list[dict[str, Any]]:
    """The classification tree of the entries the user may see: per classification (基础/主题/部门), the
    classes (first letter of the class code, 类) and their items (letter + two digits, 项), with their
    names and counts."""
    rows = (
        entry_queryset(user=user)
        .order_by()
        .values("classification", "class_code")
        .annotate(count=Count("id"))
    )
    labels = dict(CatalogEntry._meta.get_field("classification").choices or [])
    tree: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = str(row["class_code"] or "")
        if not code:
            continue
        node = tree.setdefault(
            row["classification"],
            {
                "value": row["classification"],
                "label": labels.get(row["classification"], ""),
                "count": 0,
                "classes": {},
            },
        )
        node["count"] += row["count"]
        top = node["classes"].setdefault(code[0], {"code": code[0], "count": 0, "children": {}})
        top["count"] += row["count"]
        if len(code) >= 3:
            top["children"][code[:3]] = top["children"].get(code[:3], 0) + row["count"]
    codes = {
        code
        for node in tree.values()
        for c in node["classes"].values()
        for code in [c["code"], *c["children"]]
    }
    names = dict(CatalogClass.objects.filter(code__in=codes).values_list("code", "name"))

    def named(code: str, count: int) -> dict[str, Any]:
        return {"code": code, "name": names.get(code) or f"未命名类目 {code}", "count": count}

    result = []
    for value in sorted(tree):
        node = tree[value]
        classes = [
            {
                **named(c["code"], c["count"]),
                "children": [named(k, v) for k, v in sorted(c["children"].items())],
            }
            for _k, c in sorted(node["classes"].items())
        ]
        result.append({**node, "classes": classes})
    return result
