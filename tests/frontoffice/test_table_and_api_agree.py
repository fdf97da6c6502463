"""The table shows what the Explore API returns for the URLs the API tab gives."""

from __future__ import annotations

import json
import re
from html import unescape

from django.test import Client

from datapolis.frontoffice.state import PageState
from datapolis.odsql import odsql_string
from tests.access.fixtures import MAIN_HOST, ROWS, Matrix


def cells(html: str, column: int) -> list[str]:
    body = html.split("<tbody")[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row)[column] for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_filtered_sorted_table_rows_are_the_api_rows(matrix_with_data: Matrix) -> None:
    client = Client(HTTP_HOST=MAIN_HOST)
    query = {"min.population": "200", "c.commune": "cla", "sort": "-population"}

    table = client.get("/dataset/public/table/", query).content.decode()
    api_page = client.get("/dataset/public/api/", query).content.decode()
    url = unescape(re.search(r'id="api-records" type="text" readonly value="([^"]+)"', api_page).group(1))
    body = client.get(url.replace("http://" + MAIN_HOST, "")).json()

    expected = sorted((row for row in ROWS if row[2] >= 200 and row[1] == "Clamart"), key=lambda row: -row[2])
    assert [int(value) for value in cells(table, 0)] == [row[0] for row in expected]
    assert [str(record["id"]) for record in body["results"]] == [str(row[0]) for row in expected]
    assert body["total_count"] == len(expected)


def test_the_export_links_carry_the_filters(matrix_with_data: Matrix) -> None:
    client = Client(HTTP_HOST=MAIN_HOST)
    page = client.get("/dataset/public/export/", {"refine": "commune:Meudon"}).content.decode()
    url = unescape(re.search(r'href="([^"]+/exports/csv[^"]*)"', page).group(1))

    lines = client.get(url).getvalue().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + sum(1 for row in ROWS if row[1] == "Meudon")
    assert "geojson" in page and "kml" in page  # geographic formats for a dataset with a geo field


def test_hostile_filter_text_is_quoted_not_interpreted(matrix_with_data: Matrix) -> None:
    client = Client(HTTP_HOST=MAIN_HOST)
    for text in ['Meudon" OR "1"="1', '") OR 1=1 --', "' ; DROP TABLE x", 'Meudon\\" OR "x']:
        response = client.get("/dataset/public/table/", {"q": text, "c.commune": text})
        html = response.content.decode()
        assert response.status_code == 200 and 'role="alert"' not in html
        assert "No record matches these filters." in html, text
    assert odsql_string('a"b\\c') == '"a\\"b\\\\c"'


def test_the_state_lives_in_the_url_and_round_trips(matrix_with_data: Matrix) -> None:
    from django.http import QueryDict

    from datapolis.catalog.fields import field_specs

    fields = field_specs(matrix_with_data.datasets["public"])
    query = QueryDict("q=meu&c.commune=meu&min.population=100&max.population=x&refine=commune:Meudon&sort=-id&page=2")
    state = PageState.from_query(query, fields)

    assert state.errors == ["population"]  # max=x is not a number: ignored, reported
    again = PageState.from_query(QueryDict(state.querystring()), fields)
    assert again.url_params() == state.url_params() and again.page == 2
    assert state.where_clauses() == ['"meu"', 'suggest(`commune`, "meu")', "`population` >= 100"]


def test_the_chart_is_a_vega_lite_spec_over_an_api_aggregation(matrix_with_data: Matrix) -> None:
    client = Client(HTTP_HOST=MAIN_HOST)
    page = client.get("/dataset/public/chart/", {"x": "commune", "y": "population", "agg": "sum"}).content.decode()
    spec = json.loads(re.search(r'<script id="chart-spec" type="application/json">(.*?)</script>', page, re.S).group(1))

    assert spec["$schema"].endswith("vega-lite/v6.json") and spec["mark"]["type"] == "bar"
    data = client.get(spec["data"]["url"]).json()[spec["data"]["format"]["property"]]
    totals = {}
    for _, commune, population, *_ in ROWS:
        totals[commune] = totals.get(commune, 0) + population
    assert {item["x"]: item["y"] for item in data} == totals
    assert spec["data"]["url"] in unescape(page)  # the query is shown
