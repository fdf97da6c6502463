"""What happens to an import between reading the file and publishing it (docs/sources.md).

1. The rows read (the *raw* data) are kept in the instance folder (`raw/<dataset>/`), so
   processing steps can be previewed and re-applied without the source.
2. The dataset's processing steps (`datapolis.steps`) turn them into what is published.
3. The result is validated against the dataset's Table Schema (`datapolis.validation`);
   in `block` mode a version with errors is refused and the last good one stays served.
4. The version's origin records its lineage: the steps with their options, rows in and
   out of each step, and the validation report.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

from datapolis.catalog.models import Dataset, SchemaMode, Status, Visibility
from datapolis.catalog.storage import get_store
from datapolis.engine import Prepared
from datapolis.ingest import IngestError, ReadOptions
from datapolis.ingest.errors import gettext_noop
from datapolis.ingest.isolation import Staged
from datapolis.schema import FieldSpec
from datapolis.steps import Step, StepContext, StepError, apply_steps, parse_steps, preview_steps
from datapolis.validation import TableSchema, ValidationReport, validate_relation

REPORT_ERRORS = 100  # errors of a validation report kept with a version
STEPS_SECRET_PURPOSE = b"datapolis.steps"


def raw_folder(dataset: Dataset) -> Path:
    """By the dataset's unique id: a dataset deleted and created again under its identifier starts afresh."""
    return Path(settings.CONFIG.home) / "raw" / dataset.uid


def keep_raw(dataset: Dataset, staged: Staged) -> None:
    """Keep what was read as the dataset's raw data (replacing the previous one atomically)."""
    folder = raw_folder(dataset)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".data-{os.getpid()}.parquet"
    shutil.copyfile(staged.parquet, partial)
    meta = {
        "fields": [spec.to_dict() for spec in staged.fields],
        "source": staged.source,
        "column_types": staged.column_types,
    }
    meta_partial = folder / f".meta-{os.getpid()}.json"
    meta_partial.write_text(json.dumps(meta))
    os.replace(partial, folder / "data.parquet")
    os.replace(meta_partial, folder / "meta.json")


def raw_of(dataset: Dataset) -> Staged | None:
    """The dataset's raw data, as the reader staged it; None when none is kept (imported before it was)."""
    folder = raw_folder(dataset)
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except FileNotFoundError:
        return None
    fields = [FieldSpec.from_dict(item) for item in meta["fields"]]
    return Staged(parquet=folder / "data.parquet", fields=fields, source=meta["source"],
                  column_types=meta["column_types"])  # fmt: skip


def forget_raw(dataset: Dataset) -> None:
    shutil.rmtree(raw_folder(dataset), ignore_errors=True)


def step_context() -> StepContext:
    """The instance's salt for hashing steps, and lookups of other datasets (published open data only)."""
    secret = hmac.new(settings.SECRET_KEY.encode(), STEPS_SECRET_PURPOSE, hashlib.sha256).hexdigest()
    return StepContext(secret=secret, lookup=lookup_dataset)


def lookup_dataset(dataset_id: str) -> tuple[str, list[FieldSpec]]:
    """Another dataset's current version for a join, a polygon lookup or geocoding.

    Only published open datasets may be looked up: a step must not copy rows of a
    restricted dataset into another one, whose readers may differ.
    """
    found = Dataset.objects.filter(dataset_id=dataset_id, status=Status.PUBLISHED, visibility=Visibility.PUBLIC)
    dataset = found.exclude(current_version=None).first()
    if dataset is None:
        raise LookupError(f"no published open dataset {dataset_id!r} to look up")
    store = get_store()
    version = store.version(dataset_id, dataset.current_version)
    return f"SELECT * FROM {store.version_relation_sql(version)}", version.fields  # noqa: S608 (quoted by the store)


def steps_of(dataset: Dataset | None) -> list[Step]:
    return parse_steps(dataset.steps) if dataset is not None and dataset.steps else []


def schema_of(dataset: Dataset | None) -> TableSchema | None:
    if dataset is None or not dataset.table_schema:
        return None
    from datapolis.validation import load_schema

    schema = load_schema(dataset.table_schema)
    if dataset.table_schema_url:  # where the agent took it from
        schema.url = dataset.table_schema_url
    return schema


