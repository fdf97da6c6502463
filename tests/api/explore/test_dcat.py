"""The catalog in DCAT-AP (`/catalog/exports/dcat|rdf|ttl|jsonld`): valid, complete, harvestable.

Validity is checked with pySHACL against our own encoding of the DCAT-AP 3 constraints
(dcat_ap_shapes.ttl beside this file, which cites the specification's sections).
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pyshacl
import pytest
from django.contrib.auth.models import User
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns  # as a module: pytest warns on rdflib's closed namespaces
from rdflib.compare import isomorphic

from datapolis.access.models import Grant
from datapolis.access.services import create_api_key
from datapolis.api import dcat
from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from datapolis.engine.exports import FORMATS

SHAPES = Path(__file__).with_name("dcat_ap_shapes.ttl")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ORIGIN = "http://data.example.fr"
API = ORIGIN + "/api/explore/v2.1/"
GEO_FORMATS = {"geojson", "shp", "fgb", "kml", "gpx", "ov2"}
CASTELMAUROU = "subventions-castelmaurou"


def dataset_node(dataset_id: str) -> URIRef:
    """As Opendatasoft names a dataset: its page's URL (data.gouv.fr knows datasets by it)."""
    return URIRef(f"{ORIGIN}/explore/dataset/{dataset_id}/")


def export_url(dataset_id: str, format_name: str, query: str = "") -> URIRef:
    return URIRef(f"{API}catalog/datasets/{dataset_id}/exports/{format_name}{query}")


def parse(response, rdf_format: str = "xml") -> Graph:
    assert response.status_code == 200, response.content[:500]
    return Graph().parse(data=response.content, format=rdf_format)


def validate(graph: Graph) -> list[tuple[URIRef, URIRef | None, URIRef | None]]:
    """(severity, focus node, path) of every SHACL result."""
    shapes = Graph().parse(SHAPES, format="turtle")
    _conforms, results, _text = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    return [
        (results.value(result, ns.SH.resultSeverity), results.value(result, ns.SH.focusNode),
         results.value(result, ns.SH.resultPath))
        for result in results.subjects(ns.RDF.type, ns.SH.ValidationResult)
    ]  # fmt: skip


def kind(graph: Graph, node: URIRef) -> URIRef | None:
    """A node's class; a dataset's URI is also its landing page (a foaf:Document), as at ODS."""
    types = set(graph.objects(node, ns.RDF.type))
    return ns.DCAT.Dataset if ns.DCAT.Dataset in types else graph.value(node, ns.RDF.type)


def violations(graph: Graph) -> list[tuple]:
    return [result for result in validate(graph) if result[0] == ns.SH.Violation]


@pytest.fixture
def castelmaurou(catalog_store, db, shared_datasets: Path) -> list[dict[str, str]]:
    """A dataset with every metadata DCAT-AP recommends: the subsidies of Castelmaurou (31)."""
    path = shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    services.import_file(
        path,
        CASTELMAUROU,
        metadata={
            "title": "Subventions aux associations de Castelmaurou",
            "description": "<p>Subventions versées par la commune, au format SCDL.</p>",
            "keywords": ["subventions", "associations"],
            "themes": ["Économie", "Société"],
            "publisher": "Commune de Castelmaurou",
            "producer": "Service des finances",
            "contact_name": "Service des finances",
            "contact_email": "finances@castelmaurou.example.fr",
            "update_frequency": "annual",
            "territory": ["Castelmaurou"],
            "temporal_start": date(2018, 1, 1),
            "temporal_end": date(2021, 12, 31),
            "license": "odbl-1.0",
        },
    )
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_catalog_conforms_to_the_dcat_ap_shapes(api, velib, castelmaurou) -> None:
    graph = parse(api("/catalog/exports/dcat"))

    assert violations(graph) == []
    warnings = Counter((kind(graph, focus), path) for severity, focus, path in validate(graph))
    # What DCAT-AP recommends and we knowingly leave out (docs/explore-api.md): the licence
    # and coverage of the catalogue itself, the nature (dct:type) of publishers; Vélib' was
    # imported without keywords, contact, coverage or theme of the EU vocabulary.
    assert set(warnings) == {
        (ns.DCAT.Catalog, ns.DCTERMS.license),
        (ns.DCAT.Catalog, ns.DCTERMS.spatial),
        (ns.FOAF.Agent, ns.DCTERMS.type),
        (ns.DCAT.Dataset, ns.DCAT.contactPoint),
        (ns.DCAT.Dataset, ns.DCAT.keyword),
        (ns.DCAT.Dataset, ns.DCTERMS.spatial),
        (ns.DCAT.Dataset, ns.DCTERMS.temporal),
    }
    assert warnings[(ns.DCAT.Dataset, ns.DCAT.keyword)] == 1  # Vélib' only: Castelmaurou has all it should
    fully_described = {focus for _severity, focus, _path in validate(graph) if focus == dataset_node(CASTELMAUROU)}
    assert fully_described == set()


