"""DCAT-AP 3 export of the open-data catalog (Turtle and JSON-LD), built with rdflib.

The graph follows the DCAT-AP 3.0.0 SHACL shapes (vendored in ``tests/fixtures/dcat-ap-3``): a
``dcat:Catalog`` with title, description and publisher; one ``dcat:Dataset`` per active open dataset
with title, description, identifier, publisher (``foaf:Agent``), contact point (``vcard:Kind``), theme
(EU data-theme vocabulary), geographical coverage (the city), update frequency (EU frequency vocabulary),
issued / modified dates and keywords; one ``dcat:Distribution`` per resource with access and download
URL, file type (EU file-type vocabulary), media type and licence. Every IRI used as an object is typed
with the class the shapes expect (``dct:Frequency``, ``dct:LicenseDocument`` …) so the graph validates
without loading the EU vocabularies. Chinese literals carry the language tag ``zh``.

Only active datasets are ever read (the ``open_data`` selectors); nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from shuzheng.core.errors import NotFound
from shuzheng.datahub.models import OpenDataset, OpenResource, UpdateCycle
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.orgs import selectors as org_selectors

EU: Final = "http://publications.europa.eu/resource/authority/"
FREQUENCY: Final = Namespace(EU + "frequency/")
FILE_TYPE: Final = Namespace(EU + "file-type/")
DATA_THEME: Final = Namespace(EU + "data-theme/")
LICENCE: Final = Namespace(EU + "licence/")
LANGUAGE: Final = Namespace(EU + "language/")
ACCESS_RIGHT: Final = Namespace(EU + "access-right/")
PUBLISHER_TYPE: Final = Namespace("http://purl.org/adms/publishertype/")
VCARD: Final = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA: Final = Namespace("http://www.w3.org/ns/hydra/core#")
IANA: Final = "https://www.iana.org/assignments/media-types/"
LANG: Final = "zh"

#: Our update cycles → EU frequency vocabulary.
FREQUENCIES: Final[dict[str, tuple[str, str]]] = {
    UpdateCycle.REALTIME: ("UPDATE_CONT", "持续更新"),
    UpdateCycle.DAILY: ("DAILY", "每日"),
    UpdateCycle.WEEKLY: ("WEEKLY", "每周"),
    UpdateCycle.MONTHLY: ("MONTHLY", "每月"),
    UpdateCycle.QUARTERLY: ("QUARTERLY", "每季"),
    UpdateCycle.YEARLY: ("ANNUAL", "每年"),
}

#: EU data themes (code → Chinese label), and our topic names → theme code.
THEMES: Final = {
    "AGRI": "农业、渔业、林业和食品",
    "ECON": "经济和金融",
    "EDUC": "教育、文化和体育",
    "ENVI": "环境",
    "GOVE": "政府和公共部门",
    "HEAL": "卫生",
    "JUST": "司法、法律体系和公共安全",
    "REGI": "地区和城市",
    "SOCI": "人口和社会",
    "TRAN": "交通",
}
TOPIC_THEMES: Final = {
    "transport": "TRAN",
    "environment": "ENVI",
    "education": "EDUC",
    "health": "HEAL",
    "social": "SOCI",
    "economy": "ECON",
    "urban": "REGI",
    "safety": "JUST",
    "agriculture": "AGRI",
    "government": "GOVE",
    "tourism": "EDUC",
}
DEFAULT_THEME: Final = "GOVE"

#: Resource formats → (EU file type, IANA media type or "").
FORMATS: Final = {
    "CSV": ("CSV", "text/csv"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "XLS": ("XLS", "application/vnd.ms-excel"),
    "JSON": ("JSON", "application/json"),
    "XML": ("XML", "application/xml"),
    "PDF": ("PDF", "application/pdf"),
    "ZIP": ("ZIP", "application/zip"),
    "HTML": ("HTML", "text/html"),
    "API": ("REST", ""),
}

#: CKAN licence ids → EU licence vocabulary.
LICENCES: Final = {
    "cc-by-4.0": ("CC_BY_4_0", "知识共享署名 4.0 国际许可协议"),
    "cc-by-sa-4.0": ("CC_BYSA_4_0", "知识共享署名-相同方式共享 4.0 国际许可协议"),
    "cc-zero": ("CC0", "CC0 公共领域贡献"),
    "cc0-1.0": ("CC0", "CC0 公共领域贡献"),
    "odc-by": ("ODC_BY", "开放数据共享署名许可"),
    "odc-pddl": ("ODC_PDDL", "开放数据共享公共领域许可"),
}
DEFAULT_LICENCE: Final = "cc-by-4.0"

TURTLE: Final = "text/turtle; charset=utf-8"
JSON_LD: Final = "application/ld+json"


def _zh(text: str) -> Literal:
    return Literal(text, lang=LANG)


def _when(value: datetime | None) -> Literal | None:
    return Literal(value.isoformat(timespec="seconds"), datatype=XSD.dateTime) if value else None


@dataclass
class _Site:
    """IRIs of the portal under one base URL (``https://data.example.gov.cn``, no trailing slash)."""

    base: str

    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/catalog")

    def dataset(self, dataset: OpenDataset) -> URIRef:
        return URIRef(f"{self.base}/dataset/{dataset.name}")

    def distribution(self, dataset: OpenDataset, resource: OpenResource) -> URIRef:
        return URIRef(f"{self.base}/dataset/{dataset.name}#resource-{resource.pk}")

    def landing(self, dataset: OpenDataset) -> URIRef:
        return URIRef(f"{self.base}/open-data/{dataset.name}/")

    def download(self, dataset: OpenDataset, resource: OpenResource) -> URIRef:
        if resource.url:
            return URIRef(resource.url)
        return URIRef(f"{self.base}/open-data/{dataset.name}/download/{resource.format.lower()}/")

    def organization(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/organization/{code}")

    def place(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/division/{code}")


class _Builder:
    """Adds catalog, datasets and the shared vocabulary nodes to one graph, each node once."""

    def __init__(self, base: str) -> None:
        self.site = _Site(base.rstrip("/"))
        self.graph = Graph()
        for prefix, ns in (
            ("dcat", DCAT),
            ("dct", DCTERMS),
            ("foaf", FOAF),
            ("skos", SKOS),
            ("vcard", VCARD),
            ("xsd", XSD),
        ):
            self.graph.bind(prefix, ns)
        self._done: set[Any] = set()
        city = org_selectors.division_queryset(level="city").order_by("code").first()
        self.city_code = city.code if city else "000000"
        self.city_name = city.name if city else "本市"

    def _once(self, node: Any) -> bool:
        if node in self._done:
            return False
        self._done.add(node)
        return True

    # --- shared nodes -------------------------------------------------------------------------------

    def concept(self, iri: URIRef, label: str, scheme: URIRef, *, kind: URIRef | None = None) -> URIRef:
        g = self.graph
        if self._once(iri):
            g.add((iri, RDF.type, SKOS.Concept))
            if kind is not None:
                g.add((iri, RDF.type, kind))
            g.add((iri, SKOS.prefLabel, _zh(label)))
            g.add((iri, SKOS.inScheme, scheme))
        return iri

    def place(self) -> URIRef:
        iri = self.site.place(self.city_code)
        if self._once(iri):
            self.graph.add((iri, RDF.type, DCTERMS.Location))
            self.graph.add((iri, SKOS.prefLabel, _zh(self.city_name)))
            self.graph.add((iri, DCTERMS.identifier, Literal(self.city_code)))
        return iri

    def language(self) -> URIRef:
        iri = LANGUAGE.ZHO
        if self._once(iri):
            self.graph.add((iri, RDF.type, DCTERMS.LinguisticSystem))
        return iri

    def agent(self, code: str, name: str) -> URIRef:
        iri = self.site.organization(code)
        if self._once(iri):
            g = self.graph
            g.add((iri, RDF.type, FOAF.Agent))
            g.add((iri, RDF.type, FOAF.Organization))
            g.add((iri, FOAF.name, _zh(name)))
            kind = self.concept(PUBLISHER_TYPE.LocalAuthority, "地方政府机构", URIRef(str(PUBLISHER_TYPE)))
            g.add((iri, DCTERMS.type, kind))
        return iri

    def contact(self, code: str, name: str) -> URIRef:
        iri = URIRef(f"{self.site.organization(code)}#contact")
        if self._once(iri):
            g = self.graph
            g.add((iri, RDF.type, VCARD.Kind))
            g.add((iri, RDF.type, VCARD.Organization))
            g.add((iri, VCARD.fn, _zh(name)))
            g.add((iri, VCARD.hasURL, URIRef(f"{self.site.base}/open-data/?department={code}")))
        return iri

    def theme(self, code: str) -> URIRef:
        return self.concept(DATA_THEME[code], THEMES[code], URIRef(str(DATA_THEME).rstrip("/")))

    def theme_scheme(self) -> URIRef:
        iri = URIRef(str(DATA_THEME).rstrip("/"))
        if self._once(iri):
            self.graph.add((iri, RDF.type, SKOS.ConceptScheme))
            self.graph.add((iri, DCTERMS.title, _zh("数据主题")))
        return iri

    def frequency(self, cycle: str) -> URIRef:
        code, label = FREQUENCIES.get(cycle, FREQUENCIES[UpdateCycle.MONTHLY])
        iri = FREQUENCY[code]
        if self._once(iri):
            self.graph.add((iri, RDF.type, DCTERMS.Frequency))
            self.graph.add((iri, SKOS.prefLabel, _zh(label)))
        return iri

    def licence(self, license_id: str) -> URIRef:
        code, label = LICENCES.get(license_id, LICENCES[DEFAULT_LICENCE])
        iri = LICENCE[code]
        if self._once(iri):
            self.graph.add((iri, RDF.type, DCTERMS.LicenseDocument))
            self.graph.add((iri, SKOS.prefLabel, _zh(label)))
        return iri

    def public(self) -> URIRef:
        iri = ACCESS_RIGHT.PUBLIC
        if self._once(iri):
            self.graph.add((iri, RDF.type, DCTERMS.RightsStatement))
            self.graph.add((iri, SKOS.prefLabel, _zh("公开")))
        return iri

    def file_type(self, fmt: str) -> tuple[URIRef | None, URIRef | None]:
        code, media = FORMATS.get(fmt.upper(), ("", ""))
        kind = media_type = None
        if code:
            kind = FILE_TYPE[code]
            if self._once(kind):
                self.graph.add((kind, RDF.type, DCTERMS.MediaTypeOrExtent))
        if media:
            media_type = URIRef(IANA + media)
            if self._once(media_type):
                self.graph.add((media_type, RDF.type, DCTERMS.MediaType))
        return kind, media_type

    def resource(self, iri: URIRef) -> URIRef:
        """A web address: typed ``rdfs:Resource`` as the shapes' range for access and download URLs."""
        if self._once(("resource", iri)):
            self.graph.add((iri, RDF.type, RDFS.Resource))
        return iri

    def document(self, iri: URIRef) -> URIRef:
        if self._once(iri):
            self.graph.add((iri, RDF.type, FOAF.Document))
        return iri

    # --- catalog and datasets -----------------------------------------------------------------------

    def catalog(self) -> URIRef:
        g = self.graph
        iri = self.site.catalog()
        g.add((iri, RDF.type, DCAT.Catalog))
        g.add((iri, DCTERMS.title, _zh(f"{self.city_name}公共数据开放目录")))
        g.add(
            (
                iri,
                DCTERMS.description,
                _zh(f"{self.city_name}各部门向社会开放的公共数据集（DCAT-AP 3 格式）。"),
            )
        )
        g.add((iri, DCTERMS.publisher, self.agent(self.city_code, f"{self.city_name}人民政府")))
        g.add((iri, DCTERMS.language, self.language()))
        g.add((iri, DCTERMS.spatial, self.place()))
        g.add((iri, DCAT.themeTaxonomy, self.theme_scheme()))
        g.add((iri, FOAF.homepage, self.document(URIRef(f"{self.site.base}/open-data/"))))
        return iri

    def dataset(self, dataset: OpenDataset) -> URIRef:
        g = self.graph
        site = self.site
        iri = site.dataset(dataset)
        entry = dataset.entry
        department = dataset.department
        g.add((iri, RDF.type, DCAT.Dataset))
        g.add((iri, DCTERMS.title, _zh(dataset.title)))
        description = (dataset.notes or entry.abstract or dataset.title).strip()
        g.add((iri, DCTERMS.description, _zh(description)))
        g.add((iri, DCTERMS.identifier, Literal(dataset.name)))
        g.add((iri, DCTERMS.publisher, self.agent(department.code, department.name)))
        g.add((iri, DCAT.contactPoint, self.contact(department.code, department.name)))
        topics = list(dataset.topics.all())
        codes = sorted({TOPIC_THEMES.get(t.name, DEFAULT_THEME) for t in topics} or {DEFAULT_THEME})
        for code in codes:
            g.add((iri, DCAT.theme, self.theme(code)))
        for tag in dataset.tags.all():
            g.add((iri, DCAT.keyword, _zh(tag.name)))
        for topic in topics:
            g.add((iri, DCAT.keyword, _zh(topic.title)))
        g.add((iri, DCTERMS.spatial, self.place()))
        g.add((iri, DCTERMS.accrualPeriodicity, self.frequency(entry.update_cycle)))
        g.add((iri, DCTERMS.language, self.language()))
        g.add((iri, DCTERMS.accessRights, self.public()))
        g.add((iri, DCAT.landingPage, self.document(site.landing(dataset))))
        issued = _when(dataset.published_at or dataset.created_at)
        if issued is not None:
            g.add((iri, DCTERMS.issued, issued))
        modified = _when(max(d for d in (dataset.updated_at, entry.last_loaded_at) if d is not None))
        if modified is not None:
            g.add((iri, DCTERMS.modified, modified))
        licence = self.licence(dataset.license_id)
        for resource in dataset.resources.all():
            g.add((iri, DCAT.distribution, self.distribution(dataset, resource, licence)))
        return iri

    def distribution(self, dataset: OpenDataset, resource: OpenResource, licence: URIRef) -> URIRef:
        g = self.graph
        iri = self.site.distribution(dataset, resource)
        download = self.site.download(dataset, resource)
        g.add((iri, RDF.type, DCAT.Distribution))
        g.add((iri, DCTERMS.title, _zh(resource.name or f"{dataset.title}（{resource.format}）")))
        if resource.description:
            g.add((iri, DCTERMS.description, _zh(resource.description)))
        access = download if resource.url else self.site.landing(dataset)
        g.add((iri, DCAT.accessURL, self.resource(access)))
        g.add((iri, DCAT.downloadURL, self.resource(download)))
        kind, media_type = self.file_type(resource.format)
        if kind is not None:
            g.add((iri, DCTERMS.format, kind))
        if media_type is not None:
            g.add((iri, DCAT.mediaType, media_type))
        g.add((iri, DCTERMS.license, licence))
        issued = _when(resource.created_at)
        if issued is not None:
            g.add((iri, DCTERMS.issued, issued))
        modified = _when(resource.updated_at)
        if modified is not None:
            g.add((iri, DCTERMS.modified, modified))
        return iri


@dataclass(frozen=True)
class CatalogPage:
    graph: Graph
    page: int
    pages: int
    total: int


def catalog_graph(*, base: str, datasets: Iterable[OpenDataset]) -> Graph:
    """The catalog with the given datasets and their distributions."""
    builder = _Builder(base)
    catalog = builder.catalog()
    for dataset in datasets:
        builder.graph.add((catalog, DCAT.dataset, builder.dataset(dataset)))
    return builder.graph


def catalog_page(*, base: str, page: int, page_size: int, view_url: str) -> CatalogPage:
    """One page of the catalog (active datasets by 标识), with a Hydra ``PartialCollectionView`` whose
    ``first`` / ``previous`` / ``next`` / ``last`` link the pages (``view_url?page=N``). Building and
    serialising a whole catalog of 10,000 datasets takes minutes with rdflib, hence the paging."""
    active = open_data_selectors.open_dataset_queryset().order_by("name")
    total = active.count()
    pages = max(1, -(-total // page_size))
    if not 1 <= page <= pages:
        raise NotFound(f"目录共 {pages} 页，没有第 {page} 页")
    start = (page - 1) * page_size
    chunk = active.prefetch_related("tags", "topics", "resources")[start : start + page_size]
    graph = catalog_graph(base=base, datasets=chunk)
    catalog = URIRef(f"{base.rstrip('/')}/catalog")
    graph.bind("hydra", HYDRA)
    view = URIRef(f"{view_url}?page={page}")
    graph.add((catalog, HYDRA.totalItems, Literal(total, datatype=XSD.nonNegativeInteger)))
    graph.add((catalog, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.first, URIRef(f"{view_url}?page=1")))
    graph.add((view, HYDRA.last, URIRef(f"{view_url}?page={pages}")))
    if page > 1:
        graph.add((view, HYDRA.previous, URIRef(f"{view_url}?page={page - 1}")))
    if page < pages:
        graph.add((view, HYDRA.next, URIRef(f"{view_url}?page={page + 1}")))
    return CatalogPage(graph, page, pages, total)


def dataset_graph(*, base: str, dataset: OpenDataset) -> Graph:
    """One dataset with its distributions, listed in the catalog (so the catalog node is included)."""
    builder = _Builder(base)
    catalog = builder.catalog()
    builder.graph.add((catalog, DCAT.dataset, builder.dataset(dataset)))
    return builder.graph


def serialize(graph: Graph, fmt: str) -> tuple[bytes, str]:
    """The graph as Turtle (``ttl``) or JSON-LD (``jsonld``): (bytes, content type)."""
    if fmt == "jsonld":
        data = graph.serialize(format="json-ld", auto_compact=True, indent=2, ensure_ascii=False)
        return data.encode("utf-8"), JSON_LD
    return graph.serialize(format="turtle").encode("utf-8"), TURTLE
