"""Serve the instance with Granian (WSGI, threads for blocking DuckDB queries)."""

from __future__ import annotations

from django.core.management import call_command


def serve(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 8) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    call_command("collectstatic", interactive=False, verbosity=0)
    Granian(
        "datapolis.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        log_access=False,
    ).serve()
