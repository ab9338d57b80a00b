import factory

from shuzheng.orgs.models import Department, Division


def _path(obj, key: str) -> str:  # type: ignore[no-untyped-def]
    parent = obj.parent
    return f"{parent.path if parent else '/'}{key}/"


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"44078590{n:04d}")
    name = factory.Sequence(lambda n: f"测试村{n}")
    level = Division.Level.VILLAGE
    parent = None
    path = factory.LazyAttribute(lambda o: _path(o, o.code))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:05d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")
    parent = None
    division = factory.SubFactory(DivisionFactory, code="440785", name="恩平市", level=Division.Level.CITY)
    path = factory.LazyAttribute(lambda o: _path(o, o.code))