def test_the_shapes_reject_a_broken_catalog(api, velib) -> None:
    graph = parse(api("/catalog/exports/dcat"))
    velib_node = dataset_node("velib")
    csv_distribution = export_url("velib", "csv", "?use_labels=true")
    catalog = URIRef(ORIGIN + "/explore/")
    graph.remove((velib_node, ns.DCTERMS.title, None))
    graph.remove((csv_distribution, ns.DCAT.accessURL, None))
    graph.add((catalog, ns.DCTERMS.publisher, BNode()))
    graph.set((velib_node, ns.DCTERMS.accrualPeriodicity, URIRef("http://purl.org/cld/freq/annual")))
    graph.set((velib_node, ns.DCTERMS.modified, Literal("last tuesday")))

    found = {(focus, path) for _severity, focus, path in violations(graph)}

    assert (velib_node, ns.DCTERMS.title) in found
    assert (csv_distribution, ns.DCAT.accessURL) in found
    assert (catalog, ns.DCTERMS.publisher) in found
    assert (velib_node, ns.DCTERMS.accrualPeriodicity) in found
    assert (velib_node, ns.DCTERMS.modified) in found


def test_a_dataset_is_described_as_in_the_catalog(api, castelmaurou) -> None:
    graph = parse(api("/catalog/exports/dcat"))
    node = dataset_node(CASTELMAUROU)
    dataset = Dataset.objects.get(dataset_id=CASTELMAUROU)

    assert (URIRef(ORIGIN + "/explore/"), ns.DCAT.dataset, node) in graph
    assert graph.value(node, ns.DCTERMS.identifier) == Literal(f"{ORIGIN}/explore/dataset/{CASTELMAUROU}/")
    assert graph.value(node, ns.DCTERMS.title) == Literal("Subventions aux associations de Castelmaurou", lang="fr")
    assert (
        str(graph.value(node, ns.DCTERMS.description)) == "<p>Subventions versées par la commune, au format SCDL.</p>"
    )
    assert set(graph.objects(node, ns.DCAT.keyword)) == {
        Literal("subventions", lang="fr"),
        Literal("associations", lang="fr"),
    }
    assert set(graph.objects(node, ns.DCAT.theme)) == {
        URIRef("http://publications.europa.eu/resource/authority/data-theme/ECON"),
        URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI"),
    }
    subjects = {str(graph.value(concept, ns.SKOS.prefLabel)) for concept in graph.objects(node, ns.DCTERMS.subject)}
    assert subjects == {"Économie", "Société"}
    publisher = graph.value(node, ns.DCTERMS.publisher)
    assert (publisher, ns.RDF.type, ns.FOAF.Agent) in graph
    assert str(graph.value(publisher, ns.FOAF.name)) == "Commune de Castelmaurou"
    assert str(graph.value(graph.value(node, ns.DCTERMS.creator), ns.FOAF.name)) == "Service des finances"
    contact = graph.value(node, ns.DCAT.contactPoint)
    assert (contact, ns.RDF.type, VCARD.Kind) in graph
    assert str(graph.value(contact, VCARD.fn)) == "Service des finances"
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:finances@castelmaurou.example.fr")
    assert graph.value(node, ns.DCTERMS.license) == URIRef("https://opendatacommons.org/licenses/odbl/")
    assert graph.value(node, ns.DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    )
    assert graph.value(node, ns.DCTERMS.accessRights) == URIRef(
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    )
    period = graph.value(node, ns.DCTERMS.temporal)
    assert graph.value(period, ns.DCAT.startDate) == Literal("2018-01-01", datatype=ns.XSD.date)
    assert graph.value(period, ns.DCAT.endDate) == Literal("2021-12-31", datatype=ns.XSD.date)
    places = [str(graph.value(place, URIRef("http://www.w3.org/ns/locn#geographicName")))
              for place in graph.objects(node, ns.DCTERMS.spatial)]  # fmt: skip
    assert places == ["Castelmaurou"]
    assert graph.value(node, ns.DCTERMS.language) == URIRef(
        "http://publications.europa.eu/resource/authority/language/FRA"
    )
    assert graph.value(node, ns.DCAT.landingPage) == URIRef(f"{ORIGIN}/explore/dataset/{CASTELMAUROU}/")
    assert graph.value(node, ns.DCTERMS.issued).toPython() == dataset.created
    assert graph.value(node, ns.DCTERMS.modified).toPython() == dataset.modified


