"""data.gouv.fr's harvester (udata's DCAT backend) harvesting a live Datapolis portal.

Runs in its own environment, `.venv-udata` (udata's pins conflict with Datapolis's; see
tests/api/compat/udata-requirements.txt, installed by scripts/install), never imported by
pytest: test_udata_dcat_harvest.py runs

    .venv-udata/bin/python tests/api/compat/udata_harvest.py < request.json

where the request is {"base": "http://127.0.0.1:PORT", "ods_datasets": [{"dataset_id",
"title", "license", "geo"}...], "filters": [...]}, and reads the JSON report printed on
stdout.

The udata application is built as udata's own tests build it (`udata.tests`:
`create_app(Defaults, override=Testing)`, the DCAT backend enabled, as their
`HARVESTER_BACKENDS=["dcat"]` marker does), with mongomock standing in for MongoDB, and
each harvest runs synchronously (`udata.harvest.actions.run`, what the Celery task calls):
`DcatBackend` does the HEAD and GET requests it does on data.gouv.fr, parses the RDF and
creates, updates and archives datasets with its own rules.

Scenarios, the first two on one database, each of the others on an empty one:

- `first`: a new source at the URL udata-ods gives Opendatasoft portals, harvested once;
- `again`: the same source harvested a second time (nothing new may appear);
- `migration`: the state data.gouv.fr holds for a portal that was on Opendatasoft, then the
  same source harvested from Datapolis (see `opendatasoft_datasets`);
- `filtered`: a source whose udata-ods filters became a `where` clause.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import mongomock

API_PATH = "api/explore/v2.1"
# What udata-ods 4.0.0's migration (migrations/2023-05-22-migrate-to-dcat-harvest.py)
# gives every Opendatasoft source: `include_exports` and `lang` parameters, the filters as
# `where` (its OdsBackend.FILTERS maps the filter keys to Opendatasoft facets).
ODS_INCLUDE_EXPORTS = "json,csv,shp,geojson"
ODS_FILTER_FACETS = {"tags": "keyword", "publisher": "publisher"}
# How long ago the migrated datasets were last harvested: past udata's autoarchive grace
# period (HARVEST_AUTOARCHIVE_GRACE_DAYS), so that one the new harvest did not find again
# would be archived.
LAST_HARVESTED_DAYS_AGO = 365

# data.gouv.fr's licences (its /api/1/datasets/licenses/ list), which `License.guess`
# matches the harvested dct:license against (identifier, slug, URL, alternate URLs, then
# near titles: the whole list matters).
LICENSES = [
    ("cc-by", "Creative Commons Attribution", "http://www.opendefinition.org/licenses/cc-by", [], []),
    ("cc-by-sa", "Creative Commons Attribution Share-Alike", "http://www.opendefinition.org/licenses/cc-by-sa",
     [], []),
    ("cc-zero", "Creative Commons CCZero", "http://www.opendefinition.org/licenses/cc-zero", [], []),
    ("fr-lo", "Licence Ouverte / Open Licence",
     "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
     ["https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Open_Licence.pdf"], ["LO/OL"]),
    ("lov2", "Licence Ouverte / Open Licence version 2.0", "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
     ["https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
      "https://github.com/etalab/Licence-Ouverte/blob/master/LO.md"],
     ["License Etalab", "License Etalab v2", "License Etalab v2.0", "Licence Ouverte (Etalab)", "License Ouverte",
      "Licence Ouverte v2", "Licence Ouverte v2.0", "Licence Ouverte v2.0 (Etalab)", "Licence Ouverte version 2.0",
      "Open Licence v2", "Open Licence v2.0", "Open Licence version 2.0", "Licence Ouverte / Open Licence v2",
      "Licence Ouverte / Open Licence v2.0", "etalab-2.0"]),
    ("notspecified", "License Not Specified", None, [], []),
    ("odc-by", "Open Data Commons Attribution License", "http://opendatacommons.org/licenses/by/summary/", [], []),
    ("odc-odbl", "Open Data Commons Open Database License (ODbL)", "http://opendatacommons.org/licenses/odbl/summary/",
     ["https://opendefinition.org/licenses/odc-odbl"],
     ["Open Database License (ODbL) 1.0", "Open Data Commons Open Database License 1.0", "Open Database License"]),
    ("odc-pddl", "Open Data Commons Public Domain Dedication and Licence (PDDL)",
     "http://opendatacommons.org/licenses/pddl/summary/", [], []),
    ("other-at", "Other (Attribution)", None, [], []),
    ("other-open", "Other (Open)", None, [], []),
    ("other-pd", "Other (Public Domain)", None, [], []),
]  # fmt: skip


def source_url(base: str, filters: list[dict[str, str]] | None = None) -> str:
    """udata-ods's `ods_to_dcat_catalog_url` (with its `build_where_clause`)."""
    params = {}
    if filters:
        clauses = [
            ("NOT " if f.get("type") == "exclude" else "") + ODS_FILTER_FACETS[f["key"]] + f'="{f["value"]}"'
            for f in filters
        ]
        params["where"] = " AND ".join(clauses)
    params["include_exports"] = ODS_INCLUDE_EXPORTS
    params["lang"] = "fr"
    return f"{base}/{API_PATH}/catalog/exports/dcat/?{urlencode(params)}"


def create_udata_app():
    from udata import settings
    from udata.app import create_app

    class Harvesting(settings.Testing):
        HARVESTER_BACKENDS = ["dcat"]
        # mongomock instead of a MongoDB server: flask_mongoengine hands these settings to
        # mongoengine.connect.
        MONGODB_HOST = "mongodb://localhost:27017/udata"
        MONGODB_SETTINGS = {"host": "mongodb://localhost:27017/udata", "mongo_client_class": mongomock.MongoClient}
        URLS_ALLOW_LOCAL = True  # the portal listens on 127.0.0.1

    return create_app(settings.Defaults, override=Harvesting)


