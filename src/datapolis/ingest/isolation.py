"""Untrusted files are read in a child process with hard limits, and nothing else in it.

A damaged KML, a random GeoPackage or a corrupt Shapefile can crash GDAL inside DuckDB's
spatial extension; a JSON document nested 20,000 levels deep or a small workbook that
unfolds into gigabytes can exhaust the machine's memory. None of that may reach the
process that serves the portal or runs other jobs. So a file is read by `read()` in a
child process (`python -m datapolis.ingest.isolation`), which:

- runs with a CPU-time limit (RLIMIT_CPU), a size limit on the files it writes
  (RLIMIT_FSIZE), no core dumps, and dies with its parent (PR_SET_PDEATHSIG);
- is watched by the parent, which kills it when its resident memory passes the limit;
- checks JSON nesting depth before parsing;
- writes what it read to a Parquet file, with the inferred fields and source as JSON.

The parent then reads that Parquet file as the relation `Store.publish` expects. A crash,
a limit reached or bad input all come back as an `IngestError` naming the file: the
server, the job worker and the published data are untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import multiprocessing
import multiprocessing.context
import multiprocessing.process
import os
import resource
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from datapolis.engine.sql import quote_identifier, quote_literal
from datapolis.engine.store import Prepared
from datapolis.ingest.errors import IngestError, gettext_noop
from datapolis.ingest.options import ReadOptions
from datapolis.schema import FieldSpec

logger = logging.getLogger(__name__)

GIB = 2**30
_POLL_SECONDS = 0.02
_PR_SET_PDEATHSIG = 1
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def parse_size(text: str) -> int:
    """`"2GB"`, `"600MiB"`, `"1048576"` -> bytes."""
    cleaned = text.strip().upper().replace(" ", "")
    digits = cleaned.rstrip("KMGIB")
    unit = cleaned[len(digits) :]
    if not digits or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (expected e.g. 2GB, 600MB, 1GiB)")
    return int(float(digits) * _UNITS[unit])


@dataclass(frozen=True)
class ReadLimits:
    """What reading one untrusted file may cost."""

    memory_bytes: int = 2 * GIB  # resident memory of the reading process
    cpu_seconds: int = 900
    output_bytes: int = 64 * GIB  # any file it writes: the staged Parquet, DuckDB's spill files
    json_depth: int = 100
    duckdb_memory_limit: str | None = None  # DuckDB's own limit inside the reader (it spills beyond)
    temp_directory: str | None = None

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None, **overrides: Any) -> ReadLimits:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get("DATAPOLIS_READ_MEMORY_LIMIT"):
            values["memory_bytes"] = parse_size(env["DATAPOLIS_READ_MEMORY_LIMIT"])
        if env.get("DATAPOLIS_READ_CPU_SECONDS"):
            values["cpu_seconds"] = int(env["DATAPOLIS_READ_CPU_SECONDS"])
        if env.get("DATAPOLIS_READ_MAX_JSON_DEPTH"):
            values["json_depth"] = int(env["DATAPOLIS_READ_MAX_JSON_DEPTH"])
        return cls(**{**values, **overrides})


@dataclass
class Staged:
    """A file read by the child: its rows in `parquet`, its fields and source."""

    parquet: Path
    fields: list[FieldSpec]
    source: dict[str, Any]
    column_types: list[str]

    def prepare(self, con: duckdb.DuckDBPyConnection) -> Prepared:
        """The relation `Store.publish` expects, over the staged rows, with the reader's exact types."""
        relation = f"isolated_{os.getpid()}_{id(self):x}"
        scan = f"read_parquet({quote_literal(str(self.parquet))})"
        described = [row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
        columns = []
        for spec, wanted, found in zip(self.fields, self.column_types, described, strict=True):
            name = quote_identifier(spec.name)
            columns.append(name if wanted == found else f"CAST({name} AS {wanted}) AS {name}")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {quote_identifier(relation)} AS SELECT {', '.join(columns)} FROM {scan}"
        )
        return Prepared(relation=relation, fields=[FieldSpec.from_dict(spec.to_dict()) for spec in self.fields],
                        source=dict(self.source))  # fmt: skip


