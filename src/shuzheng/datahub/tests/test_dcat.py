"""DCAT-AP 3 export: /catalog.ttl, /catalog.jsonld, /dataset/<id>.ttl|.jsonld validated with pySHACL
against the official DCAT-AP 3.0.0 SHACL shapes (vendored in fixtures/dcat-ap-3), plus the DCAT-AP
mandatory and recommended properties this platform promises, anonymous access and 404s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SH, XSD

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub import views_dcat
from shuzheng.datahub.dcat import VCARD
from shuzheng.datahub.models import Openness
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.tests.conftest import make_entry

pytestmark = pytest.mark.django_db

SHAPES_FILE = Path(__file__).parent / "fixtures" / "dcat-ap-3" / "dcat-ap-SHACL.ttl"
EU = "http://publications.europa.eu/resource/authority/"
BASE = "http://testserver"

ITEMS: list[dict[str, Any]] = [
    {"name": "name", "label": "站点名称", "required": True},
    {"name": "town", "label": "镇街"},
    {"name": "capacity", "label": "泊位数", "data_type": "integer"},
]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def conforms(graph: Graph, shapes: Graph) -> tuple[bool, str]:
    ok, _report, text = validate(graph, shacl_graph=shapes, inference="none", advanced=False)
    return bool(ok), str(text)


def failing_paths(graph: Graph, shapes: Graph) -> set[object]:
    _ok, report, _text = validate(graph, shacl_graph=shapes, inference="none", advanced=False)
    return set(report.objects(None, SH.resultPath))


@pytest.fixture
def published(hub):
    topic = open_data_services.topic_ensure(actor=SYSTEM, name="transport", title="交通出行")
    parking = make_entry(
        hub,
        name="停车场",
        items=ITEMS,
        openness=Openness.OPEN,
        rows=[{"name": f"停车场{n}", "town": "沙湖镇", "capacity": n} for n in range(1, 4)],
    )
    first = open_data_services.dataset_publish(
        actor=hub.steward,
        entry=parking,
        name="enping-parking",
        notes="恩平市公共停车场位置与泊位数。",
        tags=["停车", "交通"],
        topics=[topic],
    )
    open_data_services.resource_add(
        actor=hub.steward, dataset=first, name="接口说明", url="https://data.example.cn/api.pdf", format="pdf"
    )
    stops = make_entry(
        hub,
        name="公交站点",
        items=ITEMS,
        openness=Openness.OPEN,
        rows=[{"name": "汽车总站"}],
        class_code="A02",
    )
    second = open_data_services.dataset_publish(actor=hub.steward, entry=stops, name="enping-stops")
    hidden = make_entry(hub, name="旧数据", items=ITEMS, openness=Openness.OPEN, class_code="A03")
    gone = open_data_services.dataset_publish(actor=hub.steward, entry=hidden, name="enping-old")
    open_data_services.dataset_unpublish(actor=hub.steward, dataset=gone)
    return first, second, gone


def fetch(client: Client, url: str, fmt: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    expected = "text/turtle" if fmt == "turtle" else "application/ld+json"
    assert response["Content-Type"].startswith(expected)
    return Graph().parse(data=response.content.decode("utf-8"), format=fmt)


def test_catalog_conforms_in_turtle_and_json_ld(published, shapes):
    client = Client()  # anonymous
    turtle = fetch(client, "/catalog.ttl", "turtle")
    ok, text = conforms(turtle, shapes)
    assert ok, text
    json_ld = fetch(client, "/catalog.jsonld", "json-ld")
    assert len(json_ld) == len(turtle)
    ok, text = conforms(json_ld, shapes)
    assert ok, text

    catalogs = list(turtle.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    catalog = catalogs[0]
    assert turtle.value(catalog, DCTERMS.title) == Literal("恩平市公共数据开放目录", lang="zh")
    assert turtle.value(catalog, DCTERMS.description) is not None
    publisher = turtle.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in turtle
    # only the two active datasets, never the withdrawn one
    datasets = set(turtle.objects(catalog, DCAT.dataset))
    assert datasets == {URIRef(f"{BASE}/dataset/enping-parking"), URIRef(f"{BASE}/dataset/enping-stops")}
    assert "enping-old" not in turtle.serialize(format="turtle")


def test_dataset_properties(published, shapes):
    graph = fetch(Client(), "/dataset/enping-parking.ttl", "turtle")
    ok, text = conforms(graph, shapes)
    assert ok, text
    ds = URIRef(f"{BASE}/dataset/enping-parking")
    assert (ds, RDF.type, DCAT.Dataset) in graph
    assert graph.value(ds, DCTERMS.title) == Literal("停车场", lang="zh")
    assert graph.value(ds, DCTERMS.description) == Literal("恩平市公共停车场位置与泊位数。", lang="zh")
    assert graph.value(ds, DCTERMS.identifier) == Literal("enping-parking")
    publisher = graph.value(ds, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) == Literal("测试公安局", lang="zh")
    contact = graph.value(ds, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in graph
    assert graph.value(ds, DCAT.theme) == URIRef(EU + "data-theme/TRAN")
    assert graph.value(ds, DCTERMS.accrualPeriodicity) == URIRef(EU + "frequency/MONTHLY")
    spatial = graph.value(ds, DCTERMS.spatial)
    assert (spatial, RDF.type, DCTERMS.Location) in graph
    assert graph.value(spatial, DCTERMS.identifier) == Literal("440785")
    assert {str(k) for k in graph.objects(ds, DCAT.keyword)} >= {"停车", "交通"}
    assert all(isinstance(k, Literal) and k.language == "zh" for k in graph.objects(ds, DCAT.keyword))
    for prop in (DCTERMS.issued, DCTERMS.modified):
        value = graph.value(ds, prop)
        assert isinstance(value, Literal)
        assert value.datatype == XSD.dateTime
    distributions = list(graph.objects(ds, DCAT.distribution))
    assert len(distributions) == 4  # CSV, XLSX, JSON generated + the external PDF
    formats = {graph.value(d, DCTERMS.format) for d in distributions}
    assert formats == {URIRef(EU + f"file-type/{f}") for f in ("CSV", "XLSX", "JSON", "PDF")}
    for distribution in distributions:
        assert graph.value(distribution, DCAT.accessURL) is not None
        assert graph.value(distribution, DCAT.downloadURL) is not None
        assert graph.value(distribution, DCTERMS.license) == URIRef(EU + "licence/CC_BY_4_0")
    downloads = {str(graph.value(d, DCAT.downloadURL)) for d in distributions}
    assert f"{BASE}/open-data/enping-parking/download/csv/" in downloads
    assert "https://data.example.cn/api.pdf" in downloads
    # a Chinese literal is always tagged
    for _s, _p, o in graph:
        if isinstance(o, Literal) and any("\u4e00" <= ch <= "\u9fff" for ch in str(o)):
            assert o.language == "zh", o


def test_dataset_by_number_and_json_ld(published, shapes):
    _first, second, _gone = published
    graph = fetch(Client(), f"/dataset/{second.pk}.jsonld", "json-ld")
    ok, text = conforms(graph, shapes)
    assert ok, text
    ds = URIRef(f"{BASE}/dataset/enping-stops")
    # no notes: the entry's abstract stands in for the mandatory description; default theme GOVE
    assert graph.value(ds, DCTERMS.description) == Literal("公交站点（测试）", lang="zh")
    assert graph.value(ds, DCAT.theme) == URIRef(EU + "data-theme/GOVE")


def test_unknown_withdrawn_and_bad_ids_are_404(published):
    client = Client()
    for url in (
        "/dataset/nope.ttl",
        "/dataset/enping-old.ttl",
        f"/dataset/{published[2].pk}.jsonld",
        "/dataset/999999.ttl",
        "/dataset/enping-parking.rdf",
        "/dataset/%E5%81%9C.ttl",
        "/catalog.xml",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    assert client.post("/catalog.ttl").status_code == 405


def test_broken_graph_fails_validation(published, shapes):
    """The shapes really bite: without a title, a publisher name or an access URL the graph fails."""
    graph = fetch(Client(), "/dataset/enping-parking.ttl", "turtle")
    ds = URIRef(f"{BASE}/dataset/enping-parking")
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    broken.remove((ds, DCTERMS.title, None))
    ok, _text = conforms(broken, shapes)
    assert not ok
    assert failing_paths(broken, shapes) == {DCTERMS.title}

    broken = Graph()
    for triple in graph:
        broken.add(triple)
    for distribution in graph.objects(ds, DCAT.distribution):
        broken.remove((distribution, DCAT.accessURL, None))
    publisher = graph.value(ds, DCTERMS.publisher)
    broken.remove((publisher, FOAF.name, None))
    ok, _text = conforms(broken, shapes)
    assert not ok
    assert failing_paths(broken, shapes) == {DCAT.accessURL, FOAF.name}


def test_catalog_pages(published, shapes, monkeypatch):
    monkeypatch.setattr(views_dcat, "PAGE_SIZE", 1)
    client = Client()
    hydra = Namespace("http://www.w3.org/ns/hydra/core#")
    catalog = URIRef(f"{BASE}/catalog")
    first = fetch(client, "/catalog.ttl?page=1", "turtle")
    ok, text = conforms(first, shapes)
    assert ok, text
    assert set(first.objects(catalog, DCAT.dataset)) == {URIRef(f"{BASE}/dataset/enping-parking")}
    view = first.value(catalog, hydra.view)
    assert view == URIRef(f"{BASE}/catalog.ttl?page=1")
    assert first.value(view, hydra.next) == URIRef(f"{BASE}/catalog.ttl?page=2")
    assert first.value(view, hydra.last) == URIRef(f"{BASE}/catalog.ttl?page=2")
    assert first.value(view, hydra.previous) is None
    assert first.value(catalog, hydra.totalItems) == Literal(2, datatype=XSD.nonNegativeInteger)
    second = fetch(client, "/catalog.jsonld?page=2", "json-ld")
    ok, text = conforms(second, shapes)
    assert ok, text
    assert set(second.objects(catalog, DCAT.dataset)) == {URIRef(f"{BASE}/dataset/enping-stops")}
    view = second.value(catalog, hydra.view)
    assert second.value(view, hydra.previous) == URIRef(f"{BASE}/catalog.jsonld?page=1")
    assert second.value(view, hydra.next) is None
    assert client.get("/catalog.ttl?page=3").status_code == 404
    for bad in ("0", "-1", "abc", "1.5", "9999999"):
        assert client.get(f"/catalog.ttl?page={bad}").status_code == 400, bad


def test_empty_catalog_conforms(hub, shapes):
    graph = fetch(Client(), "/catalog.ttl", "turtle")
    ok, text = conforms(graph, shapes)
    assert ok, text
    assert not list(graph.subjects(RDF.type, DCAT.Dataset))
