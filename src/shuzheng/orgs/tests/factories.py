from typing import Any

import factory

from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window


def _path(obj: Any, key: str) -> str:
    parent = obj.parent
    return f"{parent.path if parent else '/'}{key}/"


class DivisionFactory(factory.django.DjangoModelFactory[Division]):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"44078590{n:04d}")
    name = factory.Sequence(lambda n: f"测试村{n}")
    level = Division.Level.VILLAGE
    parent = None
    path = factory.LazyAttribute(lambda o: _path(o, o.code))


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:05d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")
    parent = None
    division = factory.SubFactory(DivisionFactory, code="440785", name="恩平市", level=Division.Level.CITY)
    path = factory.LazyAttribute(lambda o: _path(o, o.code))


class HallFactory(factory.django.DjangoModelFactory[Hall]):
    class Meta:
        model = Hall
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"HT{n:05d}")
    name = factory.Sequence(lambda n: f"测试大厅{n}")
    level = Hall.Level.CITY
    division = factory.SubFactory(DivisionFactory, code="440785", name="恩平市", level=Division.Level.CITY)


class WindowFactory(factory.django.DjangoModelFactory[Window]):
    class Meta:
        model = Window

    hall = factory.SubFactory(HallFactory)
    number = factory.Sequence(lambda n: f"{n + 1:02d}")
    name = "综合受理窗口"
    kind = Window.Kind.COMPREHENSIVE
    department = None


class KioskFactory(factory.django.DjangoModelFactory[Kiosk]):
    class Meta:
        model = Kiosk
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"KT{n:05d}")
    kind = Kiosk.Kind.KIOSK
    name = factory.Sequence(lambda n: f"测试自助机{n}")
    division = factory.SubFactory(DivisionFactory, code="440785", name="恩平市", level=Division.Level.CITY)
    hall = None


class GridFactory(factory.django.DjangoModelFactory[Grid]):
    class Meta:
        model = Grid
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"GT{n:05d}")
    name = factory.Sequence(lambda n: f"测试网格{n}")
    division = factory.SubFactory(DivisionFactory)


class GridWorkerFactory(factory.django.DjangoModelFactory[GridWorker]):
    class Meta:
        model = GridWorker

    grid = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"网格员{n}")
    phone = factory.Sequence(lambda n: f"1390750{n % 10000:04d}")
