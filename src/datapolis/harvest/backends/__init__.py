"""The kinds of source a harvest reads: Opendatasoft, CKAN, DCAT."""

from __future__ import annotations

from datapolis.harvest.backends.base import Backend, Connection, Distribution, RemoteAttachment, RemoteDataset


def backend_for(kind: str, url: str, connection: Connection) -> Backend:
    from datapolis.harvest.backends.ckan import CkanBackend
    from datapolis.harvest.backends.dcat import DcatBackend
    from datapolis.harvest.backends.ods import OdsBackend

    backends = {"ods": OdsBackend, "ckan": CkanBackend, "dcat": DcatBackend}
    return backends[kind](url, connection)


__all__ = ["Backend", "Connection", "Distribution", "RemoteAttachment", "RemoteDataset", "backend_for"]
