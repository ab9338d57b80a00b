"""The queue's own SQL (cases.selectors_queue) gives what the ORM gives: for every filter, scope kind and
page, the same cases in the same order, the same cursors, and the API's rows with the same values as an
ORM ``values()`` of the same columns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuzheng.cases import deadlines, selectors
from shuzheng.cases.constants import CaseChannel, CaseStatus
from shuzheng.cases.models import Case
from shuzheng.cases.selectors_queue import ROW_COLUMNS
from shuzheng.cases.tests.conftest import World
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.core.errors import MalformedRequest
from shuzheng.core.pagination import keyset_page
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.tests.conftest import grant, staff

pytestmark = pytest.mark.django_db


def _reference(user: User, bounds: deadlines.StateBounds, **filters: Any) -> Any:
    """The queue as the ORM selected it before the SQL was written by hand (keys queryset)."""
    queryset = selectors.scoped_cases(user=user)
    status = filters.get("status")
    queryset = queryset.filter(status__in=[status] if status else sorted(selectors.TO_DO_STATUSES))
    if filters.get("q"):
        queryset = queryset.filter(selectors.search_q(filters["q"]))
    if filters.get("item"):
        queryset = queryset.filter(version__code=filters["item"])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("department_id") is not None:
        queryset = queryset.filter(department_id=filters["department_id"])
    if filters.get("mine"):
        queryset = queryset.filter(acting_user_id=user.pk)
    if filters.get("state"):
        queryset = queryset.filter(deadlines.state_q(filters["state"], bounds))
    return queryset.filter(due_at__isnull=False)


def _orm_rows(ids: list[int]) -> list[dict[str, Any]]:
    own = [name for name, path in ROW_COLUMNS if name == path]
    related = {name: F(path) for name, path in ROW_COLUMNS if name != path}
    by_id = {row["id"]: row for row in Case.objects.filter(pk__in=ids).values(*own, **related)}
    return [by_id[pk] for pk in ids]


def _cases(world: World) -> list[Case]:
    now = timezone.now()
    other_version = world.version  # same item: the item filter then selects all or none
    made = []
    for i in range(9):
        made.append(
            CaseFactory.create(
                version=other_version,
                status=[CaseStatus.ACCEPTED, CaseStatus.SUBMITTED, CaseStatus.UNDER_REVIEW][i % 3],
                # two cases per due time: the id breaks the tie, across page boundaries too
                due_at=now + timedelta(hours=(i // 2) * 30 - 40),
                channel=CaseChannel.WINDOW if i % 4 == 0 else CaseChannel.PORTAL,
                acting_user=world.acceptor if i % 3 == 0 else None,
            )
        )
    CaseFactory.create(version=world.version, status=CaseStatus.CONCLUDED, due_at=now)
    CaseFactory.create(version=world.version, status=CaseStatus.ACCEPTED, due_at=None)
    return made


FILTERS: list[dict[str, Any]] = [
    {},
    {"status": "submitted"},
    {"channel": "window"},
    {"mine": True},
    {"state": "overdue"},
    {"state": "on_time"},
    {"state": "warning"},
    {"q": "张三"},
    {"item": "no-such-item"},
]


def test_every_filter_and_page_is_what_the_orm_selects(world: World) -> None:
    made = _cases(world)
    town_clerk = staff(world.org.town_gov)
    grant(town_clerk, ["cases.view_case"], DataScopeKind.DIVISION_TREE, division=world.org.town)
    tree_clerk = staff(made[0].department)
    grant(tree_clerk, ["cases.view_case"], DataScopeKind.DEPARTMENT_TREE, department=made[0].department)
    everywhere = staff(world.org.town_gov)
    grant(everywhere, ["cases.view_case"], DataScopeKind.ALL)
    filters_list = [*FILTERS, {"item": world.version.code}, {"department_id": made[0].department_id}]
    bounds = deadlines.state_bounds()
    for user in (world.acceptor, world.outsider, town_clerk, tree_clerk, everywhere, world.citizen):
        for filters in filters_list:
            expected_all = [c.pk for c in _reference(user, bounds, **filters).order_by("due_at", "id")]
            cursor, seen, reference_cursor = None, [], None
            while True:
                page = selectors.case_queue(user=user, cursor=cursor, limit=2, now=bounds.now, **filters)
                rows, row_cursor = selectors.case_queue_rows(
                    user=user, cursor=cursor, limit=2, now=bounds.now, **filters
                )
                reference = keyset_page(
                    _reference(user, bounds, **filters),
                    order=("due_at", "id"),
                    cursor=reference_cursor,
                    limit=2,
                )
                ids = [c.pk for c in page.items]
                assert ids == [c.pk for c in reference.items] == [r["id"] for r in rows], (user, filters)
                assert page.next_cursor == reference.next_cursor == row_cursor, (user, filters)
                plain = [{k: v for k, v in r.items() if k != "deadline_state"} for r in rows]
                assert plain == _orm_rows(ids)
                assert [r["deadline_state"] for r in rows] == [
                    deadlines.deadline_state(c, bounds) for c in page.items
                ]
                seen += ids
                cursor = reference_cursor = page.next_cursor
                if cursor is None:
                    break
            assert seen == expected_all, (user, filters)
    assert selectors.case_queue_rows(user=world.acceptor)[0]  # the world's clerk sees the cases at all


def test_bad_input_is_refused_before_any_scope_is_read(world: World) -> None:
    for user in (world.acceptor, world.citizen):
        for bad in ({"limit": 0}, {"cursor": "not-a-cursor"}, {"state": "soonish"}, {"status": "lost"}):
            with pytest.raises(MalformedRequest):
                selectors.case_queue_rows(user=user, **bad)
            with pytest.raises(MalformedRequest):
                selectors.case_queue(user=user, **bad)


def test_a_self_scope_sees_no_case_and_asks_nothing_of_the_case_table(world: World) -> None:
    _cases(world)
    own_only = staff(world.org.town_gov)
    grant(own_only, ["cases.view_case"], DataScopeKind.SELF)
    with CaptureQueriesContext(connection) as captured:
        assert selectors.case_queue_rows(user=own_only) == ([], None)
        assert selectors.case_queue(user=own_only).items == []
    assert not [q for q in captured.captured_queries if '"cases_case"' in q["sql"]]
