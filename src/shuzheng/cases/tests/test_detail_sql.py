"""The detail's statements compiled once (cases.selectors_detail) load what the ORM loads: every field of
the case and of each related object it joins (encrypted, JSON and date columns converted alike), and its
materials, corrections and suspensions in the same order, knowing their case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuzheng.cases import selectors, selectors_detail
from shuzheng.cases.models import Case, CaseMaterial, CorrectionRequest, Suspension
from shuzheng.cases.tests.conftest import World

pytestmark = pytest.mark.django_db


def _fields(obj: Model | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_case_and_its_relations_are_what_select_related_loads(world: World) -> None:
    at_window = world.at_window()
    moved = world.move(world.move(world.submit(), "accept"), "start_review")
    for case in (at_window, moved):
        expected = Case.objects.select_related(*selectors_detail.CASE_RELATIONS).get(pk=case.pk)
        (loaded,) = selectors_detail.case_by_id(case.pk)
        assert _fields(loaded) == _fields(expected)
        with CaptureQueriesContext(connection) as captured:
            for relation in selectors_detail.CASE_RELATIONS:
                first, _, second = relation.partition("__")
                got, want = getattr(loaded, first), getattr(expected, first)
                assert _fields(got) == _fields(want), relation
                if second and want is not None:
                    assert _fields(getattr(got, second)) == _fields(getattr(want, second)), relation
        assert captured.captured_queries == []  # all loaded with the case
    assert moved.step_department_id is not None
    assert selectors_detail.case_by_id(-1) == []


def test_materials_corrections_and_suspensions_in_the_orms_order(world: World) -> None:
    case = world.at_window()
    now = timezone.now()
    for days in (3, 1, 2):
        CorrectionRequest.objects.create(
            case=case,
            items=[{"target": "身份证", "reason": "不清晰"}],
            requested_by=world.acceptor,
            requested_at=now - timedelta(days=days),
            respond_by=(now + timedelta(days=5)).date(),
        )
    for days in (2, 4):
        Suspension.objects.create(
            case=case, kind="expert_review", reason="专家评审", started_at=now - timedelta(days=days)
        )
    case = Case.objects.get(pk=case.pk)  # as the detail reads it (the service's instance knows its rows)
    pairs: list[tuple[Callable[[Case], list[Any]], QuerySet[Any]]] = [
        (selectors.case_materials, CaseMaterial.objects.select_related("requirement").order_by("id")),
        (selectors.case_corrections, CorrectionRequest.objects.order_by("requested_at", "id")),
        (selectors.case_suspensions, Suspension.objects.order_by("started_at", "id")),
    ]
    for read, queryset in pairs:
        expected = list(queryset.filter(case=case))
        got = read(case)
        assert expected, read
        assert [_fields(x) for x in got] == [_fields(x) for x in expected], read
        with CaptureQueriesContext(connection) as captured:
            assert all(x.case is case for x in got)
        assert captured.captured_queries == []
    materials = selectors.case_materials(case)
    assert [_fields(m.requirement) for m in materials] == [
        _fields(m.requirement) for m in CaseMaterial.objects.filter(case=case).order_by("id")
    ]
