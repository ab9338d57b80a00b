"""factory_boy factories for the appeals context: rows as they are stored, for tests that need many of them
or one in a given state without walking the services (tests of behaviour still go through services)."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from shuzheng.appeals.constants import (
    AppealChannel,
    AppealStatus,
    AppealType,
    ArticleStatus,
    DispatchKind,
    WorkOrderStatus,
)
from shuzheng.appeals.models import (
    Appeal,
    Category,
    DispatchCatalogueEntry,
    KnowledgeArticle,
    RoutingRule,
    WorkOrder,
)
from shuzheng.orgs.models import Division
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

CITY = {"code": "440785", "name": "恩平市", "level": Division.Level.CITY}


def _path(obj: Any, key: str) -> str:
    parent = obj.parent
    return f"{parent.path if parent else '/'}{key}/"


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"测试分类{n}")
    parent = None
    path = factory.LazyAttribute(lambda o: _path(o, o.code))


class DispatchCatalogueEntryFactory(factory.django.DjangoModelFactory[DispatchCatalogueEntry]):
    class Meta:
        model = DispatchCatalogueEntry

    category = factory.SubFactory(CategoryFactory)
    division = factory.SubFactory(DivisionFactory, **CITY)
    department = factory.SubFactory(DepartmentFactory)


class RoutingRuleFactory(factory.django.DjangoModelFactory[RoutingRule]):
    """A routing rule; ``assists=[…]`` sets its assisting departments."""

    class Meta:
        model = RoutingRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试规则{n}")
    position = factory.Sequence(lambda n: n + 1)
    lead_department = factory.SubFactory(DepartmentFactory)

    @factory.post_generation
    def assists(obj: RoutingRule, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            obj.assist_departments.set(extracted)


class AppealFactory(factory.django.DjangoModelFactory[Appeal]):
    """An appeal row as stored (default: a closed historical one, as imported history is); no work order."""

    class Meta:
        model = Appeal

    number = factory.Sequence(lambda n: f"T{n:06d}")
    channel = AppealChannel.HOTLINE
    appeal_type = AppealType.COMPLAINT
    text = "测试诉求内容"
    division = factory.SubFactory(DivisionFactory, **CITY)
    category = None
    department = None
    status = AppealStatus.CLOSED
    received_at = factory.LazyFunction(timezone.now)
    is_historical = True


class WorkOrderFactory(factory.django.DjangoModelFactory[WorkOrder]):
    """A dispatched work order of an appeal (the appeal is pointed at it)."""

    class Meta:
        model = WorkOrder
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"TG{n:06d}")
    appeal = factory.SubFactory(AppealFactory, status=AppealStatus.DISPATCHED, is_historical=False)
    lead_department = factory.SubFactory(DepartmentFactory)
    status = WorkOrderStatus.DISPATCHED
    appeal_type = factory.SelfAttribute("appeal.appeal_type")
    dispatch_kind = DispatchKind.MANUAL
    dispatched_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def link_appeal(obj: WorkOrder, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            Appeal.objects.filter(pk=obj.appeal_id).update(work_order=obj, department=obj.lead_department)


class KnowledgeArticleFactory(factory.django.DjangoModelFactory[KnowledgeArticle]):
    class Meta:
        model = KnowledgeArticle

    question = factory.Sequence(lambda n: f"测试问题{n}？")
    answer = "测试答复口径。"
    status = ArticleStatus.DRAFT