def test_one_distribution_per_export_format(api, velib, no2) -> None:
    graph = parse(api("/catalog/exports/dcat"))

    def formats(dataset_id: str) -> set[str]:
        urls = graph.objects(dataset_node(dataset_id), ns.DCAT.distribution)
        return {urlsplit(str(url)).path.rsplit("/", 1)[-1] for url in urls}

    assert formats("velib") == set(FORMATS)  # Vélib' has a geo_point_2d field
    assert formats("no2") == set(FORMATS) - GEO_FORMATS
    csv_url = export_url("velib", "csv", "?use_labels=true")
    assert graph.value(csv_url, ns.DCAT.accessURL) == csv_url
    assert graph.value(csv_url, ns.DCAT.downloadURL) == csv_url
    assert graph.value(csv_url, ns.DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(csv_url, ns.DCTERMS.format) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert str(graph.value(csv_url, ns.DCTERMS.title)) == "velib.csv"
    geojson = export_url("velib", "geojson")
    assert str(graph.value(geojson, ns.DCAT.mediaType)).endswith("/application/geo+json")


def test_include_exports_and_labels_as_data_gouv_fr_harvests(api, velib, no2) -> None:
    graph = parse(api("/catalog/exports/dcat/", include_exports="json,csv,shp,geojson",
                      use_labels_in_exports="false"))  # fmt: skip

    assert set(graph.objects(dataset_node("velib"), ns.DCAT.distribution)) == {
        export_url("velib", "json"),
        export_url("velib", "csv"),
        export_url("velib", "shp"),
        export_url("velib", "geojson"),
    }
    assert set(graph.objects(dataset_node("no2"), ns.DCAT.distribution)) == {
        export_url("no2", "json"),
        export_url("no2", "csv"),
    }
    assert api("/catalog/exports/dcat", include_exports="csv,docx").status_code == 400


def test_the_data_gouv_fr_request_filters_the_catalog(api, velib, no2, castelmaurou) -> None:
    services.update_metadata(Dataset.objects.get(dataset_id="velib"), {"keywords": ["vélo", "mobilité"]})
    services.update_metadata(
        Dataset.objects.get(dataset_id="no2"), {"keywords": ["vélo"], "publisher": "Air Pays de la Loire"}
    )

    response = api(
        "/catalog/exports/dcat/",
        where='keyword="vélo" AND NOT publisher="Air Pays de la Loire"',
        include_exports="json,csv,shp,geojson",
        lang="fr",
    )
    graph = parse(response)

    assert response["Content-Type"] == "application/rdf+xml"
    assert set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset)) == {dataset_node("velib")}


def test_a_distribution_url_downloads_the_data(api, velib) -> None:
    graph = parse(api("/catalog/exports/dcat", include_exports="csv"))
    (url,) = graph.objects(dataset_node("velib"), ns.DCAT.distribution)
    parts = urlsplit(str(url))

    response = api(parts.path.removeprefix("/api/explore/v2.1"), **dict([parts.query.split("=")]))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()

    assert response.status_code == 200
    assert len(lines) == 1 + len(velib)
    assert lines[0] == ";".join(velib[0])  # the file's own headers are the labels: use_labels=true


def test_order_limit_and_offset_choose_datasets(api, velib, no2, castelmaurou) -> None:
    graph = parse(api("/catalog/exports/ttl", order_by="records_count desc", limit=2, offset=1), "turtle")

    assert set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset)) == {dataset_node("velib"), dataset_node(CASTELMAUROU)}


