from typing import Any

import factory
from django.utils import timezone

from shuzheng.catalog.constants import ApplyChannel, HandlingMode, ItemLevel, ItemType, VersionStatus
from shuzheng.catalog.models import MaterialRequirement, ServiceItem, ServiceItemVersion, WorkflowStep
from shuzheng.orgs.tests.factories import DepartmentFactory

SIMPLE_FORM = {
    "type": "object",
    "required": ["reason"],
    "properties": {
        "reason": {"type": "string", "title": "申请事由", "minLength": 2, "maxLength": 200},
        "copies": {"type": "integer", "title": "份数", "minimum": 1, "maximum": 10},
    },
    "additionalProperties": False,
}


class ServiceItemFactory(factory.django.DjangoModelFactory[ServiceItem]):
    class Meta:
        model = ServiceItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"11440785MB2C{n:06d}")
    department = factory.SubFactory(DepartmentFactory)


class ServiceItemVersionFactory(factory.django.DjangoModelFactory[ServiceItemVersion]):
    """A published, live version by default; pass status="draft" for a draft."""

    class Meta:
        model = ServiceItemVersion
        skip_postgeneration_save = True

    item = factory.SubFactory(ServiceItemFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = VersionStatus.PUBLISHED
    valid_from = factory.LazyFunction(lambda: timezone.localdate())
    published_at = factory.LazyFunction(timezone.now)
    code = factory.LazyAttribute(lambda o: o.item.code)
    name = factory.Sequence(lambda n: f"测试事项{n}")
    item_type = ItemType.LICENSING
    department = factory.LazyAttribute(lambda o: o.item.department)
    level = ItemLevel.CITY
    applicant_types = factory.LazyFunction(lambda: ["person", "enterprise"])
    statutory_limit_days = 20
    promised_limit_days = 5
    onsite_visits = 1
    handling_modes = factory.LazyFunction(lambda: [HandlingMode.ONLINE.value, HandlingMode.ONE_VISIT.value])
    channels = factory.LazyFunction(lambda: [c.value for c in ApplyChannel])
    form_schema = factory.LazyFunction(lambda: dict(SIMPLE_FORM))

    @factory.post_generation
    def live(obj: ServiceItemVersion, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        """Make this the item's live version unless live=False or it is not published."""
        if create and extracted is not False and obj.status == VersionStatus.PUBLISHED:
            obj.item.live_version = obj
            obj.item.save(update_fields=["live_version"])


class MaterialRequirementFactory(factory.django.DjangoModelFactory[MaterialRequirement]):
    class Meta:
        model = MaterialRequirement

    version = factory.SubFactory(ServiceItemVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.Sequence(lambda n: f"申请材料{n}")


class WorkflowStepFactory(factory.django.DjangoModelFactory[WorkflowStep]):
    class Meta:
        model = WorkflowStep

    version = factory.SubFactory(ServiceItemVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = "审查"
    role_code = "case_reviewer"
    time_limit_days = 3
