"""Every demo dataset comes with complete French metadata and read options a reader accepts."""

from __future__ import annotations

import datetime as dt
import re

from datapolis.catalog.models import UpdateFrequency
from datapolis.catalog.services import METADATA_FIELDS
from datapolis.demo import DemoDataset
from datapolis.ingest.options import ReadOptions

# Every key the catalog records (themes are set apart), and a known update frequency.
METADATA_KEYS = {*METADATA_FIELDS, "themes"}
FREQUENCIES = set(UpdateFrequency.values) - {UpdateFrequency.UNKNOWN}


def test_the_six_datasets_are_generated_in_their_folder(demo: dict[str, DemoDataset], demo_folder) -> None:
    assert set(demo) == {
        "communes",
        "bornes-irve",
        "subventions-associations",
        "qualite-air-mesures-horaires",
        "comptages-velo",
        "consommation-energie-batiments",
    }
    for dataset in demo.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", dataset.dataset_id)
        assert dataset.path.parent == demo_folder and dataset.path.stat().st_size > 0
    assert sorted(path.name for path in demo_folder.iterdir()) == sorted(d.path.name for d in demo.values())


def test_metadata_is_complete(demo: dict[str, DemoDataset]) -> None:
    for dataset in demo.values():
        metadata = dataset.metadata
        assert set(metadata) == METADATA_KEYS, dataset.dataset_id
        assert metadata["language"] == "fr"
        assert metadata["update_frequency"] in FREQUENCIES
        assert metadata["license"] in ("etalab-2.0", "odbl-1.0")
        assert metadata["license_url"].startswith("https://")
        assert re.fullmatch(r"[\w.-]+@[\w.-]+\.\w+", metadata["contact_email"])
        assert metadata["themes"] and all(isinstance(theme, str) for theme in metadata["themes"])
        assert len(metadata["keywords"]) >= 3
        assert metadata["territory"] and metadata["publisher"] and metadata["producer"] and metadata["contact_name"]
        start, end = dt.date.fromisoformat(metadata["temporal_start"]), dt.date.fromisoformat(metadata["temporal_end"])
        assert start <= end


def test_descriptions_are_french_html_paragraphs(demo: dict[str, DemoDataset]) -> None:
    for dataset in demo.values():
        description = dataset.metadata["description"]
        assert description.startswith("<p>") and description.endswith("</p>")
        assert description.count("<p>") >= 2
        assert re.search(r"\b(les|des|de la|du)\b", description)


def test_read_options_are_reader_options(demo: dict[str, DemoDataset]) -> None:
    for dataset in demo.values():
        assert ReadOptions(**dataset.read_options).to_dict() == dataset.read_options


def test_only_the_energy_dataset_is_restricted(demo: dict[str, DemoDataset]) -> None:
    restricted = {dataset.dataset_id for dataset in demo.values() if dataset.visibility == "restricted"}
    assert restricted == {"consommation-energie-batiments"}
    assert {dataset.visibility for dataset in demo.values()} == {"public", "restricted"}