def test_turtle_and_json_ld_say_the_same(api, velib) -> None:
    rdf_xml = parse(api("/catalog/exports/dcat"))
    rdf = parse(api("/catalog/exports/rdf"))
    turtle_response = api("/catalog/exports/ttl")
    turtle = parse(turtle_response, "turtle")
    json_ld_response = api("/catalog/exports/jsonld")
    json_ld = parse(json_ld_response, "json-ld")

    assert turtle_response["Content-Type"] == "text/turtle; charset=utf-8"
    assert json_ld_response["Content-Type"] == "application/ld+json"
    assert len(rdf_xml) > 100
    assert isomorphic(rdf_xml, rdf)
    assert isomorphic(rdf_xml, turtle)
    assert isomorphic(rdf_xml, json_ld)


def test_a_large_catalog_is_still_turtle(api, velib, monkeypatch) -> None:
    pretty = parse(api("/catalog/exports/ttl"), "turtle")
    monkeypatch.setattr(dcat, "PRETTY_TURTLE_MAX_TRIPLES", 10)

    response = api("/catalog/exports/ttl")
    line_per_triple = parse(response, "turtle")

    assert b"@prefix" not in response.content  # the N-Triples subset of Turtle
    assert isomorphic(pretty, line_per_triple)


def test_restricted_datasets_only_for_callers_granted_them(api, velib, shared_datasets) -> None:
    services.import_file(shared_datasets / "joconde" / "joconde.csv", "joconde", visibility="restricted",
                         metadata={"title": "Joconde"})  # fmt: skip
    agent = User.objects.create_user("agent", password="not used here")
    Grant.objects.create(dataset=Dataset.objects.get(dataset_id="joconde"), user=agent)
    _key, key = create_api_key("agent")

    anonymous = parse(api("/catalog/exports/dcat"))
    granted = parse(api("/catalog/exports/dcat", apikey=key))

    assert set(anonymous.subjects(ns.RDF.type, ns.DCAT.Dataset)) == {dataset_node("velib")}
    assert set(granted.subjects(ns.RDF.type, ns.DCAT.Dataset)) == {dataset_node("velib"), dataset_node("joconde")}
    assert granted.value(dataset_node("joconde"), ns.DCTERMS.accessRights) == URIRef(
        "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
    )


# What Opendatasoft's DCAT export states and ours does not, on purpose (docs/explore-api.md):
# duplicates of other properties (dct:date = issued, dct:rights = licence, dct:subject and
# dct:contributor/dct:creator pointing at the publisher, dct:coverage = spatial) and
# dct:relation (ODS's "references" link, which we do not have).
ODS_ONLY = {ns.DCTERMS.date, ns.DCTERMS.rights, ns.DCTERMS.contributor, ns.DCTERMS.coverage, ns.DCTERMS.relation}


def test_the_structure_matches_the_opendatasoft_export(api, castelmaurou, shared_data: Path) -> None:
    reference = Graph().parse(shared_data / "ods-reference" / "ods-export-rennes-metropole-dcat.rdf", format="xml")
    ours = parse(api("/catalog/exports/dcat"))

    def predicates(graph: Graph, rdf_class: URIRef) -> set[URIRef]:
        return {p for node in graph.subjects(ns.RDF.type, rdf_class) for p, _o in graph.predicate_objects(node)}

    for rdf_class in (ns.DCAT.Catalog, ns.DCAT.Dataset, ns.DCAT.Distribution):
        missing = predicates(reference, rdf_class) - predicates(ours, rdf_class) - ODS_ONLY
        assert missing == set(), rdf_class
    # The distributions' URLs follow the same pattern as the reference's.
    reference_csv = {str(url) for url in reference.subjects(ns.RDF.type, ns.DCAT.Distribution) if "/exports/csv" in url}
    assert all(url.endswith("/exports/csv?use_labels=true") for url in reference_csv)
    assert export_url(CASTELMAUROU, "csv", "?use_labels=true") in set(ours.subjects(ns.RDF.type, ns.DCAT.Distribution))
    # ODbL is named by the URL Opendatasoft gives it (scheme aside): data.gouv.fr's harvester
    # recognizes that one, not ODbL's version page `.../odbl/1-0/` (the licence was lost).
    reference_licences = {urlsplit(str(url))[1:] for url in reference.objects(None, ns.DCTERMS.license)}
    odbl = ("opendatacommons.org", "/licenses/odbl/", "", "")
    assert odbl in reference_licences
    assert urlsplit(str(ours.value(dataset_node(CASTELMAUROU), ns.DCTERMS.license)))[1:] == odbl
