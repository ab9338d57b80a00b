"""Licence types for tests (seals and licences are made through the services, which sign them)."""

from __future__ import annotations

import factory

from shuzheng.core.validators import generate_uscc
from shuzheng.licences.constants import HolderKind
from shuzheng.licences.models import LicenceType
from shuzheng.orgs.tests.factories import DepartmentFactory


class LicenceTypeFactory(factory.django.DjangoModelFactory[LicenceType]):
    class Meta:
        model = LicenceType
        django_get_or_create = ("code",)

    code = factory.Sequence(
        lambda n: generate_uscc("110000", 9000 + n, authority="1", entity_type="1") + "001"
    )
    name = factory.Sequence(lambda n: f"测试许可证{n}")
    material_label = factory.LazyAttribute(lambda o: o.name)
    department = factory.SubFactory(DepartmentFactory)
    holder_kind = HolderKind.PERSON
    fields = factory.LazyFunction(
        lambda: [{"key": "address", "label": "经营场所"}, {"key": "scope", "label": "经营范围"}]
    )
    validity_years = 5
