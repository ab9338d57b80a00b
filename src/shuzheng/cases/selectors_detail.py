"""The case detail's reads as statements compiled once (issue 14).

The detail reads one case with the nine relations it shows or checks the scope with, then its materials,
corrections and suspensions. Django compiles each queryset again on every request, and for the case that
was most of the detail's CPU: about 200 select columns, and ``first()``'s ORDER BY compared against each
of them (bench/README.md). `Compiled` builds the queryset once with placeholder values, keeps its SQL
and how Django turns a row into model instances (the same converters, ``Model.from_db`` and related-object
populators as a queryset's iteration), and runs the SQL with the values of each call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

from shuzheng.cases.models import Case, CaseMaterial, CorrectionRequest, Suspension

M = TypeVar("M", bound=Model)

#: Stands for a parameter while a queryset is compiled; no real id or key is negative.
_PLACEHOLDER = -7_340_032_117


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    position: int  # of the placeholder in params
    model: type[Model]
    fields: slice  # the model's own columns in a row
    init_list: list[str]
    populators: list[Any]
    expressions: list[Any]  # what each column of a row is (the converters take it)
    converters: list[tuple[int, list[Any]]]  # (column, what the ORM applies to its values) where any


class Compiled(Generic[M]):
    """``build(value)`` — a queryset with one parameter, no annotations or deferred fields — compiled once
    per database kind; calling runs its SQL with `value` and returns the instances the queryset would."""

    def __init__(self, build: Callable[[Any], QuerySet[M]]) -> None:
        self.build = build
        self.plans: dict[str, _Plan] = {}

    def _plan(self) -> _Plan:
        plan = self.plans.get(connection.vendor)
        if plan is None:
            compiler = self.build(_PLACEHOLDER).query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            positions = [i for i, value in enumerate(params) if value == _PLACEHOLDER]
            if len(positions) != 1 or compiler.annotation_col_map:
                raise ValueError("Compiled takes a queryset with exactly one parameter and no annotations.")
            klass_info: dict[str, Any] = compiler.klass_info
            own = klass_info["select_fields"]
            select = compiler.select
            expressions = [column[0] for column in select[: compiler.col_count]]
            converters = [
                (index, [*connection.ops.get_db_converters(expr), *expr.get_db_converters(connection)])
                for index, expr in enumerate(expressions)
            ]
            plan = _Plan(
                sql=sql,
                params=tuple(params),
                position=positions[0],
                model=klass_info["model"],
                fields=slice(own[0], own[-1] + 1),
                init_list=[column[0].target.attname for column in select[own[0] : own[-1] + 1]],
                populators=get_related_populators(klass_info, select, connection.alias),
                expressions=expressions,
                converters=[(index, found) for index, found in converters if found],
            )
            self.plans[connection.vendor] = plan
        return plan

    def __call__(self, value: Any) -> list[M]:
        plan = self._plan()
        params = list(plan.params)
        params[plan.position] = value
        with prepared_cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        out = []
        for raw in rows:
            row = list(raw)
            for index, found in plan.converters:
                for converter in found:
                    row[index] = converter(row[index], plan.expressions[index], connection)
            obj = plan.model.from_db(connection.alias, plan.init_list, row[plan.fields])
            for populator in plan.populators:
                populator.populate(row, obj)
            out.append(obj)
        return out  # type: ignore[return-value]


def prepared_cursor() -> Any:
    """A cursor whose statements PostgreSQL prepares once per connection (connections persist,
    CONN_MAX_AGE): planning the case's ten-table join took 3 ms, running it 0.3 ms (bench/README.md).
    Django binds parameters client-side, so it cannot; this cursor binds them server-side, which these
    statements allow (plain parameters in WHERE). Elsewhere, Django's cursor (SQLite prepares itself)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID  # type: ignore[attr-defined]
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        pg = connection.connection
        if pg.prepare_threshold is None:
            # Django turns psycopg's preparing off (None), which refuses even an explicit prepare=True;
            # its own cursors bind client-side and never prepare, so only this cursor's statements are.
            pg.prepare_threshold = _NEVER_AUTOMATICALLY
        raw = _preparing_cursor_class()(pg)
    # As Django's own cursors: its time zone for timestamps, and its wrapper (query log, execute wrappers).
    if pg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone != connection.timezone:
        register_tzloader(connection.timezone, raw)
    connection.validate_thread_sharing()
    return _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Django's query log for this cursor: the SQL as sent, with its parameters beside it (Django reads
    the interpolated text from client-side cursors only)."""

    def debug_sql(
        self, sql: Any = None, params: Any = None, use_last_executed_query: bool = False, many: bool = False
    ) -> Any:
        return super().debug_sql(sql, params, False, many)


_NEVER_AUTOMATICALLY = 2**31 - 1  # executions before psycopg would prepare a statement by itself


@lru_cache(maxsize=1)
def _preparing_cursor_class() -> type[Any]:
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True)

    return PreparingCursor


#: What the detail shows or the scope check reads (selectors.case_get); the other relations load when used.
CASE_RELATIONS = (
    "version",
    "department",
    "division",
    "current_step",
    "acting_user",
    "hall",
    "window",
    "kiosk",
    "step_department__division",
)

case_by_id: Compiled[Case] = Compiled(lambda pk: Case.objects.select_related(*CASE_RELATIONS).filter(pk=pk))
materials_of: Compiled[CaseMaterial] = Compiled(
    lambda case_id: CaseMaterial.objects.select_related("requirement").filter(case_id=case_id).order_by("id")
)
corrections_of: Compiled[CorrectionRequest] = Compiled(
    lambda case_id: CorrectionRequest.objects.filter(case_id=case_id).order_by("requested_at", "id")
)
suspensions_of: Compiled[Suspension] = Compiled(
    lambda case_id: Suspension.objects.filter(case_id=case_id).order_by("started_at", "id")
)


def with_case(rows: list[M], case: Case) -> list[M]:
    """`rows` of the case's own tables, each knowing its case (as through ``case.materials``: no query)."""
    for row in rows:
        row.case = case  # type: ignore[attr-defined]
    return rows
