"""What the OpenAPI document and the console say of each endpoint: descriptions and examples.

Examples come from the demo metropolis (Loire-et-Maine Métropole): EV charging points,
bike counters, subsidies. Responses are documented here because the views return
ready-made JSON (orjson) rather than Ninja schemas.
"""

from __future__ import annotations

from typing import Any

HOST = "https://data.loire-et-maine.fr"
API = HOST + "/api/explore/v2.1"
JSON = "application/json; charset=utf-8"

# -- path parameters --------------------------------------------------------------------

DATASET_ID = {"description": "Identifier of the dataset (`dataset_id` in the catalog).", "example": "bornes-irve"}
RECORD_ID = {
    "description": "Identifier of the record: its `_id`, returned with `include_links=true`.",
    "example": "3f1c5a0e9b2d47c8a6e1f0b9d2c4e7a1b3c5d6e7",
}
ATTACHMENT_ID = {
    "description": "Identifier of the attachment, from the attachments list.",
    "example": "schema_irve_json",
}
DATASET_FORMAT = {
    "description": "csv, json, jsonl, geojson, parquet, xlsx, shp, fgb, kml, gpx, ov2, jsonld, turtle, n3 or "
    "rdfxml (geographic formats need a geo_point_2d or geo_shape field).",
    "example": "csv",
}
CATALOG_FORMAT = {
    "description": "csv, json, xlsx (the catalog's metadata as a table), or DCAT-AP: dcat and rdf (RDF/XML), "
    "ttl (Turtle), jsonld (JSON-LD); rss (RSS 2.0) and data.json (Project Open Data 1.1).",
    "example": "dcat",
}

# -- examples ---------------------------------------------------------------------------

IRVE_FIELDS = [
    {"name": "nom_station", "label": "nom_station", "type": "text", "description": None, "annotations": {}},
    {"name": "puissance_nominale", "label": "puissance_nominale", "type": "double", "description": "kW",
     "annotations": {"sortable": [], "unit": ["kW"]}},
    {"name": "date_mise_en_service", "label": "date_mise_en_service", "type": "date", "description": None,
     "annotations": {"sortable": [], "timeserie_precision": ["day"]}},
    {"name": "coordonnees", "label": "coordonnees", "type": "geo_point_2d", "description": None, "annotations": {}},
]  # fmt: skip
IRVE_DATASET = {
    "dataset_id": "bornes-irve",
    "dataset_uid": "da_4f2a9c",
    "visibility": "domain",
    "has_records": True,
    "data_visible": True,
    "features": ["analyze", "geo", "timeserie"],
    "attachments": [
        {"id": "schema_irve_json", "title": "Schéma IRVE statique", "mimetype": "application/json",
         "url": "odsfile://schema-irve-statique.json"}
    ],
    "alternative_exports": [],
    "fields": IRVE_FIELDS,
    "metas": {
        "default": {
            "title": "Bornes de recharge pour véhicules électriques (IRVE)",
            "description": "<p>Localisation et caractéristiques des points de recharge ouverts au public.</p>",
            "theme": ["Transports", "Énergie"],
            "keyword": ["IRVE", "borne de recharge", "véhicule électrique"],
            "license": "etalab-2.0",
            "license_url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "language": "fr",
            "modified": "2025-03-03T08:15:00+00:00",
            "data_processed": "2025-03-03T08:15:00+00:00",
            "metadata_processed": "2025-02-12T10:02:41+00:00",
            "territory": ["Loire-et-Maine Métropole"],
            "publisher": "Loire-et-Maine Métropole",
            "records_count": 412,
        },
        "dcat": {
            "created": "2024-06-18T09:30:00+00:00",
            "creator": "Syndicat intercommunal d'énergies de Loire-et-Maine",
            "contact_name": "Service mobilité électrique",
            "contact_email": "irve@loire-et-maine.fr",
            "accrualperiodicity": "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
            "temporal_coverage_start": "2014-05-12",
            "temporal_coverage_end": "2025-03-01",
            "spatial": ["Loire-et-Maine Métropole"],
        },
    },
}  # fmt: skip
IRVE_RECORD = {
    "nom_station": "Parking Gare Sud",
    "puissance_nominale": 22.0,
    "date_mise_en_service": "2021-09-14",
    "coordonnees": {"lon": -0.5521, "lat": 47.4648},
}
BAD_REQUEST_EXAMPLE = {
    "message": "ODSQL query is malformed: unknown field: puissance (at line 1, column 1) "
    "Clause(s) containing the error(s): where.",
    "error_code": "ODSQLError",
}


