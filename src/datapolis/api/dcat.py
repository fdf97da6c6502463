"""The catalog as DCAT-AP 3 RDF: one dcat:Catalog (the portal), one dcat:Dataset per dataset.

The input is the Explore API dataset object (catalog/dataset_objects.py), so the DCAT export says
what the API says. docs/catalog.md has the property mapping; docs/explore-api.md the
choices where DCAT-AP leaves room. No Django imports: the caller gives the portal's
description and the datasets the requester may see.

Node IRIs: the catalog is the API's `catalog/` resource, a dataset is its API resource
(`catalog/datasets/<id>`), a distribution is its export URL (as Opendatasoft has it), so
each one is a URL that answers with its description or its file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote_plus

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from datapolis.engine.exports import FORMATS

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
LOCN = Namespace("http://www.w3.org/ns/locn#")

API_PATH = "/api/explore/v2.1/"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHTS = {"domain": "PUBLIC", "restricted": "RESTRICTED"}
AVAILABILITY = URIRef(EU_AUTHORITY + "planned-availability/AVAILABLE")
DATA_THEMES = URIRef(EU_AUTHORITY + "data-theme")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

# ISO 639-1 codes of the metadata -> the EU Languages authority table (ISO 639-3 based).
EU_LANGUAGES = {
    "fr": "FRA", "en": "ENG", "de": "DEU", "es": "SPA", "it": "ITA", "nl": "NLD", "pt": "POR",
    "ca": "CAT", "eu": "EUS", "br": "BRE", "oc": "OCI", "co": "COS", "ar": "ARA", "sv": "SWE",
}  # fmt: skip

# Our portal themes (by slug) -> the EU Data Theme vocabulary DCAT-AP asks dcat:theme to use.
EU_DATA_THEMES = {
    "agriculture": "AGRI", "alimentation": "AGRI", "peche": "AGRI",
    "economie": "ECON", "finances": "ECON", "budget": "ECON", "emploi": "ECON", "commerce": "ECON",
    "education": "EDUC", "culture": "EDUC", "sport": "EDUC", "sports": "EDUC", "loisirs": "EDUC",
    "energie": "ENER",
    "environnement": "ENVI", "climat": "ENVI", "eau": "ENVI", "dechets": "ENVI",
    "gouvernement": "GOVE", "administration": "GOVE", "citoyennete": "GOVE", "elections": "GOVE",
    "sante": "HEAL",
    "international": "INTR", "europe": "INTR",
    "justice": "JUST", "securite": "JUST",
    "territoire": "REGI", "urbanisme": "REGI", "amenagement": "REGI", "logement": "REGI",
    "societe": "SOCI", "solidarite": "SOCI", "social": "SOCI", "population": "SOCI",
    "sciences": "TECH", "science": "TECH", "technologie": "TECH", "numerique": "TECH",
    "transports": "TRAN", "transport": "TRAN", "mobilite": "TRAN", "mobilites": "TRAN",
}  # fmt: skip
EU_DATA_THEME_LABELS = {
    "AGRI": ("Agriculture, pêche, sylviculture et alimentation", "Agriculture, fisheries, forestry and food"),
    "ECON": ("Économie et finances", "Economy and finance"),
    "EDUC": ("Éducation, culture et sport", "Education, culture and sport"),
    "ENER": ("Énergie", "Energy"),
    "ENVI": ("Environnement", "Environment"),
    "GOVE": ("Gouvernement et secteur public", "Government and public sector"),
    "HEAL": ("Santé", "Health"),
    "INTR": ("Questions internationales", "International issues"),
    "JUST": ("Justice, système juridique et sécurité publique", "Justice, legal system and public safety"),
    "REGI": ("Régions et villes", "Regions and cities"),
    "SOCI": ("Population et société", "Population and society"),
    "TECH": ("Science et technologie", "Science and technology"),
    "TRAN": ("Transports", "Transport"),
}

# The IANA media type each export format is described with (registered types only, as
# Opendatasoft's DCAT export does: formats without one are application/octet-stream).
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "jsonl": "application/json",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "shp": "application/zip",
    "fgb": "application/octet-stream",
    "kml": "application/vnd.google-earth.kml+xml",
    "gpx": "application/gpx+xml",
    "ov2": "application/octet-stream",
    "jsonld": "application/ld+json",
    "turtle": "text/turtle",
    "n3": "text/n3",
    "rdfxml": "application/rdf+xml",
}
# Formats whose files list the fields in a header row: `use_labels_in_exports` applies.
LABELLED_FORMATS = frozenset({"csv", "xlsx"})

PRETTY_TURTLE_MAX_TRIPLES = 50_000  # about 200 datasets; larger catalogs get line-per-triple Turtle
SERIALIZATIONS = {
    "xml": "application/rdf+xml",
    "turtle": "text/turtle; charset=utf-8",
    "json-ld": "application/ld+json",
}
JSONLD_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "adms": str(ADMS),
    "dcatap": str(DCATAP),
    "locn": str(LOCN),
    "xsd": str(XSD),
}


@dataclass(frozen=True)
class CatalogDescription:
    """The portal described as a dcat:Catalog."""

    origin: str  # scheme and host, no trailing slash: "https://data.example.fr"
    title: str
    description: str
    language: str = "fr"
    issued: datetime | None = None


@dataclass(frozen=True)
class DistributionOptions:
    """Which dataset exports become distributions (`include_exports`), and their URLs' options."""

    formats: frozenset[str] | None = None  # None: every format the dataset can be exported in
    use_labels: bool = True


