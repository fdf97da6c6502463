"""The official Explore API v2.1 OpenAPI spec, fuzzed by schemathesis against a live server.

The spec is Opendatasoft's own (`../shared/specs/ods-explore-v2.1.openapi.json`, read from
there, never copied). Every operation gets generated requests (bounded per operation so
the run fits in CI) on the seeded datasets, unknown ones and real record ids; each
response must not be a server error and must conform to what the spec documents: status
code, content type and JSON schema.

Where the spec is wrong or looser than the reference it documents, `corrected_spec`
changes it, and only there; each correction says why (docs/explore-api.md lists them).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import SHARED_DATA

SPEC = Path(os.environ.get("DATAPOLIS_SHARED_SPECS", SHARED_DATA.parent / "specs")) / "ods-explore-v2.1.openapi.json"
EXAMPLES_PER_OPERATION = 100
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Realistic ODSQL on each seeded dataset (and on the catalog), mixed with generated text,
# so that generated requests reach the query engine and not only the parser's error path.
QUERIES = {
    "velib": [
        {"select": "nom_de_la_station, capacite_de_la_station", "where": 'search("gare")'},
        {"where": "within_distance(coordonnees_geographiques, geom'POINT(2.35 48.85)', 1km)"},
        {"select": "count(*) as n, avg(capacite_de_la_station) as capacite", "order_by": "n"},
        {"refine": "capacite_de_la_station:20", "facet": "capacite_de_la_station"},
    ],
    "mesures-no2": [
        {"select": "count(*) as n", "group_by": "nom_station", "order_by": "n desc"},
        {"where": "niveau > 40 and date >= date'2020-01-01'", "order_by": "niveau desc"},
        {"select": "year(date) as annee, avg(niveau) as moyenne", "group_by": "year(date)"},
        {"refine": "nom_zone:Angers", "facet": "nom_station"},
    ],
    "arrondissements": [
        {"select": "l_ar, surface", "order_by": "surface desc"},
        {"where": "intersects(geo_shape, geom'POINT(2.35 48.86)')"},
    ],
    "joconde": [{"where": 'search("monnaie")'}, {"select": "domaine, count(*) as n", "group_by": "domaine"}],
    "no-such-dataset": [{"where": "true"}],
}
CATALOG_QUERIES = [
    {"select": "dataset_id, records_count", "where": "records_count > 100"},
    {"where": 'theme = "Transports"', "order_by": "modified desc"},
    {"refine": "publisher:Ville de Paris", "facet": "theme"},
    {"select": "publisher, count(*) as n", "group_by": "publisher"},
]
VELIB_RECORDS = 5


def corrected_spec(server_api: str) -> dict[str, Any]:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": server_api}]
    paths = spec["paths"]
    # 1. Typo in the spec: getDataset's 200 media type is "application/json; charset=utf-8json".
    content = paths["/catalog/datasets/{dataset_id}"]["get"]["responses"]["200"]["content"]
    content["application/json; charset=utf-8"] = content.pop("application/json; charset=utf-8json")
    # 2. Unknown datasets and records answer 404 (the spec's descriptions say so; its
    #    responses omit it). The body has the shape of the other errors (§2.6).
    error_body = spec["components"]["responses"]["bad_request"]["content"]
    for path, item in paths.items():
        if "{dataset_id}" in path:
            item["get"]["responses"]["404"] = {"description": "Not found", "content": error_body}
    # 3. Security: the spec declares an `apikey` query parameter for every operation, so
    #    schemathesis would send random keys, and a random key is refused (401) before the
    #    request reaches the API. Generated requests are sent anonymously or with a real key.
    spec.pop("security", None)
    # 4. Link relations: export lists name each link by its format (`"rel": "csv"`), which
    #    the `links` schema's enum (self, first, last, next, dataset, catalog) omits.
    del spec["components"]["schemas"]["links"]["properties"]["rel"]["enum"]
    return spec


def record_ids(server_api: str) -> list[str]:
    response = requests.get(
        f"{server_api}/catalog/datasets/velib/records",
        params={"include_links": "true", "limit": VELIB_RECORDS},
        timeout=30,
    )
    return [record["_id"] for record in response.json()["results"]]


@pytest.mark.slow
def test_the_official_spec_holds_on_a_live_server(server) -> None:
    schema = schemathesis.openapi.from_dict(corrected_spec(server.api))
    ids = record_ids(server.api)
    requests_sent: Counter[str] = Counter()
    status_codes: Counter[int] = Counter()
    failures: list[str] = []
    session = requests.Session()

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        strategy = _cases(operation, ids)

        def send(generated, label=label):
            case, with_key = generated
            headers = {"Authorization": f"Apikey {server.api_key}"} if with_key else None
            response = case.call(base_url=server.api, session=session, headers=headers, timeout=60)
            requests_sent[label] += 1
            status_codes[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, BaseExceptionGroup) as error:  # gather every failure, report them all
                failures.append(f"{label} {response.status_code} {response.request.url}\n{error}")

        _fuzz(strategy, send)

    report = (
        f"{len(operations)} operations, {sum(requests_sent.values())} requests, "
        f"status codes {dict(sorted(status_codes.items()))}, per operation {dict(requests_sent)}"
    )
    print(report)  # the figures of the run (pytest -s shows them)
    assert len(operations) == 16
    assert all(count > 0 for count in requests_sent.values()), report
    assert failures == [], "\n\n".join(failures[:20])


def _fuzz(strategy, send) -> None:
    """Send up to EXAMPLES_PER_OPERATION generated cases, reproducibly, without shrinking."""

    @given(generated=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(generated) -> None:
        send(generated)

    run()


def _cases(operation, record_ids: list[str]):
    """Generated cases on a seeded (or unknown) dataset, half of them with a realistic query."""
    path = {parameter.name for parameter in operation.path_parameters}
    known_query = {parameter.name for parameter in operation.query}

    def queries(dataset_id: str | None) -> list[dict[str, str]]:
        chosen = QUERIES[dataset_id] if dataset_id else CATALOG_QUERIES
        return [{}] + [{key: value for key, value in query.items() if key in known_query} for query in chosen]

    def path_values(dataset_id: str | None):
        values = {"dataset_id": st.just(dataset_id)} if dataset_id else {}
        if "record_id" in path:
            real = record_ids if dataset_id == "velib" else []
            values["record_id"] = st.sampled_from([*real, "no-such-record"])
        return st.fixed_dictionaries(values)

    datasets = st.sampled_from(list(QUERIES)) if "dataset_id" in path else st.just(None)
    return st.tuples(datasets, st.booleans()).flatmap(
        lambda chosen: st.tuples(path_values(chosen[0]), st.sampled_from(queries(chosen[0]))).flatmap(
            lambda pair: operation.as_strategy(path_parameters=pair[0] or None, query=pair[1] or None).map(
                lambda case: (case, chosen[1])
            )
        )
    )
