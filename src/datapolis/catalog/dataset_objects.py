"""The catalog as the Explore API v2.1 describes it (the dataset object of §2.4).

The API, the CLI's --json output and the DCAT export all start from these dicts, so a
dataset looks the same to every consumer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from datapolis.catalog.models import Dataset, UpdateFrequency, Visibility

FREQUENCY_URIS = {
    UpdateFrequency.CONTINUOUS: "http://publications.europa.eu/resource/authority/frequency/CONT",
    UpdateFrequency.HOURLY: "http://publications.europa.eu/resource/authority/frequency/HOURLY",
    UpdateFrequency.DAILY: "http://publications.europa.eu/resource/authority/frequency/DAILY",
    UpdateFrequency.WEEKLY: "http://publications.europa.eu/resource/authority/frequency/WEEKLY",
    UpdateFrequency.MONTHLY: "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
    UpdateFrequency.QUARTERLY: "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
    UpdateFrequency.ANNUAL: "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
    UpdateFrequency.IRREGULAR: "http://publications.europa.eu/resource/authority/frequency/IRREG",
    UpdateFrequency.UNKNOWN: "http://publications.europa.eu/resource/authority/frequency/UNKNOWN",
}

# The URLs Opendatasoft gives these licences, which data.gouv.fr's harvester recognizes in a
# DCAT export (udata's `License.guess` matches host and path against its licences' URLs:
# ODbL's version page `.../odbl/1-0/` is not one of them, `.../odbl/` is).
# tests/api/compat/test_udata_dcat_harvest.py checks it with the real harvester.
LICENSE_URLS = {
    "etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "lov2": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "odbl-1.0": "https://opendatacommons.org/licenses/odbl/",
    "odbl": "https://opendatacommons.org/licenses/odbl/",
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    return value.isoformat()


def explore_fields(dataset: Dataset) -> list[dict[str, Any]]:
    return [
        {
            "name": field.name,
            "label": field.label,
            "type": field.type,
            "description": field.description or None,
            "annotations": field.annotations(),
        }
        for field in dataset.fields.all()
    ]


def default_metas(dataset: Dataset) -> dict[str, Any]:
    return {
        "title": dataset.title,
        "description": dataset.description or None,
        "theme": [theme.name for theme in dataset.themes.all()],
        "keyword": list(dataset.keywords or []),
        "license": dataset.license or None,
        "license_url": dataset.license_url or LICENSE_URLS.get(dataset.license.lower()) or None,
        "language": dataset.language,
        "metadata_languages": [dataset.language],
        "timezone": None,
        "modified": iso(dataset.modified),
        "modified_updates_on_metadata_change": True,
        "modified_updates_on_data_change": True,
        "data_processed": iso(dataset.data_modified),
        "metadata_processed": iso(dataset.metadata_modified),
        "geographic_reference": [],
        "geographic_reference_auto": False,
        "territory": list(dataset.territory or []),
        "publisher": dataset.publisher or None,
        "references": None,
        "records_count": dataset.records_count,
        "attributions": [],
        "federated": False,
        "shared_catalog": None,
    }


def dcat_metas(dataset: Dataset) -> dict[str, Any]:
    return {
        "created": iso(dataset.created),
        "issued": iso(dataset.created) if dataset.is_published else None,
        "creator": dataset.producer or None,
        "contact_name": dataset.contact_name or None,
        "contact_email": dataset.contact_email or None,
        "accrualperiodicity": FREQUENCY_URIS.get(dataset.update_frequency),
        "temporal_coverage_start": iso(dataset.temporal_start),
        "temporal_coverage_end": iso(dataset.temporal_end),
        "spatial": list(dataset.territory or []),
    }


def explore_dataset(dataset: Dataset) -> dict[str, Any]:
    """The Explore API v2.1 dataset object."""
    return {
        "dataset_id": dataset.dataset_id,
        "dataset_uid": dataset.uid,
        "visibility": "restricted" if dataset.visibility == Visibility.RESTRICTED else "domain",
        "has_records": dataset.has_records and dataset.records_count > 0,
        "data_visible": True,
        "features": dataset.features,
        "attachments": [
            {
                "id": attachment.attachment_id,
                "title": attachment.title,
                "mimetype": attachment.mimetype,
                "url": f"odsfile://{attachment.file.name.rsplit('/', 1)[-1]}",
            }
            for attachment in dataset.attachments.all()
        ],
        "alternative_exports": [],
        "fields": explore_fields(dataset),
        "metas": {"default": default_metas(dataset), "dcat": dcat_metas(dataset)},
    }
