import factory
from django.utils import timezone

from shuzheng.cases.constants import ApplicantKind, CaseChannel, CaseStatus
from shuzheng.cases.deadlines import compute_due_at
from shuzheng.cases.models import Case
from shuzheng.catalog.tests.factories import ServiceItemVersionFactory
from shuzheng.identity.tests.factories import CitizenFactory


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A case row in any state, written directly (tests of later contexts need concluded cases)."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"{timezone.localdate():%Y%m%d}-440785-{n:06d}")
    version = factory.SubFactory(ServiceItemVersionFactory)
    item = factory.LazyAttribute(lambda o: o.version.item)
    department = factory.LazyAttribute(lambda o: o.version.department)
    division = factory.LazyAttribute(lambda o: o.version.department.division)
    channel = CaseChannel.PORTAL
    applicant_kind = ApplicantKind.PERSON
    applicant = factory.SubFactory(CitizenFactory)
    applicant_name = factory.LazyAttribute(lambda o: o.applicant.full_name if o.applicant else "张三")
    submitted_by = factory.LazyAttribute(lambda o: o.applicant)
    idempotency_key = factory.Sequence(lambda n: f"key-{n}")
    status = CaseStatus.SUBMITTED
    form_data = factory.LazyFunction(lambda: {"reason": "测试申请"})
    received_at = factory.LazyFunction(timezone.now)
    # Every case has a due time from submission on (the queue sorts by it).
    due_at = factory.LazyAttribute(
        lambda o: compute_due_at(received_at=o.received_at, limit_days=o.version.promised_limit_days)
    )
