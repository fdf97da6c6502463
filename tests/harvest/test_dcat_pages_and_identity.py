"""A DCAT catalog paged with Hydra is read to its last page; a dataset whose identifier
changed at the source but whose URI did not stays the same dataset here."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from datapolis.catalog.models import Dataset
from datapolis.harvest import services
from datapolis.harvest.models import HarvestedDataset, RunStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog_store", "local_network")]

PAGE = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<{base}/catalog> a dcat:Catalog ; dcat:dataset {datasets} .
{described}
{paging}
"""
DATASET = """<{base}/jeux/{number}> a dcat:Dataset ;
    dct:identifier "{identifier}" ; dct:title "{title}"@fr ; dct:description "Jeu n°{number} de la commune."@fr ;
    dcat:keyword "budget", "commune" ; dct:modified "{modified}" ;
    dct:license <https://www.etalab.gouv.fr/licence-ouverte-open-licence/> ;
    dct:publisher [ a foaf:Agent ; foaf:name "Commune de Castelmaurou" ] ."""


class Catalog:
    """Two pages of DCAT in Turtle; `identifiers` and `titles` say what the source shows now."""

    def __init__(self) -> None:
        self.identifiers = {number: f"jeu-{number}" for number in range(1, 6)}
        self.titles = {number: f"Budget {number}" for number in range(1, 6)}
        self.base = ""

    def page(self, number: int) -> str:
        numbers = [1, 2, 3] if number == 1 else [4, 5]
        described = "\n".join(
            DATASET.format(base=self.base, number=n, identifier=self.identifiers[n], title=self.titles[n],
                           modified=f"2026-11-0{n}T10:00:00" if self.titles[n].startswith("Budget") else "2026-12-01")
            for n in numbers
        )  # fmt: skip
        paging = f'<{self.base}/dcat?page=1> hydra:nextPage "{self.base}/dcat?page=2" .' if number == 1 else ""
        datasets = ", ".join(f"<{self.base}/jeux/{n}>" for n in numbers)
        return PAGE.format(base=self.base, datasets=datasets, described=described, paging=paging)


@pytest.fixture
def catalog() -> Iterator[Catalog]:
    served = Catalog()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            body = served.page(2 if self.path.endswith("page=2") else 1).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield served
    server.shutdown()


def test_every_page_is_read_and_a_renamed_dataset_is_not_duplicated(catalog):
    source = services.add_source("castelmaurou", f"{catalog.base}/dcat?page=1", "dcat")
    first = services.run_source(source)
    assert first.status == RunStatus.SUCCEEDED, first.error
    assert sorted(first.report["created"]) == [f"jeu-{n}" for n in range(1, 6)]
    budget = Dataset.objects.get(dataset_id="jeu-4")
    assert (budget.title, budget.publisher, budget.license) == ("Budget 4", "Commune de Castelmaurou", "etalab-2.0")
    assert budget.is_published and budget.current_version is None  # no distribution: metadata only

    catalog.identifiers[4] = "budget-primitif-2026"
    catalog.titles[4] = "Budget primitif 2026"
    second = services.run_source(source)

    assert second.counts() == {"created": 0, "updated": 1, "unchanged": 4, "gone": 0, "failed": 0}
    assert second.report["updated"] == ["jeu-4"]
    assert Dataset.objects.count() == 5
    renamed = HarvestedDataset.objects.get(dataset__dataset_id="jeu-4")
    assert renamed.remote_id == "budget-primitif-2026" and renamed.dataset.title == "Budget primitif 2026"