def unknown_formats(names: Iterable[str]) -> list[str]:
    return [name for name in names if name not in FORMATS]


def catalog_graph(
    catalog: CatalogDescription, datasets: Sequence[dict[str, Any]], options: DistributionOptions
) -> Graph:
    """The DCAT-AP graph of `datasets` (Explore dataset objects) in `catalog`."""
    builder = _GraphBuilder(catalog, options)
    builder.add_catalog(datasets)
    for dataset in datasets:
        builder.add_dataset(dataset)
    # Triples are gathered in a set (shared nodes such as media types are stated once per
    # distribution) and loaded at once into rdflib's lighter store: twice as fast as
    # adding them one by one to the default one (bench/catalog_exports.py).
    graph = Graph(store="SimpleMemory", bind_namespaces="core")
    for prefix, namespace in JSONLD_CONTEXT.items():
        graph.bind(prefix, namespace)
    graph.addN((*triple, graph) for triple in builder.triples)
    return graph


def serialize(graph: Graph, serialization: str) -> bytes:
    """`serialization` is one of SERIALIZATIONS' keys (rdflib format names)."""
    if serialization == "json-ld":
        return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, encoding="utf-8")
    if serialization == "turtle" and len(graph) > PRETTY_TURTLE_MAX_TRIPLES:
        # N-Triples is valid Turtle, written ten times faster than rdflib's grouped Turtle
        # (a 2,000-dataset catalog: about 5 s instead of 60, bench/catalog_exports.py).
        serialization = "nt"
    return graph.serialize(format=serialization, encoding="utf-8")