def _json(description: str, examples: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {JSON: {"examples": {name: {"value": value} for name, value in examples.items()}}},
    }


def _file(description: str, media_types: dict[str, str]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {media_type: {"example": example} for media_type, example in media_types.items()},
    }


ERRORS = {
    400: _json("Invalid parameter or ODSQL clause.", {"odsql": BAD_REQUEST_EXAMPLE}),
    401: _json(
        "The API key sent is unknown, revoked or expired.",
        {"key": {"message": "The API key is unknown, revoked or expired.", "error_code": "InvalidAPIKey"}},
    ),
    429: _json(
        "Too many calls: the quota of the address or of the API key is spent until reset_time.",
        {"quota": {"errorcode": 10002, "reset_time": "2025-03-04T00:00:00Z", "limit_time_unit": "day",
                   "call_limit": 50000, "error": "Too many requests from this address. Please retry later or use an "
                   "API key."}},
    ),
}  # fmt: skip
NOT_FOUND = _json(
    "Unknown dataset, or not visible to the caller (restricted without a grant).",
    {"dataset": {"message": "Unknown dataset: bornes-irv", "error_code": "NotFound"}},
)


def responses(ok: dict[str, Any], *, not_found: bool = False) -> dict[str, Any]:
    """`openapi_extra` of an operation: its 200 response and the errors it can answer."""
    documented = {200: ok, **ERRORS}  # int keys: Ninja's own 200 is merged, not doubled
    if not_found:
        documented[404] = NOT_FOUND
    return {"responses": documented}


def _links(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"href": f"{API}/{path}", "rel": rel} for path, rel in pairs]


