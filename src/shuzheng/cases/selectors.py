"""Reads of cases, each within the caller's data scope.

Who sees a case:
- staff: through role assignments whose role holds ``cases.view_case`` — a case is in scope when its
  implementing department, its division (the hall's or kiosk's for in-person channels, else the
  department's) or the department of its current step lies in one of the grants (identity.scopes);
- the applicant: their own cases (``applicant``), and what they submitted themselves;
- anyone else: the case does not exist (404), so ids cannot be probed.

The queue is keyset-paginated by (due_at, id) and annotated with the derived ``deadline_state``; its
query count does not grow with the page size.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from shuzheng.cases import deadlines, selectors_detail, selectors_queue
from shuzheng.cases.constants import CaseStatus, DeadlineState
from shuzheng.cases.models import Case, CaseMaterial, CaseStatusChange, CorrectionRequest, Suspension
from shuzheng.cases.workflow import CLOCK_RUNNING, OPEN_STATUSES, VIEW_PERMISSION
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import MalformedRequest, NotFound, ValidationFailed
from shuzheng.core.pagination import (
    DEFAULT_LIMIT,
    Page,
    check_limit,
    cursor_after,
    cursor_values,
    keyset_page,
)
from shuzheng.core.validators import validate_id_number, validate_uscc
from shuzheng.identity.constants import DataScopeKind, UserKind
from shuzheng.identity.scopes import DataScope, Grant, data_scope_for
from shuzheng.orgs import selectors as orgs_selectors

QUEUE_ORDER = ("due_at", "id")
MY_CASES_ORDER = ("-received_at", "-id")

_LIST_RELATIONS = ("version", "department", "division", "current_step", "acting_user")
# What a queue row shows (cases.api.case_out, the workbench queue page): loading only these columns keeps
# a page from building and decrypting every field of five related rows per case.
_QUEUE_ROW_FIELDS = (
    "number",
    "version__code",
    "version__name",
    "department__name",
    "division__code",
    "channel",
    "status",
    "received_at",
    "accepted_at",
    "due_at",
    "concluded_at",
    "current_step__name",
    "acting_user__full_name",
    "applicant_kind",
    "applicant_name",
    "applicant_id",
    "submitted_by_id",
    "lock_version",
)


@lru_cache(maxsize=4096)
def applicant_name_index(name: str) -> str:
    """Keyed SM3 of a name without spaces (NFKC), so an exact full name can be searched, not browsed."""
    return blind_index("name:" + "".join(unicodedata.normalize("NFKC", name).split()))


def _is_staff(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.kind == UserKind.STAFF)


def scope_q(scope: DataScope) -> Q:
    """Cases inside `scope`: by department, division, or the department of the current step.

    Same rows as ``scope.q(department="department", division="division") |
    scope.q(department="step_department")``, but tree grants are first resolved to id lists on the small
    orgs tables, so the case table is filtered on its own indexed columns (``department_id``,
    ``division_id``, ``step_department_id``). Filtering on joined paths ORed together defeats the queue
    indexes: at 1M cases the town clerk's queue walked the whole due_at index (≈1 s; bench/README.md).
    """
    if scope.is_all:
        return Q()
    condition = Q(pk__in=[])
    for column, ids in scope_units(scope).items():
        condition |= Q(**{f"{column}__in": ids})
    return condition


def scope_units(scope: DataScope) -> dict[str, list[int]]:
    """For a scope that is not "all": each case column a grant selects on (``department_id``,
    ``division_id``, ``step_department_id``) with the ids the grants allow there; a case is in scope when
    one of its columns holds one of them (empty: no case is)."""
    units: dict[str, set[int]] = {}
    for grant in scope.grants:
        for column, ids in _grant_units(grant):
            units.setdefault(column, set()).update(ids)
    return {column: sorted(ids) for column, ids in units.items() if ids}


def _scope_sql(scope: DataScope) -> list[tuple[str, str, list[Any]]]:
    """`scope_units` as statements for the queue's own SQL (`selectors_queue.QueueQuery.units`): a tree is
    selected inside the queue's statement instead of by a round trip of its own. Same cases."""
    trees = orgs_selectors.tree_unit_sql()
    out: list[tuple[str, str, list[Any]]] = []
    for grant in scope.grants:
        if grant.kind == DataScopeKind.DEPARTMENT and grant.department_id:
            out += [
                (column, "%s", [grant.department_id]) for column in ("department_id", "step_department_id")
            ]
        elif grant.kind == DataScopeKind.DEPARTMENT_TREE and grant.department_path:
            pattern = [orgs_selectors.tree_pattern(grant.department_path)]
            out += [
                (column, trees["departments_under"], pattern)
                for column in ("department_id", "step_department_id")
            ]
        elif grant.kind == DataScopeKind.DIVISION_TREE and grant.division_path:
            pattern = [orgs_selectors.tree_pattern(grant.division_path)]
            out += [
                ("division_id", trees["divisions_under"], pattern),
                ("step_department_id", trees["departments_in_divisions_under"], pattern),
            ]
    return out


