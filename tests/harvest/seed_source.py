"""Seed the source instance (instance A) of the harvest tests; run in A's environment.

Prints, as JSON, an API key granted A's restricted dataset. Real files from shared/data:
Vélib' stations (CSV, with an attachment and edited fields), Paris arrondissements
(GeoJSON), ODS's own JSON export of georef-france-departement (multivalued fields), and
the Joconde collections, restricted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from datapolis.cli_support import ensure_instance


def main() -> None:
    ensure_instance()
    from django.contrib.auth.models import User

    from datapolis.access.models import Grant
    from datapolis.access.services import create_api_key
    from datapolis.catalog import services

    shared = Path(sys.argv[1])
    datasets = shared / "datasets"
    velib = services.import_file(
        datasets / "velib" / "velib-emplacement-des-stations.csv",
        "velib",
        metadata={
            "title": "Vélib' - emplacement des stations",
            "description": "Stations Vélib' : emplacement, capacité.",
            "themes": ["Transports", "Mobilité"],
            "keywords": ["vélo", "mobilité"],
            "license": "odbl-1.0",
            "publisher": "Ville de Paris",
            "producer": "Smovengo",
            "contact_name": "Mission data",
            "contact_email": "data@example.fr",
            "update_frequency": "daily",
            "temporal_start": "2024-01-01",
            "language": "fr",
        },
    ).dataset
    services.change_fields(
        velib,
        [
            {"name": "capacity", "label": "Capacité de la station", "description": "Nombre de bornettes",
             "unit": "vélos", "facet": False, "sortable": True},
            {"name": "name", "label": "Nom de la station", "description": "", "unit": "", "facet": True,
             "sortable": True},
        ],
    )  # fmt: skip
    services.replace_attachments(
        velib,
        [services.AttachmentFile("schema-irve", "Schéma (exemple de pièce jointe)", "application/json",
                                 shared / "schemas" / "irve" / "schema-statique.json")],
    )  # fmt: skip
    services.import_file(
        datasets / "paris" / "arrondissements.geojson",
        "arrondissements",
        metadata={"title": "Arrondissements de Paris", "themes": ["Territoire"], "publisher": "Ville de Paris"},
    )
    services.import_file(
        shared / "ods-reference" / "georef-france-departement.json",
        "georef-france-departement",
        metadata={"title": "Départements de France", "themes": ["Territoire"], "publisher": "Opendatasoft"},
    )
    services.import_file(
        datasets / "joconde" / "joconde.csv",
        "joconde",
        visibility="restricted",
        metadata={"title": "Collections des musées (Joconde)", "themes": ["Culture"]},
    )
    agent = User.objects.create_user("harvester")
    Grant.objects.create(dataset_id=services.Dataset.objects.get(dataset_id="joconde").pk, user=agent)
    _key, secret = create_api_key("harvester")
    print(json.dumps({"api_key": secret}))


if __name__ == "__main__":
    main()
