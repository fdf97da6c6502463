"""Explore API over HTTP against Datasette on the same rows (issue 3's benchmark).

    .venv/bin/python bench/api.py                  # 1M and 10M rows
    .venv/bin/python bench/api.py --quick          # 1M rows only
    .venv/bin/python bench/api.py --workdir DIR    # keep generated files and instances in DIR, reuse them
    .venv/bin/python bench/api.py --workdir DIR --prepare-only   # only build the data (run when busy)
    .venv/bin/python bench/api.py --quick --only ad                 # only some lines

For each size: a GeoParquet file of realistic rows (French commune names with accents,
INSEE codes, departments, categories, French free text, ints, doubles, dates, datetimes,
booleans, a geo point) is generated, published through the real store (`datapolis import`,
which builds the serving copy and its search index), and served by `datapolis serve`
(Granian) in a subprocess. The same rows go into SQLite, with the indexes a Datasette
user would create (one per filtered, sorted or faceted column) and an FTS5 index
(`sqlite-utils enable-fts`) on the same text columns, served by `datasette serve`.

Each line sends the equivalent HTTP requests to both servers from this process, over
one persistent connection each, interleaved so both see the same machine load: warm-up,
then the median latency of the repeats, with each server's CPU time per request (read
from /proc: the work done, which the machine's load changes far less than the latency).
Exports are read to the end (Datasette's, capped
in time: its rate is bytes read over seconds spent). Ratios are Datasette's time over ours
(latency) and ours over Datasette's (throughput): above 1 means faster than Datasette.
Datasette tools are bench-only: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import duckdb

from datapolis.demo.toponymy import commune_name
from datapolis.engine import clustering
from datapolis.engine.extensions import load_extensions
from datapolis.engine.serving import FILE_FORMAT
from datapolis.engine.sql import quote_literal

BIN = Path(sys.executable).parent
DATASET = "bench"
DATASETTE_TABLE = "records"
GENERATOR_VERSION = 1  # bump when the generated rows change, so cached files are rebuilt

CATEGORIES = [
    "Voirie", "Éclairage public", "Espaces verts", "Bâtiments scolaires", "Équipements sportifs",
    "Mobilité douce", "Propreté", "Culture", "Petite enfance", "Énergie", "Eau et assainissement", "Sécurité",
]  # fmt: skip
ACTIONS = [
    "Rénovation", "Construction", "Entretien", "Aménagement", "Réparation", "Nettoyage", "Installation",
    "Extension", "Mise aux normes", "Sécurisation", "Création", "Démolition", "Réhabilitation",
    "Modernisation", "Remplacement", "Étude préalable à la rénovation", "Travaux d'isolation",
]  # fmt: skip
OBJECTS = [
    "de la piscine municipale", "des pistes cyclables", "du parking à vélos", "de l'école élémentaire",
    "des bornes de recharge électrique", "du gymnase", "de la médiathèque", "des jardins familiaux",
    "de la crèche", "du terrain de football", "de l'éclairage de la place", "des trottoirs",
    "de la salle des fêtes", "du marché couvert", "des toilettes publiques", "de l'église",
    "du pont sur la rivière", "des abris à vélos", "de la chaufferie bois", "du réseau d'eau potable",
    "des panneaux photovoltaïques", "de la mairie annexe", "du skatepark", "des aires de jeux",
    "de la station de location de vélos", "du collège", "des bâtiments communaux", "de la voie verte",
    "du cimetière", "des arrêts de bus", "du centre de loisirs", "de la bibliothèque",
    "des chemins de randonnée", "de la halle des sports", "du boulodrome", "des feux tricolores",
]  # fmt: skip
PLACES = [
    "rue Victor-Hugo", "avenue Jean-Jaurès", "quartier de la Gare", "près du château", "place de l'Église",
    "boulevard Pasteur", "rue des Écoles", "allée des Tilleuls", "chemin du Moulin", "route de Paris",
    "au bord de la Loire", "dans le centre-bourg", "rue Émile-Zola", "impasse des Acacias", "cours Gambetta",
]  # fmt: skip
DETAILS = [
    "", "", "", "pour les personnes à mobilité réduite", "avec des matériaux biosourcés",
    "afin de réduire la consommation d'énergie", "à la demande du conseil de quartier",
    "en lien avec les associations sportives", "pendant les vacances scolaires", "sur deux exercices budgétaires",
    "avec le soutien de la région", "dans le cadre du plan vélo", "suite aux intempéries de l'hiver",
]  # fmt: skip
DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
COMMUNES = 6000

GENERATE = """
COPY (
    SELECT c.commune, c.code_insee, c.departement,
           pick(vocab.categories, i, 'categorie') AS categorie,
           pick(vocab.actions, i, 'action') || ' '
               || pick(vocab.objects, i, 'objet') || ' '
               || pick(vocab.places, i, 'lieu') || ' à ' || c.commune
               || rtrim(' ' || pick(vocab.details, i, 'detail'))
               || ' (marché n° ' || (2015 + hash(i, 'an') % 10) || '-' || lpad((hash(i, 'n') % 5000)::VARCHAR, 4, '0')
               || ')' AS description,
           c.population,
           round((hash(i, 'montant') % 50000000) / 100.0 + 100, 2) AS montant,
           DATE '2015-01-01' + CAST(hash(i, 'date') % 3650 AS INTEGER) AS date_mesure,
           TIMESTAMPTZ '2015-01-01 00:00:00+00' + to_seconds(CAST(hash(i, 'ts') % 315360000 AS BIGINT))
               AS horodatage,
           hash(i, 'actif') % 10 < 7 AS actif,
           ST_Point(c.lon + (CAST(hash(i, 'x') % 2000 AS INTEGER) - 1000) / 100000.0,
                    c.lat + (CAST(hash(i, 'y') % 2000 AS INTEGER) - 1000) / 100000.0) AS geo
    FROM range(?) t(i)
    JOIN communes c ON c.n = hash(i, 'commune') % ?
    CROSS JOIN vocab
) TO {target} (FORMAT parquet, ROW_GROUP_SIZE 122880)
"""

# Datasette serves SQLite: the same values, as SQLite stores them.
SQLITE_COPY = f"""
CREATE TABLE lite.{DATASETTE_TABLE} AS
SELECT commune, code_insee, departement, categorie, description, population, montant,
       strftime(date_mesure, '%Y-%m-%d') AS date_mesure,
       strftime(horodatage AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S+00:00') AS horodatage,
       CAST(actif AS INTEGER) AS actif, ST_Y(geo) AS latitude, ST_X(geo) AS longitude
FROM read_parquet(?)
"""
SQLITE_INDEXES = ["departement", "categorie", "actif", "population", "montant", "date_mesure", "code_insee"]
FTS_COLUMNS = ["commune", "code_insee", "departement", "categorie", "description"]

SEARCH_TEXT = "piscine"
FACETS = ("categorie", "departement", "actif")


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    ours: str
    theirs: str | None
    target: str
    repeat: int
    budget: float  # seconds per server, at least three samples
    export: bool = False


def lines(rows: int) -> list[Line]:
    records = f"/api/explore/v2.1/catalog/datasets/{DATASET}"
    table = f"/{DATASET}/{DATASETTE_TABLE}"
    big = rows >= 10_000_000
    group_sql = (
        f"select departement, count(*) as n, avg(montant) as montant_moyen from {DATASETTE_TABLE} "
        "group by departement order by departement limit 100"
    )
    return [
        Line(
            "a",
            "filtered, sorted page",
            f"{records}/records?"
            + urlencode({"where": 'departement = "49" and population > 1000', "order_by": "montant desc", "limit": 10}),
            f"{table}.json?"
            + urlencode({"departement": "49", "population__gt": 1000, "_sort_desc": "montant", "_size": 10}),
            "< 10 ms",
            repeat=50,
            budget=30,
        ),
        Line(
            "b",
            "group_by, count + avg",
            f"{records}/records?"
            + urlencode(
                {
                    "select": "departement, count(*) as n, avg(montant) as montant_moyen",
                    "group_by": "departement",
                    "order_by": "departement",
                    "limit": 100,
                }
            ),
            f"/{DATASET}.json?" + urlencode({"sql": group_sql, "_shape": "objects"}),
            "< 150 ms" if big else "faster",
            repeat=15,
            budget=60,
        ),
        Line(
            "c",
            "facets on three fields",
            f"{records}/facets?" + urlencode([("facet", f) for f in FACETS]),
            f"{table}.json?" + urlencode([("_facet", f) for f in FACETS] + [("_size", 0)]),
            "faster",
            repeat=15,
            budget=60,
        ),
        Line(
            "d",
            f"full-text search {SEARCH_TEXT!r}",
            f"{records}/records?" + urlencode({"where": f'"{SEARCH_TEXT}"', "limit": 10}),
            f"{table}.json?" + urlencode({"_search": SEARCH_TEXT, "_size": 10}),
            "faster",
            repeat=30,
            budget=30,
        ),
        Line(
            "e",
            "CSV export (MB/s)",
            f"{records}/exports/csv",
            f"{table}.csv?" + urlencode({"_stream": "on", "_size": "max"}),
            "≥ 150 MB/s",
            repeat=3,
            budget=120,
            export=True,
        ),
        Line(
            "f",
            "Parquet export (MB/s)",
            f"{records}/exports/parquet",
            None,
            "≥ 150 CSV-eq",
            repeat=3,
            budget=120,
            export=True,
        ),
    ]


# -- data ------------------------------------------------------------------------------


def commune_rows(seed: int = 3) -> list[tuple]:
    """Distinct commune names with an INSEE-like code, a population and a location."""
    rng = random.Random(seed)
    names: dict[str, None] = {}
    while len(names) < COMMUNES:
        names[commune_name(rng, rng.choice([None, None, None, "Loire", "Maine"]))] = None
    rows = []
    for n, name in enumerate(names):
        departement = rng.choice(DEPARTMENTS)
        code = departement + f"{rng.randrange(1, 999):03d}"
        population = int(rng.lognormvariate(7, 1.3))
        rows.append((n, name, code, departement, population, rng.uniform(-1.5, 7.0), rng.uniform(43.0, 50.5)))
    return rows


def generate(path: Path, rows: int) -> None:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    load_extensions(con, ("spatial",))
    con.execute(
        "CREATE TABLE communes (n BIGINT, commune VARCHAR, code_insee VARCHAR, departement VARCHAR, "
        "population BIGINT, lon DOUBLE, lat DOUBLE)"
    )
    con.executemany("INSERT INTO communes VALUES (?, ?, ?, ?, ?, ?, ?)", commune_rows())
    con.execute("CREATE MACRO pick(items, i, salt) AS items[CAST(1 + hash(i, salt) % len(items) AS BIGINT)]")
    con.execute(
        "CREATE TABLE vocab AS SELECT ?::VARCHAR[] AS categories, ?::VARCHAR[] AS actions, "
        "?::VARCHAR[] AS objects, ?::VARCHAR[] AS places, ?::VARCHAR[] AS details",
        [CATEGORIES, ACTIONS, OBJECTS, PLACES, DETAILS],
    )
    partial = path.with_suffix(".partial")
    con.execute(GENERATE.format(target=quote_literal(str(partial))), [rows, COMMUNES])
    con.close()
    partial.rename(path)


def sqlite_database(parquet: Path, database: Path) -> None:
    partial = database.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    con = duckdb.connect()
    load_extensions(con, ("spatial", "sqlite_scanner"))
    con.execute(f"ATTACH {quote_literal(str(partial))} AS lite (TYPE sqlite)")
    con.execute(SQLITE_COPY, [str(parquet)])
    con.execute("DETACH lite")
    con.close()
    import sqlite3

    lite = sqlite3.connect(partial)
    for column in SQLITE_INDEXES:
        lite.execute(f"CREATE INDEX idx_{column} ON {DATASETTE_TABLE} ({column})")
    lite.commit()
    lite.close()
    subprocess.run(
        [str(BIN / "sqlite-utils"), "enable-fts", str(partial), DATASETTE_TABLE, *FTS_COLUMNS, "--fts5"],
        check=True,
    )
    subprocess.run([str(BIN / "sqlite-utils"), "analyze", str(partial)], check=True)
    partial.rename(database)


# -- servers ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def instance_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATAPOLIS_")}
    env["DATAPOLIS_HOME"] = str(home)
    # The bench measures queries, not the rate limiter (which still counts every call).
    env["DATAPOLIS_RATE_LIMIT_ANONYMOUS"] = "1000000/second"
    return env


def publish(parquet: Path, home: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "datapolis"), "import", str(parquet), "--id", DATASET, "--title", "Bench"],
        env=instance_env(home),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def wait_ready(process: subprocess.Popen, port: int, path: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer {path}")


def start_datapolis(home: Path, threads: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "datapolis"), "serve", "--port", str(port), "--threads", str(threads)],
        env=instance_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(process, port, f"/api/explore/v2.1/catalog/datasets/{DATASET}")
    return process, port


def start_datasette(database: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    settings = {
        # Datasette's defaults cut long queries, facets and CSV streams short: lift them so it
        # does the same work, and skip facet suggestions, which cost extra queries per page.
        "sql_time_limit_ms": 3_600_000,
        "facet_time_limit_ms": 3_600_000,
        "suggest_facets": "off",
        "max_csv_mb": 0,
    }
    options = [arg for name, value in settings.items() for arg in ("--setting", name, str(value))]
    process = subprocess.Popen(
        [str(BIN / "datasette"), "serve", str(database), "--port", str(port), "--immutable", str(database), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(process, port, "/-/versions.json")
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- measuring ---------------------------------------------------------------------------


class Client:
    """One persistent HTTP/1.1 connection, as an API client keeps, to a server we started."""

    def __init__(self, port: int, server: subprocess.Popen) -> None:
        self.port = port
        self.server = server
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)

    def server_cpu(self) -> float:
        """CPU seconds used so far by the server and its child processes (Granian's worker).

        Work per request, which the machine's load changes far less than latency."""
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.server.pid))

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)

    def get(self, path: str, *, cap_seconds: float | None = None) -> tuple[int, float, bytes | int]:
        """(status, seconds, body) — with a cap, the body is only counted and reading may stop early."""
        started = time.perf_counter()
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed the idle keep-alive connection: reconnect, as clients do.
            self.reconnect()
            started = time.perf_counter()
            self.connection.request("GET", path)
            response = self.connection.getresponse()
        if cap_seconds is None:
            body = response.read()
            return response.status, time.perf_counter() - started, body
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
            if time.perf_counter() - started > cap_seconds:
                self.reconnect()  # the rest is not wanted
                break
        return response.status, time.perf_counter() - started, size


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            pids.extend(_process_tree(int(child)))
    return pids


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    seconds: float  # median latency, or for exports the time of the median run
    megabytes: float = 0.0  # exports: bytes read
    samples: int = 0
    note: str = ""
    cpu: float = 0.0  # the server's CPU seconds per request (all its processes and threads)

    @property
    def rate(self) -> float:
        return self.megabytes / self.seconds if self.seconds else 0.0


