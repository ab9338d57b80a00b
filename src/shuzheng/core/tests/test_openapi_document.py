"""The OpenAPI document describes what the server does: one component per schema class and enum (ninja keys
components by bare class name, so two `VersionIn`s silently became one), bounded page sizes, valid OAS 3.1."""

from __future__ import annotations

import enum
import json
import typing
from collections import defaultdict
from typing import Any

import pydantic
import pytest
from openapi_spec_validator import validate

from shuzheng.config.urls import api  # the routers are added where the URLs are
from shuzheng.core.pagination import MAX_LIMIT
from shuzheng.core.schemas import StrictIn

BODY_SOURCES = {"body", "form", "file"}


def _walk(annotation: Any, found: dict[str, set[type]]) -> None:
    """Every shuzheng schema class and enum reachable from a type annotation."""
    for arg in typing.get_args(annotation):
        _walk(arg, found)
    if not isinstance(annotation, type) or not annotation.__module__.startswith("shuzheng."):
        return
    if issubclass(annotation, enum.Enum):
        found[annotation.__name__].add(annotation)
    elif issubclass(annotation, pydantic.BaseModel) and annotation not in found[annotation.__name__]:
        found[annotation.__name__].add(annotation)
        for field in annotation.model_fields.values():
            _walk(field.annotation, found)


def _operations() -> list[Any]:
    return [
        operation
        for _, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]


def _used() -> tuple[dict[str, set[type]], set[type]]:
    """(classes by component name, input classes that travel in a body)."""
    found: dict[str, set[type]] = defaultdict(set)
    bodies: set[type] = set()
    for operation in _operations():
        for model in operation.models:
            for field in model.model_fields.values():
                _walk(field.annotation, found)
                if model.__ninja_param_source__ in BODY_SOURCES:
                    bodies |= {a for a in (field.annotation, *typing.get_args(field.annotation))}
        for response in operation.response_models.values():
            for field in getattr(response, "model_fields", {}).values():  # ninja wraps each response
                _walk(field.annotation, found)
    return found, {b for b in bodies if isinstance(b, type) and issubclass(b, pydantic.BaseModel)}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """As served: JSON, so the response codes are strings."""
    return json.loads(json.dumps(api.get_openapi_schema()))


def test_every_schema_class_and_enum_has_its_own_component(document):
    found, _ = _used()
    shared = {n: sorted(c.__module__ for c in classes) for n, classes in found.items() if len(classes) > 1}
    assert shared == {}, f"component names used by more than one class: {shared}"
    components = document["components"]["schemas"]
    for name, (cls,) in found.items():
        if issubclass(cls, enum.Enum):
            if name in components:
                assert components[name]["enum"] == [m.value for m in cls], name
            continue
        if name not in components:  # query-parameter schemas are spread into parameters, not components
            continue
        assert issubclass(cls, pydantic.BaseModel), name
        if issubclass(cls, StrictIn):  # read by alias; written (outputs) by field name
            expected = {field.alias or key for key, field in cls.model_fields.items()}
        else:
            expected = set(cls.model_fields)
        assert set(components[name].get("properties", {})) == expected, name


def test_every_body_schema_is_strict(document):
    _, bodies = _used()
    assert bodies
    loose = sorted(f"{b.__module__}.{b.__name__}" for b in bodies if not issubclass(b, StrictIn))
    assert loose == []


def test_page_sizes_are_documented_with_their_bounds(document):
    limits = [
        (path, parameter)
        for path, item in document["paths"].items()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "limit"
    ]
    assert len(limits) > 20
    for path, parameter in limits:
        schema = parameter["schema"]
        assert schema.get("minimum") == 1, path
        assert 1 < schema.get("maximum", 0) <= MAX_LIMIT, path


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)