SOURCES = responses(_json("The sources of the API.", {"sources": {"links": _links(("catalog/", "catalog"))}}))
CATALOG_LINKS = responses(
    _json(
        "The catalog's endpoints.",
        {"catalog": {"links": _links(("catalog/datasets/", "datasets"), ("catalog/facets/", "facets"),
                                     ("catalog/exports/", "exports"))}},
    )
)  # fmt: skip
DATASETS = responses(
    _json(
        "A page of datasets, newest first unless order_by says otherwise.",
        {
            "datasets": {"total_count": 6, "results": [IRVE_DATASET]},
            "select": {"total_count": 6, "results": [{"dataset_id": "bornes-irve", "records_count": 412},
                                                     {"dataset_id": "comptages-velo", "records_count": 87600}]},
            "group_by": {"total_count": 4, "results": [{"theme": "Transports", "n": 2}, {"theme": "Énergie", "n": 2}]},
        },
    )
)  # fmt: skip
DATASET = responses(
    _json("The dataset, or its selected metadata at the root with `select`.",
          {"dataset": IRVE_DATASET, "select": {"title": IRVE_DATASET["metas"]["default"]["title"],
                                               "modified": "2025-03-03T08:15:00+00:00"}}),
    not_found=True,
)  # fmt: skip
CATALOG_FACETS = responses(
    _json(
        "Each facet's values with the number of datasets.",
        {"facets": {"_links": [], "facets": [{"name": "theme", "facets": [
            {"name": "Transports", "value": "Transports", "count": 2, "state": "displayed"},
            {"name": "Énergie", "value": "Énergie", "count": 2, "state": "displayed"},
            {"name": "Environnement", "value": "Environnement", "count": 2, "state": "displayed"}]}]}},
    )
)  # fmt: skip
RECORDS = responses(
    _json(
        "A page of records, or of groups with group_by.",
        {
            "records": {"total_count": 412, "results": [IRVE_RECORD]},
            "group_by": {"total_count": 3, "results": [
                {"puissance_nominale": 7.4, "n": 168}, {"puissance_nominale": 22.0, "n": 201},
                {"puissance_nominale": 50.0, "n": 43}]},
            "include_links": {"total_count": 412, "results": [{
                **IRVE_RECORD, "_id": RECORD_ID["example"], "_timestamp": "2025-03-03T08:15:00+00:00",
                "_links": _links((f"catalog/datasets/bornes-irve/records/{RECORD_ID['example']}", "self"),
                                 ("catalog/datasets/bornes-irve", "dataset"))}],
                "_links": _links(("catalog/datasets/bornes-irve/records?limit=10&offset=0", "self"),
                                 ("catalog/datasets/bornes-irve/records?limit=10&offset=10", "next"))},
        },
    ),
    not_found=True,
)  # fmt: skip
RECORD = responses(_json("The record's fields.", {"record": IRVE_RECORD}), not_found=True)
DATASET_FACETS = responses(
    _json(
        "Each facet's values and counts under the filters; dates nest months under refined years.",
        {"facets": {"_links": [], "facets": [
            {"name": "date_mise_en_service", "facets": [
                {"name": "2021", "value": "2021", "count": 96, "state": "refined", "facets": [
                    {"name": "09", "value": "2021/09", "count": 12, "state": "displayed"}]}]},
            {"name": "nom_operateur", "facets": [
                {"name": "Loire-et-Maine Énergies", "value": "Loire-et-Maine Énergies", "count": 61,
                 "state": "displayed"}]}]}},
    ),
    not_found=True,
)  # fmt: skip
ATTACHMENTS = responses(
    _json("The dataset's attached files.", {"attachments": {"_links": [], "attachments": [
        {"href": f"{API}/catalog/datasets/bornes-irve/attachments/schema_irve_json",
         "metas": {"mime-type": "application/json", "title": "Schéma IRVE statique", "id": "schema_irve_json"}}]}}),
    not_found=True,
)  # fmt: skip
ATTACHMENT = responses(
    _file("The file, as an attachment.", {"application/octet-stream": ""}),
    not_found=True,
)
DATASET_EXPORT_FORMATS = responses(
    _json("Links to the dataset's exports, one per format (`rel` is the format).", {"formats": {"_links": _links(
        ("catalog/datasets/bornes-irve/exports/csv", "csv"), ("catalog/datasets/bornes-irve/exports/json", "json"),
        ("catalog/datasets/bornes-irve/exports/geojson", "geojson"))}}),
    not_found=True,
)  # fmt: skip
DATASET_EXPORT = responses(
    _file(
        "The file, streamed (Content-Disposition names it `<dataset_id>.<extension>`).",
        {
            "text/csv; charset=utf-8": "nom_station;puissance_nominale;date_mise_en_service;coordonnees\r\n"
            "Parking Gare Sud;22.0;2021-09-14;47.4648,-0.5521\r\n",
            "application/json; charset=utf-8": [IRVE_RECORD],
            "application/geo+json": {"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.5521, 47.4648]},
                 "properties": {"nom_station": "Parking Gare Sud", "puissance_nominale": 22.0}}]},
        },
    ),
    not_found=True,
)  # fmt: skip
CATALOG_EXPORT_FORMATS = responses(
    _json("Links to the catalog's exports, one per format (`rel` is the format).", {"formats": {"_links": _links(
        *((f"catalog/exports/{name}", name) for name in ("csv", "json", "xlsx", "dcat", "rdf", "ttl", "jsonld")))}}),
)  # fmt: skip
CATALOG_EXPORT = responses(
    _file(
        "The catalog as a file.",
        {
            "text/csv; charset=utf-8": "dataset_id;title;theme;records_count\r\n"
            "bornes-irve;Bornes de recharge pour véhicules électriques (IRVE);Transports,Énergie;412\r\n",
            "application/rdf+xml": '<rdf:RDF xmlns:dcat="http://www.w3.org/ns/dcat#" ...>\n'
            f'  <dcat:Dataset rdf:about="{API}/catalog/datasets/bornes-irve">...</dcat:Dataset>\n</rdf:RDF>',
            "text/turtle; charset=utf-8": f"<{API}/catalog/datasets/bornes-irve> a dcat:Dataset ;\n"
            '    dct:title "Bornes de recharge pour véhicules électriques (IRVE)"@fr .',
        },
    )
)