def empty_database() -> None:
    from udata.models import License
    from udata.mongo import db

    database = db.connection.get_database("udata")
    for name in database.list_collection_names():
        database[name].delete_many({})
    for identifier, title, url, alternate_urls, alternate_titles in LICENSES:
        License.objects.create(id=identifier, title=title, url=url, alternate_urls=alternate_urls,
                               alternate_titles=alternate_titles)  # fmt: skip


def new_source(base: str, filters: list[dict[str, str]] | None = None):
    from udata.harvest.models import HarvestSource
    from udata.models import Organization

    organization = Organization.objects.create(name="Métropole de test", description="Its open data portal")
    return HarvestSource.objects.create(
        name="Portail open data", url=source_url(base, filters), backend="dcat", organization=organization
    )


def harvest(source) -> dict:
    from udata.harvest import actions

    actions.run(source)
    source.reload()
    job = source.get_last_job()
    return {
        "source_url": source.url,
        "status": job.status,
        "errors": [error.message for error in job.errors],
        "items": [
            {"remote_id": item.remote_id, "status": item.status, "errors": [error.message for error in item.errors]}
            for item in job.items
        ],
        "datasets": all_datasets(),
    }


def all_datasets() -> list[dict]:
    from udata.models import Dataset

    return [describe(dataset) for dataset in Dataset.objects.order_by("harvest.remote_id")]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def describe(dataset) -> dict:
    metadata = dataset.harvest
    return {
        "id": str(dataset.id),
        "remote_id": metadata.remote_id,
        "source_id": metadata.source_id,
        "title": dataset.title,
        "license": dataset.license.id if dataset.license else None,
        "archived": iso(dataset.archived),
        "harvest_archived_at": iso(metadata.archived_at),
        "uri": metadata.uri,
        "remote_url": metadata.remote_url,
        "issued_at": iso(metadata.issued_at),
        "modified_at": iso(metadata.modified_at),
        "last_update": iso(metadata.last_update),
        "resources": [
            {
                "id": str(resource.id),
                "url": resource.url,
                "format": resource.format,
                "mime": resource.mime,
                "title": resource.title,
            }
            for resource in dataset.resources
        ],
    }


def opendatasoft_resources(base: str, dataset_id: str, geo: bool) -> list[dict[str, str]]:
    """The resources data.gouv.fr made of Opendatasoft's DCAT distributions (include_exports).

    Opendatasoft's URLs (the export URL, `?use_labels=true` on CSV), titles and IANA
    media types (application/json for GeoJSON too), as udata's `resource_from_rdf` reads
    them: the format is the media type's subtype.
    """
    exports = f"{base}/{API_PATH}/catalog/datasets/{dataset_id}/exports"
    resources = [
        {"url": f"{exports}/csv?use_labels=true", "title": f"{dataset_id}.csv", "mime": "text/csv", "format": "csv"},
        {"url": f"{exports}/json", "title": f"{dataset_id}.json", "mime": "application/json", "format": "json"},
    ]
    if geo:
        resources += [
            {"url": f"{exports}/geojson", "title": f"{dataset_id}.geojson", "mime": "application/json",
             "format": "json"},
            {"url": f"{exports}/shp", "title": f"{dataset_id}.zip", "mime": "application/zip", "format": "zip"},
        ]  # fmt: skip
    return resources


def opendatasoft_datasets(base: str, source, datasets: list[dict]) -> None:
    """What data.gouv.fr holds for a portal harvested from Opendatasoft.

    udata-ods's migration made each dataset's remote id its page URL (`dataset_home_url`:
    `<portal>/explore/dataset/<id>/`) and the source a DCAT one; since then the source is
    harvested from Opendatasoft's DCAT export, whose distributions the datasets' resources
    are. Last harvested long ago (see LAST_HARVESTED_DAYS_AGO).
    """
    from udata.core.dataset.models import HarvestDatasetMetadata, HarvestResourceMetadata, Resource
    from udata.models import Dataset, License

    long_ago = datetime.now(UTC) - timedelta(days=LAST_HARVESTED_DAYS_AGO)
    for ods in datasets:
        home = f"{base}/explore/dataset/{ods['dataset_id']}/"
        dataset = Dataset(
            title=ods["title"],
            description=f"{ods['title']}, harvested from Opendatasoft",
            organization=source.organization,
            license=License.objects.get(id=ods["license"]),
        )
        dataset.harvest = HarvestDatasetMetadata(
            backend="DCAT", domain=source.domain, source_id=str(source.id), source_url=source.url, remote_id=home,
            dct_identifier=home, uri=home, remote_url=home, last_update=long_ago,
        )  # fmt: skip
        dataset.resources = [
            Resource(filetype="remote", harvest=HarvestResourceMetadata(last_update=long_ago), **resource)
            for resource in opendatasoft_resources(base, ods["dataset_id"], ods["geo"])
        ]
        dataset.save()


def main() -> None:
    request = json.load(sys.stdin)
    base = request["base"].rstrip("/")
    app = create_udata_app()
    report = {}
    with app.app_context(), app.test_request_context():
        empty_database()
        source = new_source(base)
        report["first"] = harvest(source)
        report["again"] = harvest(source)

        empty_database()
        source = new_source(base)
        opendatasoft_datasets(base, source, request["ods_datasets"])
        before = all_datasets()
        report["migration"] = harvest(source)
        report["migration"]["before"] = before

        empty_database()
        report["filtered"] = harvest(new_source(base, request["filters"]))
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