def _grant_units(grant: Grant) -> list[tuple[str, list[int]]]:
    if grant.kind == DataScopeKind.DEPARTMENT and grant.department_id:
        return [("department_id", [grant.department_id]), ("step_department_id", [grant.department_id])]
    if grant.kind == DataScopeKind.DEPARTMENT_TREE and grant.department_path:
        ids = orgs_selectors.department_ids_under(grant.department_path)
        return [("department_id", ids), ("step_department_id", ids)]
    if grant.kind == DataScopeKind.DIVISION_TREE and grant.division_path:
        division_ids, department_ids = orgs_selectors.division_tree_unit_ids(grant.division_path)
        return [("division_id", division_ids), ("step_department_id", department_ids)]
    return []  # self-scoped grants see no cases (cases have no owner path for staff)


def scoped_cases(*, user: Any, permission: str = VIEW_PERMISSION) -> QuerySet[Case]:
    """Cases the staff user may act on (or see) under `permission`; nothing for anyone else."""
    scope = _staff_scope(user, permission)
    if scope is None:
        return Case.objects.none()
    return Case.objects.filter(scope_q(scope))


def _staff_scope(user: Any, permission: str) -> DataScope | None:
    """The user's scope under `permission`; None when it holds no case (not staff, or no grant)."""
    if not _is_staff(user) and not getattr(user, "is_superuser", False):
        return None
    scope = data_scope_for(user, permission)
    return None if scope.is_empty else scope


def case_in_scope(*, user: Any, case: Case, permission: str) -> bool:
    """Whether `case` is among `scoped_cases(user, permission)`. When the case's units are already loaded
    (`case_get` loads them), decided from their ids and paths as `scope_q` selects; else one query. The
    detail page asks this once per permission it offers actions for."""
    if not _is_staff(user) and not getattr(user, "is_superuser", False):
        return False
    scope = data_scope_for(user, permission)
    if scope.is_empty:
        return False
    if scope.is_all:
        return True
    if not _units_loaded(case):
        return Case.objects.filter(scope_q(scope), pk=case.pk).exists()
    return any(_grant_covers(grant, case) for grant in scope.grants)


def _units_loaded(case: Case) -> bool:
    meta = Case._meta
    if not (meta.get_field("department").is_cached(case) and meta.get_field("division").is_cached(case)):
        return False
    if case.step_department_id is None:
        return True
    if not meta.get_field("step_department").is_cached(case):
        return False
    step = case.step_department
    return step is not None and orgs_selectors.division_is_loaded(step)


def _grant_covers(grant: Grant, case: Case) -> bool:
    """`_grant_ids_q` for one case whose department, division and step department are loaded."""
    step = case.step_department if case.step_department_id else None
    if grant.kind == DataScopeKind.DEPARTMENT and grant.department_id:
        return grant.department_id in (case.department_id, case.step_department_id)
    if grant.kind == DataScopeKind.DEPARTMENT_TREE and grant.department_path:
        return any(
            unit is not None and str(unit.path).startswith(grant.department_path)
            for unit in (case.department, step)
        )
    if grant.kind == DataScopeKind.DIVISION_TREE and grant.division_path:
        return str(case.division.path).startswith(grant.division_path) or (
            step is not None and str(step.division.path).startswith(grant.division_path)
        )
    return False


def is_applicant(user: Any, case: Case) -> bool:
    """The applicant's account, or the citizen who filed it themselves (portal, kiosk)."""
    return is_applicant_of(user, applicant_id=case.applicant_id, submitted_by_id=case.submitted_by_id)