class _GraphBuilder:
    def __init__(self, catalog: CatalogDescription, options: DistributionOptions) -> None:
        self.catalog = catalog
        self.options = options
        self.triples: set[tuple[Any, Any, Any]] = set()
        # The URIs Opendatasoft gives: a portal moving here keeps its datasets on
        # data.gouv.fr, whose harvester knows them by these (docs/explore-api.md).
        self.catalog_node = URIRef(self.url("/explore/"))

    # -- URLs -------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.catalog.origin + path

    def api_url(self, path: str) -> str:
        return self.url(API_PATH + path)

    def add(self, subject, predicate, value) -> None:
        if value is not None:
            self.triples.add((subject, predicate, value))

    def text(self, value: str | None, language: str) -> Literal | None:
        return Literal(value, lang=language) if value else None

    # -- catalog ----------------------------------------------------------------------

    def add_catalog(self, datasets: Sequence[dict[str, Any]]) -> None:
        node, catalog, language = self.catalog_node, self.catalog, self.catalog.language
        self.add(node, RDF.type, DCAT.Catalog)
        self.add(node, DCTERMS.title, self.text(catalog.title, language))
        self.add(node, DCTERMS.description, self.text(catalog.description or catalog.title, language))
        self.add(node, DCTERMS.publisher, self.agent(catalog.title, URIRef(self.url("/#publisher"))))
        homepage = URIRef(self.url("/"))
        self.add(node, FOAF.homepage, homepage)
        self.add(homepage, RDF.type, FOAF.Document)
        self.add(node, DCTERMS.language, self.language(language))
        self.add(node, DCTERMS.issued, _date_literal(catalog.issued))
        modified = [value for value in (_parse(d["metas"]["default"]["modified"]) for d in datasets) if value]
        self.add(node, DCTERMS.modified, _date_literal(max(modified)) if modified else None)
        self.add(node, DCAT.themeTaxonomy, DATA_THEMES)
        self.add(DATA_THEMES, RDF.type, SKOS.ConceptScheme)
        self.add(DATA_THEMES, DCTERMS.title, Literal("Data theme", lang="en"))

    def agent(self, name: str, node: URIRef | BNode | None = None) -> URIRef | BNode:
        node = node if node is not None else BNode()
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, FOAF.name, Literal(name))
        return node

    def language(self, code: str) -> URIRef | None:
        eu_code = EU_LANGUAGES.get((code or "").lower())
        if eu_code is None:
            return None
        node = URIRef(f"{EU_AUTHORITY}language/{eu_code}")
        self.add(node, RDF.type, DCTERMS.LinguisticSystem)
        return node

    # -- datasets ---------------------------------------------------------------------

    def add_dataset(self, dataset: dict[str, Any]) -> None:
        dataset_id = dataset["dataset_id"]
        default, dcat = dataset["metas"]["default"], dataset["metas"]["dcat"]
        lang = default.get("language") or self.catalog.language
        page = self.url(f"/explore/dataset/{dataset_id}/")
        node = URIRef(page)
        self.add(self.catalog_node, DCAT.dataset, node)
        self.add(node, RDF.type, DCAT.Dataset)
        self.add(node, DCTERMS.identifier, Literal(page))
        self.add_other_identifier(node, dataset["dataset_uid"])
        self.add(node, DCTERMS.title, self.text(default["title"], lang))
        # DCAT-AP makes a description mandatory: the title stands in when there is none.
        self.add(node, DCTERMS.description, self.text(default.get("description") or default["title"], lang))
        for keyword in default.get("keyword") or []:
            self.add(node, DCAT.keyword, self.text(keyword, lang))
        self.add_themes(node, default.get("theme") or [], lang)
        publisher = default.get("publisher") or self.catalog.title
        self.add(node, DCTERMS.publisher, self.agent(publisher, URIRef(self.refine_url("publisher", publisher))))
        if dcat.get("creator"):
            self.add(node, DCTERMS.creator, self.agent(dcat["creator"]))
        self.add_contact_point(node, dcat.get("contact_name"), dcat.get("contact_email"))
        self.add(node, DCTERMS.license, self.license(default.get("license_url")))
        self.add(node, DCTERMS.accessRights, self.access_rights(dataset.get("visibility")))
        self.add(node, DCTERMS.accrualPeriodicity, self.typed(dcat.get("accrualperiodicity"), DCTERMS.Frequency))
        self.add_temporal(node, dcat.get("temporal_coverage_start"), dcat.get("temporal_coverage_end"))
        for place in dcat.get("spatial") or []:
            self.add(node, DCTERMS.spatial, self.location(place, lang))
        self.add(node, DCTERMS.language, self.language(lang))
        for url in dataset.get("conforms_to") or []:  # the Table Schema the data follows
            self.add(node, DCTERMS.conformsTo, self.typed(url, DCTERMS.Standard))
        self.add(node, DCTERMS.issued, _date_literal(_parse(dcat.get("issued"))))
        self.add(node, DCTERMS.modified, _date_literal(_parse(default.get("modified"))))
        landing_page = URIRef(page)
        self.add(node, DCAT.landingPage, landing_page)
        self.add(landing_page, RDF.type, FOAF.Document)
        for format_name in self.distribution_formats(dataset):
            self.add(node, DCAT.distribution, self.distribution(dataset, format_name, lang))

    def refine_url(self, facet: str, value: str) -> str:
        return self.url(f"/explore/?refine.{facet}={quote_plus(value)}")

    def add_other_identifier(self, node: URIRef, uid: str) -> None:
        identifier = BNode()
        self.add(node, ADMS.identifier, identifier)
        self.add(identifier, RDF.type, ADMS.Identifier)
        self.add(identifier, SKOS.notation, Literal(uid))

    def add_themes(self, node: URIRef, themes: Iterable[str], lang: str) -> None:
        """EU data themes in dcat:theme; the portal's own themes as dct:subject concepts."""
        for name in themes:
            concept = URIRef(self.refine_url("theme", name))
            self.add(node, DCTERMS.subject, concept)
            self.add(concept, RDF.type, SKOS.Concept)
            self.add(concept, SKOS.prefLabel, Literal(name, lang=lang))
            code = EU_DATA_THEMES.get(_slug(name))
            if code is not None:
                theme = URIRef(f"{DATA_THEMES}/{code}")
                self.add(node, DCAT.theme, theme)
                self.add(theme, RDF.type, SKOS.Concept)
                self.add(theme, SKOS.inScheme, DATA_THEMES)
                french, english = EU_DATA_THEME_LABELS[code]
                self.add(theme, SKOS.prefLabel, Literal(french, lang="fr"))
                self.add(theme, SKOS.prefLabel, Literal(english, lang="en"))

    def add_contact_point(self, node: URIRef, name: str | None, email: str | None) -> None:
        if not name and not email:
            return
        contact = BNode()
        self.add(node, DCAT.contactPoint, contact)
        self.add(contact, RDF.type, VCARD.Kind)
        self.add(contact, VCARD.fn, Literal(name or email))
        if email:
            self.add(contact, VCARD.hasEmail, URIRef(f"mailto:{email}"))

    def add_temporal(self, node: URIRef, start: str | None, end: str | None) -> None:
        if not start and not end:
            return
        period = BNode()
        self.add(node, DCTERMS.temporal, period)
        self.add(period, RDF.type, DCTERMS.PeriodOfTime)
        self.add(period, DCAT.startDate, _date_literal(_parse(start)))
        self.add(period, DCAT.endDate, _date_literal(_parse(end)))

    def location(self, place: str, lang: str) -> BNode:
        node = BNode()
        self.add(node, RDF.type, DCTERMS.Location)
        self.add(node, LOCN.geographicName, Literal(place, lang=lang))
        return node

    def license(self, url: str | None) -> URIRef | None:
        return self.typed(url, DCTERMS.LicenseDocument)

    def access_rights(self, visibility: str | None) -> URIRef | None:
        code = ACCESS_RIGHTS.get(visibility or "")
        return self.typed(f"{EU_AUTHORITY}access-right/{code}" if code else None, DCTERMS.RightsStatement)

    def typed(self, iri: str | None, rdf_class: URIRef) -> URIRef | None:
        if not iri:
            return None
        node = URIRef(iri)
        self.add(node, RDF.type, rdf_class)
        return node

    # -- distributions ----------------------------------------------------------------

    def distribution_formats(self, dataset: dict[str, Any]) -> list[str]:
        """The export formats this dataset's data can be downloaded in (none without data)."""
        if not dataset.get("has_records") or not dataset.get("data_visible", True):
            return []
        geographic = "geo" in (dataset.get("features") or [])
        wanted = self.options.formats
        return [
            name
            for name, spec in FORMATS.items()
            if (geographic or not spec.geographic) and (wanted is None or name in wanted)
        ]

    def distribution(self, dataset: dict[str, Any], format_name: str, lang: str) -> URIRef:
        dataset_id, default = dataset["dataset_id"], dataset["metas"]["default"]
        url = self.api_url(f"catalog/datasets/{dataset_id}/exports/{format_name}")
        if self.options.use_labels and format_name in LABELLED_FORMATS:
            url += "?use_labels=true"
        node = URIRef(url)
        self.add(node, RDF.type, DCAT.Distribution)
        self.add(node, DCTERMS.title, Literal(f"{dataset_id}{FORMATS[format_name].extension}", lang=lang))
        self.add(node, DCTERMS.description, self.text(f"{default['title']} ({format_name})", lang))
        self.add(node, DCAT.accessURL, node)
        self.add(node, DCAT.downloadURL, node)
        media_type = URIRef(IANA_MEDIA_TYPES + MEDIA_TYPES[format_name])
        self.add(node, DCTERMS.format, media_type)
        self.add(media_type, RDF.type, DCTERMS.MediaTypeOrExtent)
        self.add(node, DCAT.mediaType, media_type)
        self.add(media_type, RDF.type, DCTERMS.MediaType)
        self.add(node, DCTERMS.license, self.license(default.get("license_url")))
        self.add(node, DCATAP.availability, AVAILABILITY)
        self.add(AVAILABILITY, RDF.type, SKOS.Concept)
        self.add(AVAILABILITY, SKOS.prefLabel, Literal("available", lang="en"))
        self.add(node, DCTERMS.language, self.language(lang))
        self.add(node, DCTERMS.issued, _date_literal(_parse(dataset["metas"]["dcat"].get("issued"))))
        self.add(node, DCTERMS.modified, _date_literal(_parse(default.get("data_processed"))))
        return node


def _parse(value: str | None) -> datetime | date | None:
    if not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value)


def _date_literal(value: datetime | date | None) -> Literal | None:
    if value is None:
        return None
    datatype = XSD.dateTime if isinstance(value, datetime) else XSD.date
    return Literal(value.isoformat(), datatype=datatype)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(ascii_name.lower().split())
