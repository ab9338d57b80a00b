"""Rows of 好差评 written directly (statistics tests need fixed data in any state)."""

import factory
from django.utils import timezone

from shuzheng.evaluation.constants import EvaluationChannel, Level, RectificationStatus
from shuzheng.evaluation.models import Evaluation, Rectification
from shuzheng.orgs.tests.factories import DepartmentFactory


class EvaluationFactory(factory.django.DjangoModelFactory[Evaluation]):
    class Meta:
        model = Evaluation

    channel = EvaluationChannel.QR
    department = factory.SubFactory(DepartmentFactory)
    level = Level.VERY_SATISFIED
    dimensions = factory.LazyAttribute(lambda o: {"overall": int(o.level)})
    evaluated_at = factory.LazyFunction(timezone.now)
    real_name = False


class RectificationFactory(factory.django.DjangoModelFactory[Rectification]):
    class Meta:
        model = Rectification

    evaluation = factory.SubFactory(EvaluationFactory, level=Level.DISSATISFIED)
    department = factory.LazyAttribute(lambda o: o.evaluation.department)
    status = RectificationStatus.OPEN
    due_date = factory.LazyFunction(timezone.localdate)
    return_visit_required = factory.LazyAttribute(lambda o: o.evaluation.real_name)