def is_applicant_of(user: Any, *, applicant_id: int | None, submitted_by_id: int | None) -> bool:
    """`is_applicant` from a case's two columns (a queue row holds no Case)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if applicant_id is not None and applicant_id == user.pk:
        return True
    return user.kind != UserKind.STAFF and submitted_by_id == user.pk


def _statuses(status: str | list[str] | None) -> list[str] | None:
    if status is None or status == "" or status == []:
        return None
    values = [status] if isinstance(status, str) else list(status)
    unknown = [s for s in values if s not in CaseStatus.values]
    if unknown:
        raise MalformedRequest(f"未知的办件状态：{'、'.join(unknown)}", code="invalid_status")
    return values


#: The default queue: open cases, less those delivered and only waiting to be concluded.
TO_DO_STATUSES = OPEN_STATUSES - {CaseStatus.DELIVERED}
_CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{6,40}$")


def search_q(text: str) -> Q:
    """Cases matching a clerk's search: the case number, or the applicant's ID number, credit code or
    full name. ID numbers and names are compared through their keyed indexes (the columns are
    encrypted or not searchable in clear), so only exact values match."""
    value = unicodedata.normalize("NFKC", text).strip()[:64]
    condition = Q(applicant_name_index=applicant_name_index(value))
    if _CASE_NUMBER.match(value):
        condition |= Q(number=value)
    for check, column in ((validate_id_number, "applicant_id_index"), (validate_uscc, "applicant_uscc")):
        try:
            number = check(value)
        except ValidationFailed:
            continue
        condition |= Q(**{column: blind_index(number) if column == "applicant_id_index" else number})
    return condition


def case_queue(
    *,
    user: Any,
    status: str | list[str] | None = None,
    item: str | None = None,
    channel: str | None = None,
    state: str | None = None,
    department_id: int | None = None,
    mine: bool = False,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> Page[Case]:
    """The staff queue: cases in scope, still to act on unless `status` says otherwise (delivered cases
    only waiting to be concluded are left out; ``status=delivered`` shows them), earliest deadline first.

    Filters: ``item`` (implementing code), ``channel``, ``state`` (a DeadlineState), ``department_id``,
    ``mine`` (cases whose acting user is the caller), ``q`` (see `search_q`). Each row carries
    ``deadline_state``.
    """
    bounds = deadlines.state_bounds(now)
    query = _queue_query(
        user=user,
        bounds=bounds,
        status=status,
        item=item,
        channel=channel,
        state=state,
        department_id=department_id,
        mine=mine,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    keys = selectors_queue.page_keys(query) if query is not None else []
    ids = [pk for pk, _ in keys[:limit]]
    rows = (
        deadlines.annotate_state(
            Case.objects.select_related(*_LIST_RELATIONS).only(*_QUEUE_ROW_FIELDS), bounds
        ).in_bulk(ids)
        if ids
        else {}
    )
    return Page(items=[rows[pk] for pk in ids if pk in rows], next_cursor=_next_cursor(keys, limit))


def case_queue_rows(
    *, user: Any, now: datetime | None = None, **filters: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """The page of `case_queue` (same filters, same rows and cursor) as plain rows of
    `selectors_queue.ROW_COLUMNS` with ``deadline_state``, for the API: one statement written once for
    the page and its related columns instead of two ORM querysets and six model instances per row
    (bench/README.md)."""
    bounds = deadlines.state_bounds(now)
    query = _queue_query(user=user, bounds=bounds, **filters)
    rows = selectors_queue.page_rows(query) if query is not None else []
    next_cursor = _next_cursor([(row["id"], row["due_at"]) for row in rows], query.limit if query else 0)
    rows = rows[: query.limit] if query is not None else []
    for row in rows:  # in Python: the CASE expression costs more to build than to evaluate for 20 rows
        row["deadline_state"] = deadlines.state_of(row["status"], row["due_at"], bounds)
    return rows, next_cursor


def _next_cursor(keys: list[tuple[int, datetime]], limit: int) -> str | None:
    """`keyset_page`'s cursor: after the page's last row, when a row follows it."""
    if len(keys) <= limit:
        return None
    pk, due_at = keys[limit - 1]
    return cursor_after([due_at, pk])


def _queue_query(
    *,
    user: Any,
    bounds: deadlines.StateBounds,
    status: str | list[str] | None = None,
    item: str | None = None,
    channel: str | None = None,
    state: str | None = None,
    department_id: int | None = None,
    mine: bool = False,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> selectors_queue.QueueQuery | None:
    """The queue page to read, after checking every input; None when the user's scope holds no case.

    Two steps: the page's keys from narrow rows (index scan, sort of (due_at, id) only), then those rows
    with their relations. One query joining first and sorting after would join and sort every open case
    in scope before the LIMIT (tens of ms for a town at 1M cases; bench/README.md)."""
    check_limit(limit)
    statuses = _statuses(status) or sorted(TO_DO_STATUSES)
    if state and state not in DeadlineState.values:
        raise MalformedRequest(f"未知的时限状态：{state}", code="invalid_state")
    after = cursor_values(Case, QUEUE_ORDER, cursor) if cursor else None
    scope = _staff_scope(user, VIEW_PERMISSION)
    if scope is None:
        return None
    # The rarer filters go through the ORM's WHERE compiler (only when given): same lookups as before.
    extra = Q()
    if q and q.strip():
        extra &= search_q(q)
    if item:
        versions = Case._meta.get_field("version").related_model._default_manager  # type: ignore[union-attr]
        extra &= Q(version_id__in=versions.filter(code=item.strip()).values("pk"))
    if channel:
        extra &= Q(channel=channel)
    if department_id is not None:
        extra &= Q(department_id=department_id)
    if mine:
        extra &= Q(acting_user_id=user.pk)
    if state:
        extra &= deadlines.state_q(state, bounds)
    return selectors_queue.QueueQuery(
        units=None if scope.is_all else _scope_sql(scope),
        statuses=statuses,
        extra=_compiled_where(extra) if extra else None,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )


def _compiled_where(condition: Q) -> tuple[str, list[Any]]:
    query = Case.objects.filter(condition).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)


def my_cases(
    *,
    applicant: Any,
    status: str | list[str] | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> Page[Case]:
    """The applicant's own cases, newest first, with ``deadline_state``."""
    if applicant is None or not getattr(applicant, "is_authenticated", False):
        return Page(items=[], next_cursor=None)
    queryset = Case.objects.filter(applicant_id=applicant.pk)
    statuses = _statuses(status)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    queryset = deadlines.annotate_state(queryset, deadlines.state_bounds(now))
    return keyset_page(
        queryset.select_related(*_LIST_RELATIONS), order=MY_CASES_ORDER, cursor=cursor, limit=limit
    )


