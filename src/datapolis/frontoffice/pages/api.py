"""A dataset's API tab: the Explore API URLs and snippets of the page's query."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

from datapolis.frontoffice.pages.common import API_BASE, DatasetPage
from datapolis.frontoffice.state import (
    TIMEZONE,
)


def api_urls(page: DatasetPage, request: HttpRequest) -> dict[str, Any]:
    origin = request.build_absolute_uri("/")[:-1]
    state = page.state
    records = origin + page.api_url("records", state.records_params(with_page=True))
    facets = origin + page.api_url("facets", [*state.filter_params(), ("timezone", TIMEZONE)])
    export = origin + page.api_url("exports/csv", [*state.filter_params(), ("timezone", TIMEZONE)])
    dataset = origin + f"{API_BASE}/catalog/datasets/{page.dataset.dataset_id}"
    params = dict(state.records_params(with_page=True))
    python_params = ",\n".join(f"    ({json.dumps(k)}, {json.dumps(v, ensure_ascii=False)})"
                               for k, v in state.records_params(with_page=True))  # fmt: skip
    base = origin + page.api_url("records", [])
    js_params = json.dumps([list(pair) for pair in state.records_params(with_page=True)], ensure_ascii=False)
    return {
        "records": records,
        "facets": facets,
        "export_csv": export,
        "dataset": dataset,
        "console": origin + f"{API_BASE}/console",
        "curl": f"curl -G '{base}' \\\n"
        + " \\\n".join(
            f"  --data-urlencode {_shell_quote(f'{k}={v}')}" for k, v in state.records_params(with_page=True)
        ),
        "python": (
            "import requests\n\n"
            f"response = requests.get(\n    {json.dumps(base)},\n    params=[\n{python_params},\n    ],\n)\n"
            'for record in response.json()["results"]:\n    print(record)\n'
        ),
        "javascript": (
            f"const url = new URL({json.dumps(base)});\n"
            f"for (const [key, value] of {js_params}) {{\n"
            "  url.searchParams.append(key, value);\n}\n"
            "const response = await fetch(url);\n"
            "const { total_count, results } = await response.json();\n"
            "console.log(total_count, results);\n"
        ),
        "params": params,
    }


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
