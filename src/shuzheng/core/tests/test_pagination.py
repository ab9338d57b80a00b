import base64
import json
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuzheng.core.errors import MalformedRequest
from shuzheng.core.models import HolidayOverride
from shuzheng.core.pagination import MAX_LIMIT, keyset_page

pytestmark = pytest.mark.django_db

NAMES = ["春节", "国庆节", "调休", ""]


@pytest.fixture
def overrides():
    """43 rows whose kind and name repeat, so every page boundary falls inside ties."""
    start = date(2027, 1, 1)
    HolidayOverride.objects.bulk_create(
        HolidayOverride(
            day=start + timedelta(days=i),
            kind=HolidayOverride.Kind.HOLIDAY if i % 3 else HolidayOverride.Kind.WORKDAY,
            name=NAMES[i % len(NAMES)],
        )
        for i in range(43)
    )
    return HolidayOverride.objects.all()


def walk(queryset, order, limit):
    seen, cursor, pages = [], None, 0
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(queryset, order=order, cursor=cursor, limit=limit)
        assert len(queries) == 1
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        assert " OFFSET " not in queries.captured_queries[0]["sql"].upper()
        seen.extend(page.items)
        pages += 1
        assert len(page.items) <= limit
        if not page.has_more:
            return seen, pages
        assert len(page.items) == limit
        cursor = page.next_cursor


@pytest.mark.parametrize(
    "order",
    [
        ["-kind", "-name", "-id"],
        ["-kind", "-name", "-day"],
        ["kind", "-name", "id"],
        ["-updated_at", "-id"],  # every updated_at equal (bulk_create): all ties
    ],
)
@pytest.mark.parametrize("limit", [1, 4, 7, 43, 100])
def test_walks_every_row_once(overrides, order, limit):
    rows, pages = walk(overrides, order, limit)
    expected = list(overrides.order_by(*order))
    assert [r.pk for r in rows] == [r.pk for r in expected]
    assert len({r.pk for r in rows}) == 43
    assert pages == -(-43 // limit)  # ceil: a full last page does not leave an empty one behind


def test_filtered_queryset_and_empty_result(overrides):
    holidays = overrides.filter(kind=HolidayOverride.Kind.HOLIDAY)
    rows, _ = walk(holidays, ["-name", "-day"], 5)
    assert len(rows) == holidays.count() == 28
    page = keyset_page(HolidayOverride.objects.none(), order=["-id"])
    assert page.items == []
    assert page.next_cursor is None
    assert not page.has_more


def test_related_path_and_pk_in_the_order():
    queryset = Permission.objects.select_related("content_type")  # the cursor reads the related value
    assert queryset.count() > 10  # created by migrate for every installed model
    for order in (["-content_type__app_label", "-codename", "-pk"], ["content_type", "-codename", "id"]):
        rows, _ = walk(queryset, order, 7)
        assert [r.pk for r in rows] == list(queryset.order_by(*order).values_list("pk", flat=True))


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64!!!",
        "e30",  # "{}": not a list
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),  # not UTF-8
        base64.urlsafe_b64encode(b"[1, 2").decode(),  # not JSON
        _cursor(["holiday", "春节"]),  # too few values
        _cursor(["holiday", "春节", 3, 4]),  # too many values
        _cursor(["holiday", "春节", "not-a-number"]),
        _cursor(["holiday", None, 3]),
        _cursor([{"a": 1}, "春节", [3]]),
    ],
)
def test_malformed_cursor(overrides, cursor):
    with pytest.raises(MalformedRequest) as info:
        keyset_page(overrides, order=["-kind", "-name", "-id"], cursor=cursor)
    assert info.value.code == "invalid_cursor"
    assert info.value.status == 400
    assert "分页游标无效" in info.value.detail


def test_malformed_date_cursor(overrides):
    with pytest.raises(MalformedRequest):
        keyset_page(overrides, order=["-day"], cursor=_cursor(["2027-02-30"]))


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_limit_bounds(overrides, limit):
    with pytest.raises(MalformedRequest) as info:
        keyset_page(overrides, order=["-id"], limit=limit)
    assert info.value.code == "invalid_limit"
    assert str(MAX_LIMIT) in info.value.detail


def test_limit_edges(overrides):
    assert len(keyset_page(overrides, order=["-id"], limit=1).items) == 1
    assert len(keyset_page(overrides, order=["-id"], limit=MAX_LIMIT).items) == 43