def case_get(*, user: Any, case_id: int, now: datetime | None = None) -> Case:
    """One case for its applicant or staff in scope, with ``deadline_state``; NotFound otherwise.

    Joins only the relations the detail shows or the scope check reads: PostgreSQL spent 10.8 ms planning
    the 13-table join this was (over its genetic-optimizer threshold of 12) and 4.3 ms for these 10, for
    a 0.3 ms lookup (bench/README.md); the others load when used. The statement is compiled once
    (`selectors_detail`)."""
    found = selectors_detail.case_by_id(case_id) if isinstance(case_id, int) else []
    case = found[0] if found else None
    if case is None:
        raise NotFound("办件不存在或不在您的数据范围内。")
    return case_shown(user=user, case=case, now=now)


#: Standard SQL (PostgreSQL and SQLite alike) over cases' own table: one column by primary key.
_LOCK_VERSION_SQL = 'SELECT "lock_version" FROM "cases_case" WHERE "id" = %s'


def case_is_current(case: Case) -> bool:
    """Whether the row still has the lock version `case` was written with (every change of a case bumps
    it): a receiver of the submission's signal may have moved the case on (秒批) in the same transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_VERSION_SQL, [case.pk])
        row = cursor.fetchone()
    return row is not None and row[0] == case.lock_version


def case_shown(*, user: Any, case: Case, now: datetime | None = None) -> Case:
    """`case`, already loaded, for its applicant or staff in scope, with ``deadline_state``; NotFound
    otherwise. The submission API shows the case it has just written this way instead of reading it again
    (`case_get`'s join cost more than the rest of a submission's queries together; bench/README.md)."""
    if not is_applicant(user, case) and not case_in_scope(user=user, case=case, permission=VIEW_PERMISSION):
        raise NotFound("办件不存在或不在您的数据范围内。")
    case.deadline_state = deadlines.deadline_state(case, deadlines.state_bounds(now))  # type: ignore[attr-defined]
    return case


def case_get_by_number(*, user: Any, number: str) -> Case:
    case_id = Case.objects.filter(number=(number or "").strip()).values_list("pk", flat=True).first()
    if case_id is None:
        raise NotFound("办件不存在或不在您的数据范围内。")
    return case_get(user=user, case_id=case_id)


def _known(case: Case, relation: str) -> bool:
    """Whether the rows of `relation` are already on the case (prefetched, or set by the service that has
    just created the case: its materials, no corrections or suspensions)."""
    return relation in getattr(case, "_prefetched_objects_cache", {})


def case_materials(case: Case) -> list[CaseMaterial]:
    if _known(case, "materials"):
        return sorted(case.materials.all(), key=lambda material: material.pk)
    return selectors_detail.with_case(selectors_detail.materials_of(case.pk), case)


def case_corrections(case: Case) -> list[CorrectionRequest]:
    """The case's correction requests, oldest first."""
    if _known(case, "corrections"):
        return sorted(case.corrections.all(), key=lambda c: (c.requested_at, c.pk))
    return selectors_detail.with_case(selectors_detail.corrections_of(case.pk), case)


