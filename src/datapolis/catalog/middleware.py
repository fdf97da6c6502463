"""Every request's queries end within DATAPOLIS_QUERY_TIMEOUT seconds: the engine is interrupted.

A checked ODSQL query can still be costly (a search over millions of rows, many groups).
A watchdog thread interrupts this thread's DuckDB cursor — the one every query of the
request runs on (`Store.cursor()` is per thread) — once the request has run that long; the query then
raises `duckdb.InterruptException`, which the Explore API answers 400 `QueryTimeout` and
pages answer 503. Streamed exports run on their own cursor once the view has returned:
they are bounded by their client, whose leaving closes them.
"""

from __future__ import annotations

import threading
import time

import duckdb
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from datapolis.catalog.storage import get_store


def timeout_message(seconds: float) -> str:
    return _("The query took more than %(seconds)s seconds and was stopped: narrow it with a filter, or export.") % {
        "seconds": number_format(seconds)  # 0,05 in French
    }


class _Watchdog:
    """One thread for the process: interrupts, every 50 ms, the cursors of requests past their deadline.

    Interrupting once at the deadline is not enough: DuckDB stops only a query that is
    running, and a request past its deadline may start its slow query afterwards.
    """

    PERIOD = 0.05

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[float, int]] = {}  # request -> (deadline, its thread)
        self._thread: threading.Thread | None = None

    def watch(self, key: int, seconds: float, thread_id: int) -> None:
        with self._lock:
            self._watched[key] = (time.monotonic() + seconds, thread_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="query-deadlines", daemon=True)
                self._thread.start()

    def forget(self, key: int) -> None:
        with self._lock:
            self._watched.pop(key, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.PERIOD)
            now = time.monotonic()
            with self._lock:  # held while interrupting: once forget() returns, its cursor is left alone
                late = [thread_id for deadline, thread_id in self._watched.values() if deadline <= now]
                if not late:
                    continue
                store = get_store()
                for thread_id in late:
                    cursor = store.thread_cursor(thread_id)  # None: the request has queried nothing
                    if cursor is not None:
                        cursor.interrupt()


_watchdog = _Watchdog()


class QueryDeadlineMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.DATAPOLIS_QUERY_TIMEOUT
        if not seconds:
            return self.get_response(request)
        key = id(request)
        _watchdog.watch(key, seconds, threading.get_ident())  # no connection opened for requests without queries
        try:
            return self.get_response(request)
        finally:
            _watchdog.forget(key)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A page whose query was interrupted says so (the API answers in its own handler)."""
        if not isinstance(exception, duckdb.InterruptException):
            return None
        message = timeout_message(settings.DATAPOLIS_QUERY_TIMEOUT)
        if request.path.startswith("/api/"):
            return JsonResponse({"error_code": "QueryTimeout", "message": message}, status=400)
        return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
