"""`datapolis steps`, `compare`, `schema`, `validate` and `personal-data`, run as an agent runs them, on a real file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.test_commands import datapolis

SCHOOLS = "fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre.csv"


@pytest.fixture
def schools(shared_datasets: Path) -> Path:
    return shared_datasets / "education-35" / SCHOOLS


def public_schools(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for row in csv.DictReader(handle, delimiter=";") if row["Secteur Public/Privé"] == "Public")


def test_steps_are_added_shown_and_removed(instance_env: dict[str, str], schools: Path) -> None:
    assert datapolis(instance_env, "import", str(schools), "--id", "ecoles").returncode == 0
    added = datapolis(
        instance_env, "steps", "ecoles", "add", "filter", "--option", "where=secteur_public_prive = 'Public'"
    )
    assert added.returncode == 0, added.stderr
    assert f"{public_schools(schools):,} records" in added.stdout
    shown = json.loads(datapolis(instance_env, "steps", "ecoles", "--json").stdout)
    assert [(item["step"], item["kind"], item["counts"]["rows_out"]) for item in shown] == [
        (1, "filter", public_schools(schools))
    ]
    with schools.open(encoding="utf-8-sig", newline="") as handle:
        total = sum(1 for _ in csv.DictReader(handle, delimiter=";"))
    compared = json.loads(datapolis(instance_env, "compare", "ecoles", "1", "--json").stdout)  # to the current one
    assert (compared["from"], compared["to"], compared["by"]) == (1, 2, "row")
    assert (compared["added"], compared["removed"]) == (0, total - public_schools(schools))
    said = datapolis(instance_env, "compare", "ecoles", "1", "2")
    assert f"{total - public_schools(schools):,} removed" in said.stdout
    unknown = datapolis(instance_env, "compare", "ecoles", "1", "9")
    assert unknown.returncode == 1 and "no version 9" in unknown.stderr

    failing = datapolis(
        instance_env, "steps", "ecoles", "add", "retype", "--option", "field=commune", "--option", "type=int"
    )
    assert failing.returncode == 1 and "step 2 (retype)" in failing.stderr and "row 1" in failing.stderr
    assert datapolis(instance_env, "steps", "ecoles", "remove", "1").returncode == 0
    assert json.loads(datapolis(instance_env, "steps", "ecoles", "--json").stdout) == []
    versions = json.loads(datapolis(instance_env, "versions", "ecoles", "--json").stdout)
    assert [v["records_count"] for v in versions][-1] == versions[0]["records_count"]  # the raw data again


def test_schema_and_validate(instance_env: dict[str, str], shared_data: Path, shared_datasets: Path) -> None:
    subsidies = shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    schema = shared_data / "schemas" / "scdl-subventions" / "schema.json"
    assert datapolis(instance_env, "import", str(subsidies), "--id", "subventions").returncode == 0
    declared = datapolis(instance_env, "schema", "subventions", str(schema), "--block")
    assert declared.returncode == 0, declared.stderr
    assert "blocks publication" in declared.stdout

    checked = datapolis(instance_env, "validate", "subventions", "--json")
    report = json.loads(checked.stdout)
    assert checked.returncode == 1 and report["valid"] is False
    assert {"rnaBeneficiaire", "dispositifAide"} <= set(report["missing_fields"])

    refused = datapolis(instance_env, "import", str(subsidies), "--id", "subventions")
    assert refused.returncode == 1 and "publication is blocked" in refused.stderr
    versions = json.loads(datapolis(instance_env, "versions", "subventions", "--json").stdout)
    assert len(versions) == 1


def test_personal_data_declaration_and_register(instance_env: dict[str, str], shared_datasets: Path) -> None:
    subsidies = shared_datasets / "subventions-castelmaurou" / "subventions-commune-de-castelmaurou.csv"
    assert datapolis(instance_env, "import", str(subsidies), "--id", "subventions").returncode == 0
    declared = datapolis(instance_env, "personal-data", "subventions", "--fields", "nombeneficiaire",
                         "--purpose", "Transparence", "--legal-basis", "legal_obligation",
                         "--retention", "10 ans", "--contact", "dpo@example.org")  # fmt: skip
    assert declared.returncode == 0, declared.stderr
    assert "not protected by a step: nombeneficiaire" in declared.stdout
    register = datapolis(instance_env, "personal-data-register", "--csv")
    rows = list(csv.DictReader(register.stdout.splitlines(), delimiter=";"))
    assert [(row["dataset_id"], row["fields"], row["open_data"]) for row in rows] == [
        ("subventions", "nombeneficiaire", "true")
    ]