def case_suspensions(case: Case) -> list[Suspension]:
    """The case's suspensions, oldest first."""
    if _known(case, "suspensions"):
        return sorted(case.suspensions.all(), key=lambda s: (s.started_at, s.pk))
    return selectors_detail.with_case(selectors_detail.suspensions_of(case.pk), case)


def outstanding_deferred(case: Case) -> list[CaseMaterial]:
    """容缺 materials not yet supplied."""
    return list(case.materials.filter(deferred=True, supplied_at__isnull=True).order_by("id"))


def open_correction(case: Case) -> CorrectionRequest | None:
    return case.corrections.filter(responded_at__isnull=True).order_by("-requested_at", "-id").first()


def latest_correction(case: Case) -> CorrectionRequest | None:
    return case.corrections.order_by("-requested_at", "-id").first()


def last_change(case: Case, action: str) -> CaseStatusChange | None:
    return case.history.filter(action=action).order_by("-occurred_at", "-id").first()


# --- reminders ---------------------------------------------------------------------------------------


def cases_needing_reminder(*, now: datetime | None = None) -> QuerySet[Case]:
    """Running cases in warning or overdue (for the reminder task), with ``deadline_state``."""
    bounds = deadlines.state_bounds(now)
    queryset = Case.objects.filter(status__in=sorted(CLOCK_RUNNING), due_at__lte=bounds.warning_from)
    return deadlines.annotate_state(queryset, bounds).select_related(
        "version", "department", "current_step", "step_department", "acting_user"
    )


# --- reads for 好差评 (the evaluation context rates concluded cases) --------------------------------


def _evaluated_case_queryset() -> QuerySet[Case]:
    """Cases with what an evaluation page and the evaluation's own columns need."""
    return Case.objects.select_related(
        "version", "department__division", "division", "hall", "window", "applicant"
    )


def applicant_case(*, applicant_id: int, case_id: int) -> Case | None:
    """The applicant's own case, or None (somebody else's case is never returned)."""
    return _evaluated_case_queryset().filter(pk=case_id, applicant_id=applicant_id).first()


def case_in_scope_of(*, scope: DataScope, case_id: int) -> Case | None:
    """The case when its department or division lies in `scope` (another context's permission), else None."""
    found = scope.filter(
        _evaluated_case_queryset().filter(pk=case_id), department="department", division="division"
    )
    return found.first()


def case_id_by_number(number: str) -> int | None:
    return Case.objects.filter(number=(number or "").strip()).values_list("pk", flat=True).first()


def current_status(case_id: int) -> str | None:
    """The status as stored now (a caller's instance may be stale); None when the case does not exist."""
    return Case.objects.filter(pk=case_id).values_list("status", flat=True).first()


def concluded_cases_of_applicant(applicant_id: int) -> QuerySet[Case]:
    return _evaluated_case_queryset().filter(applicant_id=applicant_id, status=CaseStatus.CONCLUDED)


def concluded_cases(*, limit: int, key_prefix: str = "") -> list[Case]:
    """The first `limit` concluded cases by id whose idempotency key starts with `key_prefix` (the 好差评
    demo evaluates the cases demo's own, not those later demo steps conclude)."""
    queryset = _evaluated_case_queryset().filter(status=CaseStatus.CONCLUDED)
    if key_prefix:
        queryset = queryset.filter(idempotency_key__startswith=key_prefix)
    return list(queryset.order_by("pk")[:limit])