def prepare(con: duckdb.DuckDBPyConnection, raw: Prepared, dataset: Dataset | None, origin: dict[str, Any]) -> Prepared:
    """Steps then validation over what the reader prepared; the lineage goes into `origin`.

    Raises IngestError when a step fails on a value or when the schema blocks the data.
    """
    steps = steps_of(dataset)
    prepared = raw
    if steps:
        try:
            applied = apply_steps(con, raw, steps, context=step_context())
        except StepError as error:
            raise step_failed(origin.get("filename") or "", error) from error
        prepared = applied.prepared
        origin["steps"] = [step.to_dict() for step in steps]
        origin["step_counts"] = [asdict(count) for count in applied.counts]
    schema = schema_of(dataset)
    if schema is not None:
        report = validate_relation(con, prepared.relation, prepared.fields, schema, max_errors=REPORT_ERRORS)
        origin["validation"] = report.to_dict()
        if not report.valid and dataset.schema_mode == SchemaMode.BLOCK:
            raise schema_blocked(origin.get("filename") or "", report)
    return prepared


def step_failed(filename: str, error: StepError) -> IngestError:
    """A step that failed on a value, named with the row (of the data read) and the value."""
    if error.row is None:
        return IngestError(path=filename, template=gettext_noop("%(error)s"), params={"error": str(error)},
                           code="step_failed")  # fmt: skip
    return IngestError(
        path=filename,
        template=gettext_noop(
            "processing step %(step)s (%(kind)s) failed on row %(row)s, value %(value)s: %(message)s"
        ),
        params={
            "step": error.step,
            "kind": error.kind,
            "row": error.row,
            "value": repr(error.value),
            "message": error.message,
            "message_template": error.template,  # for the pages to say it in the agent's language
            "message_params": error.params,
        },
        code="step_failed",
    )


def schema_blocked(filename: str, report: ValidationReport) -> IngestError:
    first = report.errors[0] if report.errors else None
    where = f"row {first.row}, {first.field or first.schema_field}: {first.message}" if first else ""
    return IngestError(
        path=filename,
        template=gettext_noop(
            "the data does not follow the schema %(schema)s: %(count)s errors (%(first)s); "
            "publication is blocked and the last good version stays published"
        ),
        params={
            "schema": report.schema.get("title") or report.schema.get("name") or "",
            "count": report.error_count,
            "first": where,
        },
        code="schema_blocked",
    )


def preview(dataset: Dataset, steps: list[Step], *, limit: int = 20):
    """The first rows of the raw data through `steps` (what would be published), with counts."""
    raw = raw_of(dataset)
    if raw is None:
        raise LookupError(f"{dataset.dataset_id} has no raw data kept: import it again to prepare it")
    con = get_store().connect()
    try:
        return preview_steps(con, raw.prepare(con), steps, limit=limit, context=step_context())
    finally:
        con.close()


SCHEMA_MAX_BYTES = 5 * 1024 * 1024


def fetch_schema(url: str) -> bytes:
    """A Table Schema published at `url` (schema.data.gouv.fr...), fetched with the SSRF rules."""
    import tempfile

    from datapolis.fetching import fetch, parse_networks

    with tempfile.TemporaryDirectory(prefix="datapolis-schema-") as folder:
        target = Path(folder) / "schema.json"
        fetch(url, target, max_bytes=SCHEMA_MAX_BYTES, timeout=float(settings.DATAPOLIS_FETCH_TIMEOUT),
              allowed_networks=parse_networks(settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS))  # fmt: skip
        return target.read_bytes()


def read_options_for(dataset: Dataset | None, options: ReadOptions) -> ReadOptions:
    """The schema's text fields are read as text: codes keep their leading zeros, and are validated as written."""
    if dataset is None or not dataset.table_schema:
        return options
    strings = [
        item["name"] for item in dataset.table_schema.get("fields", []) if item.get("type", "string") == "string"
    ]
    return replace(options, text_fields=sorted({*options.text_fields, *strings}))
