"""Catalog exports as files (§2.2): the list of formats, CSV with its options, JSON, XLSX."""

from __future__ import annotations

import csv
import io
import json

import openpyxl

from datapolis.catalog import services
from datapolis.catalog.models import Dataset

BASE_URL = "http://data.example.fr/api/explore/v2.1/catalog/exports/"
UTF8_BOM = b"\xef\xbb\xbf"


def csv_rows(content: bytes, delimiter: str = ";") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def test_the_export_formats_are_listed(api) -> None:
    response = api("/catalog/exports")

    assert response.status_code == 200
    assert response.data == {
        "_links": [
            {"href": BASE_URL + name, "rel": name}
            for name in ("csv", "json", "xlsx", "dcat", "rdf", "ttl", "jsonld", "rss", "data.json")
        ]
    }


def test_csv_lists_every_visible_dataset(api, velib, no2) -> None:
    response = api("/catalog/exports/csv")
    rows = csv_rows(response.content)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="catalog.csv"'
    assert response.content.startswith(UTF8_BOM)  # with_bom defaults to true in v2.1
    assert b"\r\n" in response.content
    by_id = {row["dataset_id"]: row for row in rows}
    assert set(by_id) == {"velib", "no2"}
    assert int(by_id["velib"]["records_count"]) == len(velib)
    assert int(by_id["no2"]["records_count"]) == len(no2)
    assert by_id["velib"]["title"] == "Vélib' stations"
    assert by_id["velib"]["theme"] == "Transports"
    assert by_id["velib"]["features"] == "analyze,geo"
    assert by_id["velib"]["visibility"] == "domain"
    # newest first, as the datasets listing
    assert [row["dataset_id"] for row in rows] == ["no2", "velib"]


def test_csv_options(api, velib) -> None:
    services.update_metadata(Dataset.objects.get(dataset_id="velib"), {"keywords": ["vélo", "station"]})

    response = api(
        "/catalog/exports/csv", delimiter="|", list_separator=" / ", quote_all="true", with_bom="false",
        select="dataset_id, keyword, records_count",
    )  # fmt: skip

    assert not response.content.startswith(UTF8_BOM)
    lines = response.content.decode().split("\r\n")
    # quote_all quotes strings; numbers stay bare (the engine's rule, header included)
    assert lines[0] == '"dataset_id"|"keyword"|records_count'
    assert lines[1] == f'"velib"|"vélo / station"|{len(velib)}'


def test_use_labels_writes_the_field_labels(api, velib) -> None:
    response = api("/catalog/exports/csv", select="dataset_id, records_count", use_labels="true")

    assert response.content.decode("utf-8-sig").split("\r\n")[0] == "Identifier;Records"


def test_json_with_where_select_order_and_limit(api, velib, no2) -> None:
    response = api(
        "/catalog/exports/json", select="dataset_id, records_count", where="records_count > 100",
        order_by="records_count", limit=1,
    )  # fmt: skip

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content) == [{"dataset_id": "velib", "records_count": len(velib)}]


def test_refine_exclude_and_group_by(api, velib, no2) -> None:
    refined = json.loads(api("/catalog/exports/json", refine="theme:Environnement", select="dataset_id").content)
    excluded = json.loads(api("/catalog/exports/json", exclude="theme:Environnement", select="dataset_id").content)
    grouped = json.loads(
        api("/catalog/exports/json", select="language, count(*) as n, sum(records_count) as rows",
            group_by="language").content
    )  # fmt: skip

    unrefined = json.loads(api("/catalog/exports/json", refine="", select="dataset_id", order_by="dataset_id").content)

    assert refined == [{"dataset_id": "no2"}]
    assert unrefined == [{"dataset_id": "no2"}, {"dataset_id": "velib"}]  # `refine=` refines nothing
    assert excluded == [{"dataset_id": "velib"}]
    assert grouped == [{"language": "fr", "n": 2, "rows": len(velib) + len(no2)}]


def test_xlsx(api, velib, no2) -> None:
    response = api("/catalog/exports/xlsx", select="dataset_id, title, records_count", order_by="dataset_id")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert response["Content-Disposition"] == 'attachment; filename="catalog.xlsx"'
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["dataset_id", "title", "records_count"],
        ["no2", "NO2", len(no2)],
        ["velib", "Vélib' stations", len(velib)],
    ]


def test_restricted_datasets_are_not_exported_to_the_public(api, velib, shared_datasets) -> None:
    services.import_file(shared_datasets / "joconde" / "joconde.csv", "joconde", visibility="restricted")

    rows = csv_rows(api("/catalog/exports/csv").content)

    assert [row["dataset_id"] for row in rows] == ["velib"]


def test_unknown_formats_and_bad_options_are_errors(api, velib) -> None:
    unknown = api("/catalog/exports/docx")
    not_enabled = api("/catalog/exports/dcat_ap_ch")
    bad_delimiter = api("/catalog/exports/csv", delimiter="x")
    bad_odsql = api("/catalog/exports/csv", where="records_count >")

    assert unknown.status_code == 400
    assert unknown.data["error_code"] == "InvalidRESTParameterError"
    assert "csv" in unknown.data["message"] and "jsonld" in unknown.data["message"]
    assert not_enabled.status_code == 400
    assert bad_delimiter.status_code == 400
    assert bad_odsql.status_code == 400 and bad_odsql.data["error_code"] == "ODSQLError"
