from typing import Any

import factory
from django.contrib.auth.models import Permission

from shuzheng.identity.models import DataScopeKind, Role, RoleAssignment, User
from shuzheng.orgs.tests.factories import DepartmentFactory

DEFAULT_PASSWORD = "Shuzheng#2026test"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    kind = User.Kind.STAFF
    department: factory.SubFactory | None = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    kind = User.Kind.CITIZEN
    department = None


class RoleFactory(factory.django.DjangoModelFactory[Role]):
    class Meta:
        model = Role
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"role{n}")
    name = factory.Sequence(lambda n: f"测试角色{n}")

    @factory.post_generation
    def perms(obj: Role, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:  # noqa: N805
        """perms=["app_label.codename", ...]"""
        for spec in extracted or []:
            app_label, codename = spec.split(".")
            obj.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class RoleAssignmentFactory(factory.django.DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)
    scope = DataScopeKind.DEPARTMENT
    department = factory.LazyAttribute(lambda o: o.user.department)
    division = None
