"""Rows of the data hub written directly, in any state (workflow and list tests need records the services
would take several steps to reach); tests of the services' own rules go through the services."""

from datetime import timedelta

import factory
from django.utils import timezone

from shuzheng.datahub.access import hash_secret
from shuzheng.datahub.models import (
    ApiCredential,
    CatalogEntry,
    DataItem,
    EntryStatus,
    Grant,
    OpenDataset,
    SharingRequest,
    SharingType,
)
from shuzheng.orgs.tests.factories import DepartmentFactory


class CatalogEntryFactory(factory.django.DjangoModelFactory[CatalogEntry]):
    class Meta:
        model = CatalogEntry

    department = factory.SubFactory(DepartmentFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.department.code}/A01-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"测试资源{n}")
    class_code = "A01"
    abstract = "测试用数据资源"
    sharing_type = SharingType.CONDITIONAL
    sharing_conditions = "用于法定职责"
    status = EntryStatus.PUBLISHED
    published_on = factory.LazyFunction(timezone.localdate)


class DataItemFactory(factory.django.DjangoModelFactory[DataItem]):
    class Meta:
        model = DataItem

    entry = factory.SubFactory(CatalogEntryFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"信息项{n}")


class SharingRequestFactory(factory.django.DjangoModelFactory[SharingRequest]):
    class Meta:
        model = SharingRequest

    entry = factory.SubFactory(CatalogEntryFactory)
    requester_department = factory.SubFactory(DepartmentFactory)
    provider_department = factory.LazyAttribute(lambda o: o.entry.department)
    purpose = "低保资格核查"
    legal_basis = "《社会救助暂行办法》"
    fields = factory.LazyAttribute(lambda o: [i.name for i in o.entry.items.all()])
    period_start = factory.LazyFunction(timezone.localdate)
    period_end = factory.LazyAttribute(lambda o: o.period_start + timedelta(days=90))
    due_on = factory.LazyAttribute(lambda o: o.period_start + timedelta(days=7))
    status = SharingRequest.Status.PENDING


class GrantFactory(factory.django.DjangoModelFactory[Grant]):
    class Meta:
        model = Grant

    request = factory.SubFactory(SharingRequestFactory, status=SharingRequest.Status.APPROVED)
    entry = factory.LazyAttribute(lambda o: o.request.entry)
    department = factory.LazyAttribute(lambda o: o.request.requester_department)
    fields = factory.LazyAttribute(lambda o: list(o.request.fields))
    purpose = factory.LazyAttribute(lambda o: o.request.purpose)
    valid_from = factory.LazyAttribute(lambda o: o.request.period_start)
    valid_until = factory.LazyAttribute(lambda o: o.request.period_end)


class ApiCredentialFactory(factory.django.DjangoModelFactory[ApiCredential]):
    """A client of the data service; `secret_hash` is of the secret "secret" unless given."""

    class Meta:
        model = ApiCredential

    grant = factory.SubFactory(GrantFactory)
    client_id = factory.Sequence(lambda n: f"dh_test{n:08d}")
    secret_hash = factory.LazyFunction(lambda: hash_secret("secret"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=90))


class OpenDatasetFactory(factory.django.DjangoModelFactory[OpenDataset]):
    class Meta:
        model = OpenDataset

    entry = factory.SubFactory(CatalogEntryFactory)
    name = factory.Sequence(lambda n: f"test-dataset-{n}")
    title = factory.LazyAttribute(lambda o: o.entry.name)
    department = factory.LazyAttribute(lambda o: o.entry.department)
    published_at = factory.LazyFunction(timezone.now)