@contextmanager
def isolated(
    path: Path, options: ReadOptions | None = None, limits: ReadLimits | None = None, *, rows: int | None = None
) -> Iterator[Staged]:
    """Read `path` in a child process; yield what it read. `rows` keeps only the first rows (previews).

    Raises IngestError for bad input, a crash of the reader or a limit reached. The
    staged files are removed when the block ends.
    """
    options = options or ReadOptions()
    limits = limits or ReadLimits()
    folder = Path(tempfile.mkdtemp(prefix="datapolis-read-", dir=limits.temp_directory))
    try:
        yield _run_child(Path(path), options, limits, folder, rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def preview(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    options: ReadOptions | None = None,
    limits: ReadLimits | None = None,
    limit: int = 20,
) -> tuple[Prepared, list[dict[str, Any]]]:
    """`readers.preview` in a child process: the whole file is read (and checked), the first rows kept."""
    from datapolis.ingest.readers import first_rows

    with isolated(path, options, limits, rows=limit) as staged:
        prepared = staged.prepare(con)
        return prepared, first_rows(con, prepared, limit)


def _run_child(path: Path, options: ReadOptions, limits: ReadLimits, folder: Path, rows: int | None) -> Staged:
    request = {
        "path": str(path),
        "options": asdict(options),
        "folder": str(folder),
        "rows": rows,
        "json_depth": limits.json_depth,
        "duckdb_memory_limit": limits.duckdb_memory_limit,
        "cpu_seconds": limits.cpu_seconds,
        "output_bytes": limits.output_bytes,
    }
    (folder / "request.json").write_text(json.dumps(request))
    process = _readers().Process(target=_child, args=(str(folder / "request.json"),), name="datapolis-reader")
    process.start()
    try:
        peak = _watch(process, limits.memory_bytes)
    except BaseException:  # the import was interrupted (a stopping worker): the reader goes with it
        process.kill()
        process.join()
        raise
    stderr_path = folder / "stderr.txt"
    stderr = stderr_path.read_text(errors="replace") if stderr_path.exists() else ""
    if peak is not None:
        raise IngestError(
            _display_name(path, options),
            gettext_noop(
                "Reading this file needs more memory than an import may use (%(limit)s MB). "
                "It may be damaged, or built to exhaust the server (a tiny archive that unfolds into gigabytes)."
            ),
            {"limit": limits.memory_bytes // 2**20},
            code="memory_limit",
        )
    result_path = folder / "result.json"
    if process.exitcode != 0 or not result_path.exists():
        raise _crash_error(path, options, process.exitcode, limits, stderr)
    result = json.loads(result_path.read_text())
    if "error" in result:
        raise IngestError(**result["error"])
    return Staged(
        parquet=folder / "rows.parquet",
        fields=[FieldSpec.from_dict(item) for item in result["fields"]],
        source=result["source"],
        column_types=result["column_types"],
    )


@cache
def _readers() -> multiprocessing.context.ForkServerContext:
    """Readers are forked from a server process that has imported DuckDB and the readers.

    A new interpreter per file cost 1.3 s (imports, extensions); a fork of the server
    costs a few milliseconds, and the server holds nothing but those imports: no database
    connection, no lake, no request. Forking the web server or the job worker themselves
    would be unsafe (their threads hold locks).
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_READER_MODULES))
    return context


_READER_MODULES = (
    "duckdb",
    "datapolis.engine.extensions",
    "datapolis.ingest.readers",
    "datapolis.ingest.csv_reader",
    "datapolis.ingest.json_reader",
    "datapolis.ingest.spreadsheet",
    "datapolis.ingest.geo_reader",
    "datapolis.ingest.parquet_reader",
    "datapolis.ingest.nesting",
)


def _limit_self(cpu_seconds: int, output_bytes: int) -> None:
    """The child's first act: its limits, and death with its parent (the fork server).

    Set by the child itself: the fork server serves readers with different limits.
    """
    parent = os.getppid()
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes, output_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(OSError, AttributeError):  # not Linux: a killed parent leaves the reader to finish
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _watch(process: multiprocessing.process.BaseProcess, memory_bytes: int) -> int | None:
    """Wait for the child; kill it when its resident memory passes the limit (returns that size)."""
    statm = Path(f"/proc/{process.pid}/statm")
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    while process.exitcode is None:
        try:
            resident = int(statm.read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            resident = 0
        if resident > memory_bytes:
            process.kill()
            process.join()
            return resident
        process.join(_POLL_SECONDS)
    return None


def _crash_error(path: Path, options: ReadOptions, returncode: int, limits: ReadLimits, stderr: str) -> IngestError:
    name = _display_name(path, options)
    if returncode == -signal.SIGXCPU:
        return IngestError(
            name,
            gettext_noop("Reading this file took more than %(seconds)s seconds of processing time."),
            {"seconds": limits.cpu_seconds},
            code="time_limit",
        )
    logger.warning("the reader of %s ended with status %s: %s", name, returncode, stderr[-4000:])
    file_format = (options.format or Path(options.original_name or path.name).suffix.lstrip(".") or "?").upper()
    return IngestError(
        name,
        gettext_noop(
            "This %(format)s file could not be read: it is damaged or truncated, "
            "or not the kind of file its name says. Export it again from its application and upload it again."
        ),
        {"format": file_format},
        code="unreadable_file",
    )


def _display_name(path: Path, options: ReadOptions) -> str:
    return options.original_name or path.name


# -- the child --------------------------------------------------------------------------


def _child(request_path: str) -> None:
    """The reader process: its stderr to the request's folder, its limits, then the read."""
    folder = Path(request_path).parent
    with (folder / "stderr.txt").open("wb") as stderr_file:
        os.dup2(stderr_file.fileno(), 2)
    _read_in_child(Path(request_path))


def _read_in_child(request_path: Path) -> None:
    from datapolis.engine.extensions import load_extensions
    from datapolis.ingest.nesting import check_json_depth
    from datapolis.ingest.readers import detect_format, read

    request = json.loads(request_path.read_text())
    _limit_self(request["cpu_seconds"], request["output_bytes"])
    folder = Path(request["folder"])
    path = Path(request["path"])
    options = ReadOptions(**request["options"])
    con = duckdb.connect(config={"allow_unsigned_extensions": "false"})
    try:
        load_extensions(con, ("spatial",))  # the readers' only extension (json and parquet are built in)
        con.execute(f"SET temp_directory = {quote_literal(str(folder / 'spill'))}")
        if request["duckdb_memory_limit"]:
            con.execute(f"SET memory_limit = {quote_literal(request['duckdb_memory_limit'])}")
        if path.is_file() and detect_format(path, options) in ("json", "jsonl", "geojson"):
            check_json_depth(path, request["json_depth"], name=_display_name(path, options))
        prepared = read(con, path, options)
        relation = quote_identifier(prepared.relation)
        limit = f" LIMIT {int(request['rows'])}" if request["rows"] is not None else ""
        types = [row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        target = quote_literal(str(folder / "rows.parquet"))
        con.execute(f"COPY (SELECT * FROM {relation}{limit}) TO {target} (FORMAT parquet)")
        result: dict[str, Any] = {
            "fields": [spec.to_dict() for spec in prepared.fields],
            "source": prepared.source,
            "column_types": types,
        }
    except IngestError as error:
        result = {"error": asdict(error)}
    finally:
        con.close()
    (folder / "result.json").write_text(json.dumps(result, default=str))
