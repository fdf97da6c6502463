"""What `generate` returns for each file, and the metadata fields every demo dataset shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datapolis.demo.territory import DEPARTEMENT_NAME, TERRITORY_NAME

LICENSE_URLS = {
    "etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "odbl-1.0": "https://opendatacommons.org/licenses/odbl/",
}
UPDATE_FREQUENCIES = ("continuous", "hourly", "daily", "weekly", "monthly", "quarterly", "annual", "irregular")
EMAIL_DOMAIN = "loire-et-maine-metropole.example"  # reserved .example domain: the territory is fictional


@dataclass
class DemoDataset:
    dataset_id: str
    path: Path
    metadata: dict[str, Any]
    read_options: dict[str, Any] = field(default_factory=dict)
    visibility: str = "public"
    facets: list[str] = field(default_factory=list)  # columns offered as filters, by header


def dataset_metadata(
    *,
    title: str,
    paragraphs: list[str],
    themes: list[str],
    keywords: list[str],
    license: str,
    producer: str,
    contact_name: str,
    contact_mailbox: str,
    update_frequency: str,
    temporal: tuple[str, str],
) -> dict[str, Any]:
    """The metadata dict of a demo dataset; `paragraphs` become the HTML description."""
    if update_frequency not in UPDATE_FREQUENCIES:
        raise ValueError(f"unknown update frequency {update_frequency!r}")
    return {
        "title": title,
        "description": "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs),
        "themes": themes,
        "keywords": keywords,
        "license": license,
        "license_url": LICENSE_URLS[license],
        "publisher": TERRITORY_NAME,
        "producer": producer,
        "contact_name": contact_name,
        "contact_email": f"{contact_mailbox}@{EMAIL_DOMAIN}",
        "update_frequency": update_frequency,
        "territory": [TERRITORY_NAME, DEPARTEMENT_NAME],
        "temporal_start": temporal[0],
        "temporal_end": temporal[1],
        "language": "fr",
    }