# -- descriptions -----------------------------------------------------------------------

DESCRIPTIONS = {
    "sources": "Links to the sources of the API; `catalog` is the portal's own catalog.",
    "catalog": "Links to the catalog's endpoints: datasets, facets and exports.",
    "datasets": """The datasets the caller may see, queried with ODSQL over their metadata: `where` on
`title`, `theme`, `keyword`, `publisher`, `modified`, `records_count`, `features`... (`default.` may
prefix a default metadata, `dcat.` names DCAT ones such as `dcat.creator`), `search("...")` for
full-text search, `refine=theme:Transports`. With `select` or `group_by` the results are the selected
values, not dataset objects.""",
    "catalog_facets": "Values of the catalog's facets (theme, keyword, license, language, publisher, modified, "
    "features by default) with the number of datasets, under the same filters as the datasets listing.",
    "dataset": "One dataset: its fields, attachments and metadata as the caller may see them (fields hidden "
    "to the caller are not listed; counts follow the caller's row filters). With `select`, the selected "
    "metadata are returned at the root of the object (`select=title, modified`).",
    "records": """Records of a dataset: `select` fields or expressions, filter with `where`, `refine` and
`exclude`, aggregate with `group_by`, sort with `order_by`, page with `limit` and `offset`. Without
`group_by`, `limit` ≤ 100 and `offset + limit` ≤ 10,000 (use the exports beyond); with `group_by`,
up to 20,000 groups. `limit=-1` asks for the most allowed. Records carry `_id`, `_timestamp` and
`_links` only with `include_links=true`.""",
    "record": "One record by its `_id` (404 if unknown, or outside the caller's row filters).",
    "dataset_facets": """Values and counts of the dataset's facets under the filters. Without `facet`, the
fields annotated `facet`. Refined values are marked `refined`, excluded ones `excluded`; date facets
are hierarchical (years, months of a refined year, days of a refined month); a disjunctive facet
(`facet(name="f", disjunctive=true)`) keeps its other values selectable.""",
    "attachments": "Files attached to the dataset (documentation, schemas), with their download links.",
    "attachment": "Download one attached file.",
    "dataset_exports": "Links to the dataset's exports, one per format.",
    "dataset_export": """The dataset's records as a file, streamed whatever its size: the same `select`,
`where`, `refine`, `exclude`, `group_by`, `order_by` and `limit` (default all, -1) as records, then
the format's options: `use_labels` (headers from field labels), `compressed` (gzip), `epsg`
(projection of geographic formats), CSV `delimiter`, `list_separator`, `quote_all`, `with_bom`,
Parquet `parquet_compression`, GPX `name_field`, `description_field_list`, `use_extension`.""",
    "catalog_exports": "Links to the catalog's exports, one per format.",
    "catalog_export": """The caller's catalog as a file. `csv`, `json` and `xlsx` write one row per
dataset with its metadata fields (the fields of the datasets listing), with `select`, `where`,
`group_by`, `order_by`, `limit` (default all) and the CSV options. `dcat` and `rdf` (RDF/XML),
`ttl` (Turtle) and `jsonld` (JSON-LD) describe the datasets chosen by `where`, `refine`,
`exclude`, `order_by`, `limit` and `offset` in DCAT-AP 3: one `dcat:Catalog` (the portal), one
`dcat:Dataset` per dataset with one `dcat:Distribution` per export format; `include_exports`
chooses the formats (`csv,json,geojson,shp`), `use_labels_in_exports` (default true) adds
`use_labels=true` to the CSV and XLSX download URLs. This is the request data.gouv.fr harvests:
`/api/explore/v2.1/catalog/exports/dcat/?where=keyword="mobilité"&include_exports=json,csv,shp,geojson`.""",
}
