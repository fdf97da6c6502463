"""DCAT-AP catalogs in RDF/XML, Turtle or JSON-LD, paged with Hydra as udata and ODS page them.

Each `dcat:Dataset` is one remote dataset: its IRI is its URI (kept when its identifier
changes), `dct:identifier` its id; data comes from the best distribution
(`dcat:downloadURL`, else `dcat:accessURL`) whose format Datapolis reads.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext_noop
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from datapolis.catalog.dataset_objects import LICENSE_URLS
from datapolis.fetching import FetchError, fetch
from datapolis.harvest.backends.base import (
    Connection,
    Distribution,
    RemoteDataset,
    best_distribution,
    normalise_format,
    text,
)

HYDRA = (Namespace("http://www.w3.org/ns/hydra/core#"), Namespace("http://www.w3.org/ns/hydra/"))
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
MAX_PAGES = 1000


def _licence_key(url: str) -> str:
    """A licence URL without what varies between catalogs: the scheme, `www.`, the final slash."""
    return url.split("://", 1)[-1].removeprefix("www.").rstrip("/").lower()


LICENSE_IDS = {_licence_key(url): licence for licence, url in reversed(LICENSE_URLS.items())}
SERIALIZATIONS = {
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
}
SUFFIXES = {".rdf": "xml", ".xml": "xml", ".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt"}
ACCEPT = "application/rdf+xml, text/turtle;q=0.9, application/ld+json;q=0.8"


class DcatBackend:
    def __init__(self, url: str, connection: Connection) -> None:
        self.url = url
        self.connection = connection

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Apikey {self.connection.api_key}"} if self.connection.api_key else {}

    def datasets(self) -> Iterator[RemoteDataset]:
        url: str | None = self.url
        seen: set[str] = set()
        while url and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            graph = self.page(url)
            for node in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str):
                yield remote_dataset(graph, node)
            url = next_page(graph)

    def page(self, url: str) -> Graph:
        with tempfile.TemporaryDirectory(prefix="datapolis-dcat-") as folder:
            path = Path(folder) / "page"
            fetched = fetch(
                url,
                path,
                max_bytes=self.connection.max_document_bytes,
                timeout=self.connection.timeout,
                allowed_networks=self.connection.allowed_networks,
                headers={"Accept": ACCEPT, **self.headers()},
            )
            serialization = SERIALIZATIONS.get(fetched.content_type) or SUFFIXES.get(Path(fetched.filename).suffix)
            graph = Graph()
            try:
                graph.parse(path, format=serialization or "xml", publicID=fetched.url)
            except Exception as error:  # rdflib raises parser-specific errors of many classes
                raise FetchError(
                    gettext_noop("The DCAT catalog at %(url)s cannot be read: %(error)s."),
                    {"url": url, "error": str(error).split("\n")[0][:300]},
                    code="bad_answer",
                ) from error
            return graph


def next_page(graph: Graph) -> str | None:
    for hydra in HYDRA:
        for predicate in (hydra.next, hydra.nextPage):
            for value in graph.objects(None, predicate):
                return str(value)
    return None


def literal(graph: Graph, node, predicate) -> str:
    """The French value of `predicate`, else any; "" when `node` is None or has none."""
    if node is None:
        return ""
    values = list(graph.objects(node, predicate))
    french = [v for v in values if getattr(v, "language", None) == "fr"]
    return text((french or values or [""])[0])


def agent_name(graph: Graph, node, predicate) -> str:
    for agent in graph.objects(node, predicate):
        return literal(graph, agent, FOAF.name) or literal(graph, agent, VCARD.fn) or text(agent)
    return ""


def remote_dataset(graph: Graph, node) -> RemoteDataset:
    distributions, licence = [], ""
    for distribution in graph.objects(node, DCAT.distribution):
        url = literal(graph, distribution, DCAT.downloadURL) or literal(graph, distribution, DCAT.accessURL)
        kind = normalise_format(literal(graph, distribution, DCTERMS.format)) or normalise_format(
            literal(graph, distribution, DCAT.mediaType)
        )
        licence = licence or literal(graph, distribution, DCTERMS.license)
        if url and kind:
            distributions.append(Distribution(url, kind))
    licence = literal(graph, node, DCTERMS.license) or licence
    contact = next(iter(graph.objects(node, DCAT.contactPoint)), None)
    temporal = next(iter(graph.objects(node, DCTERMS.temporal)), None)
    themes = [literal(graph, theme, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")) or text(theme)
              for theme in graph.objects(node, DCAT.theme)]  # fmt: skip
    identifier = literal(graph, node, DCTERMS.identifier) or text(node)
    return RemoteDataset(
        remote_id=identifier,
        uri=text(node) if isinstance(node, URIRef) else identifier,
        metadata={
            "title": literal(graph, node, DCTERMS.title) or identifier,
            "description": literal(graph, node, DCTERMS.description),
            "keywords": sorted({text(word) for word in graph.objects(node, DCAT.keyword) if text(word)}),
            "themes": sorted({theme for theme in themes if theme and not theme.startswith("http")}),
            "license": LICENSE_IDS.get(_licence_key(licence), "" if licence.startswith("http") else licence),
            "license_url": licence if licence.startswith("http") else "",
            "publisher": agent_name(graph, node, DCTERMS.publisher),
            "producer": agent_name(graph, node, DCTERMS.creator),
            "contact_name": literal(graph, contact, VCARD.fn) if contact is not None else "",
            "contact_email": literal(graph, contact, VCARD.hasEmail).removeprefix("mailto:")
            if contact is not None
            else "",
            "temporal_start": literal(graph, temporal, DCAT.startDate)[:10] or None if temporal is not None else None,
            "temporal_end": literal(graph, temporal, DCAT.endDate)[:10] or None if temporal is not None else None,
        },
        modified=literal(graph, node, DCTERMS.modified),
        distribution=best_distribution(distributions),
    )