def latency_samples(client: Client, path: str, repeat: int, budget: float, warmup: int = 3) -> Result:
    for _ in range(warmup):
        status, _, body = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    samples: list[float] = []
    started = time.perf_counter()
    cpu_before = client.server_cpu()
    while len(samples) < repeat and (len(samples) < 3 or time.perf_counter() - started < budget):
        samples.append(client.get(path)[1])
    cpu = (client.server_cpu() - cpu_before) / len(samples)
    return Result(statistics.median(samples), samples=len(samples), cpu=cpu)


def export_samples(client: Client, path: str, repeat: int, budget: float) -> Result:
    runs: list[tuple[float, int]] = []
    started = time.perf_counter()
    while len(runs) < repeat and (not runs or time.perf_counter() - started < budget):
        status, seconds, size = client.get(path, cap_seconds=budget)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        runs.append((seconds, size))
    runs.sort(key=lambda run: run[1] / run[0])
    seconds, size = runs[len(runs) // 2]
    partial = seconds >= budget
    return Result(seconds, size / 1e6, len(runs), "partial read" if partial else "")


def count_of(client: Client, path: str, key: str) -> int | None:
    status, _, body = client.get(path)
    if status != 200:
        return None
    return json.loads(body).get(key)


def run_lines(rows: int, ours: Client, theirs: Client, only: set[str]) -> list[tuple[Line, Result, Result | None]]:
    results = []
    for line in lines(rows):
        if only and line.key not in only:
            continue
        measure: Callable[..., Result] = export_samples if line.export else latency_samples
        mine = measure(ours, line.ours, line.repeat, line.budget)
        reference = measure(theirs, line.theirs, line.repeat, line.budget) if line.theirs else None
        results.append((line, mine, reference))
        print(f"  measured ({line.key}) {line.label}", file=sys.stderr, flush=True)
    return results


def check_same_rows(ours: Client, theirs: Client, rows: int) -> None:
    """The two servers answer the same question: print both counts of each line."""
    for line in lines(rows):
        if line.export or line.theirs is None or line.key == "b":
            continue
        mine = count_of(ours, line.ours, "total_count")
        reference = count_of(theirs, line.theirs, "filtered_table_rows_count")
        print(f"  ({line.key}) rows matched: datapolis {mine}, datasette {reference}")


# -- report ------------------------------------------------------------------------------


def csv_equivalent(results: list[tuple[Line, Result, Result | None]]) -> float | None:
    """MB of the same rows as CSV (the CSV export's size), to rate a Parquet export by rows."""
    sizes = [mine.megabytes for line, mine, _ in results if line.key == "e"]
    return sizes[0] if sizes else None


def passes(line: Line, mine: Result, reference: Result | None, csv_megabytes: float | None = None) -> bool:
    if line.export:
        rate = csv_megabytes / mine.seconds if line.key == "f" and csv_megabytes else mine.rate
        return rate >= 150 and (reference is None or mine.rate > reference.rate)
    faster = reference is None or mine.seconds < reference.seconds
    if line.target.startswith("<"):
        limit = float(line.target.split()[1])
        return faster and mine.seconds * 1000 < limit
    return faster


def print_table(rows: int, results: list[tuple[Line, Result, Result | None]]) -> None:
    print(f"\n{rows:,} rows")
    header = f"  {'line':<34} {'datapolis':>12} {'datasette':>12} {'ratio':>8}  {'target':<12} result"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for line, mine, reference in results:
        if line.export:
            ours_text = f"{mine.rate:8.1f} MB/s"
            theirs_text = f"{reference.rate:8.1f} MB/s" if reference else "n/a"
            ratio = f"{mine.rate / reference.rate:7.1f}x" if reference and reference.rate else "n/a"
        else:
            ours_text = f"{mine.seconds * 1000:9.1f} ms"
            theirs_text = f"{reference.seconds * 1000:9.1f} ms" if reference else "n/a"
            ratio = f"{reference.seconds / mine.seconds:7.1f}x" if reference else "n/a"
        csv_megabytes = csv_equivalent(results)
        verdict = "pass" if passes(line, mine, reference, csv_megabytes) else "FAIL"
        notes = [f"n={mine.samples}/{reference.samples if reference else 0}"]
        if not line.export:
            theirs_cpu = f"{reference.cpu * 1000:.1f}" if reference else "n/a"
            notes.append(f"CPU/request {mine.cpu * 1000:.1f}/{theirs_cpu} ms")
        if line.export:
            notes.append(f"{mine.megabytes:.0f} MB")
        if line.key == "f" and csv_megabytes:
            notes.append(f"{csv_megabytes / mine.seconds:.0f} MB/s CSV-equivalent")
        if reference and reference.note:
            notes.append(f"datasette {reference.note}")
        print(
            f"  ({line.key}) {line.label:<30} {ours_text:>12} {theirs_text:>12} {ratio:>8}  {line.target:<12} "
            f"{verdict}  ({', '.join(notes)})"
        )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def serving_copy(home: Path) -> Path | None:
    return next(iter(sorted((home / "serving").glob(f"*.f{FILE_FORMAT}.duckdb"))), None)


def clustered_by(path: Path | None) -> str | None:
    if path is None:
        return None
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {quote_literal(str(path))} AS copy (READ_ONLY)")
        return clustering.load(con, "copy")
    finally:
        con.close()


def bench_size(rows: int, workdir: Path, threads: int, only: set[str], prepare_only: bool = False) -> None:
    label = f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else str(rows)
    parquet = workdir / f"rows-{label}-v{GENERATOR_VERSION}.parquet"
    if not parquet.exists():
        started = time.perf_counter()
        generate(parquet, rows)
        print(f"  generated {parquet.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    home = workdir / f"instance-{label}-v{GENERATOR_VERSION}"
    if not (home / "published").exists() or serving_copy(home) is None:  # none yet, or of an older format
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        seconds = publish(parquet, home)
        (home / "published").write_text(f"{seconds:.1f}\n")
        print(f"  published (ingest, serving copy, search index) in {seconds:.0f} s", file=sys.stderr)
    print(f"  serving copy clustered by: {clustered_by(serving_copy(home))}", file=sys.stderr)
    database = workdir / f"sqlite-{label}-v{GENERATOR_VERSION}" / f"{DATASET}.db"  # Datasette names it "bench"
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        sqlite_database(parquet, database)
        print(f"  SQLite + indexes + FTS5 built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    if prepare_only:
        return
    datapolis, our_port = start_datapolis(home, threads)
    datasette, their_port = start_datasette(database)
    try:
        ours, theirs = Client(our_port, datapolis), Client(their_port, datasette)
        print(f"\n{rows:,} rows — {load_average()} before measuring")
        check_same_rows(ours, theirs, rows)
        results = run_lines(rows, ours, theirs, only)
        print_table(rows, results)
        print(f"  {load_average()} after measuring")
    finally:
        stop(datapolis)
        stop(datasette)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M rows only")
    parser.add_argument("--rows", type=int, nargs="*", help="sizes to run (default 1M and 10M)")
    parser.add_argument("--workdir", type=Path, help="keep generated data here and reuse it")
    parser.add_argument("--threads", type=int, default=8, help="threads of `datapolis serve`")
    parser.add_argument("--only", default="", help="lines to run, e.g. 'ad'")
    parser.add_argument("--prepare-only", action="store_true", help="build the data, instances and SQLite files only")
    args = parser.parse_args()
    sizes = args.rows or ([1_000_000] if args.quick else [1_000_000, 10_000_000])
    print(f"DuckDB {duckdb.__version__}, Python {sys.version.split()[0]}, {load_average()}")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        for rows in sizes:
            bench_size(rows, args.workdir, args.threads, set(args.only), args.prepare_only)
        return
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        for rows in sizes:
            bench_size(rows, Path(folder), args.threads, set(args.only))


if __name__ == "__main__":
    main()
