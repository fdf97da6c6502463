"""HTTP behaviour common to every URL: HEAD answered like GET, JSON errors under /api/.

`HeadAsGetMiddleware` (first in MIDDLEWARE) runs a HEAD request as a GET, so every view
and every Django Ninja route that answers GET answers HEAD with the same status and
headers, Content-Length included, and no body. Ninja routes declare their methods, and
`require_GET` views refuse HEAD: doing it here covers every URL at once. A streamed
answer (exports) is closed before it is read, which stops the export's query.

`ApiJsonErrorsMiddleware` turns an error that is not JSON under `/api/` (an unknown
path, a method not allowed, a CSRF refusal, a server error page) into the Explore API's
error shape, `{"error_code", "message"}`, keeping the status and headers such as `Allow`.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _

Handler = Callable[[HttpRequest], HttpResponseBase]

API_PREFIX = "/api/"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
ERROR_CODES = {
    400: "InvalidRESTParameterError",
    401: "AuthenticationRequired",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestTooLarge",
    429: "TooManyRequests",
}
DROPPED_HEADERS = {"content-type", "content-length", "content-disposition", "content-encoding"}


class HeadAsGetMiddleware:
    """Answer HEAD wherever GET is answered: same status and headers, no body."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        request.head_only = True  # for views that count visits: a monitor's HEAD is no visit
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        return without_body(response)


def without_body(response: HttpResponseBase) -> HttpResponseBase:
    """The response's headers with no body; Content-Length still tells the GET body's size."""
    if response.streaming:
        # Close the stream unread (an export stops its query); what GET would stream is unknown,
        # so there is no Content-Length unless the view set one (files).
        original = response.streaming_content
        response.streaming_content = []
        close = getattr(original, "close", None)
        if close is not None:
            close()
        return response
    if not response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    response.content = b""
    return response


class ApiJsonErrorsMiddleware:
    """Errors under /api/ are JSON, whichever layer answered them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and response.status_code >= 400 and not _is_json(response):
            return json_error(response, request)
        return response


def _is_json(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def json_error(response: HttpResponseBase, request: HttpRequest) -> HttpResponse:
    """`response`'s status and headers with the Explore API's error body."""
    status = response.status_code
    body = {"error_code": error_code(status), "message": error_message(status, request)}
    converted = HttpResponse(orjson.dumps(body), status=status, content_type=JSON_CONTENT_TYPE)
    converted["Content-Length"] = str(len(converted.content))
    for name, value in response.items():
        if name.lower() not in DROPPED_HEADERS:
            converted[name] = value
    for cookie in response.cookies.values():
        converted.cookies[cookie.key] = cookie
    return converted


def error_code(status: int) -> str:
    return ERROR_CODES.get(status, "InternalServerError" if status >= 500 else "HttpError")


def error_message(status: int, request: HttpRequest) -> str:
    if status == 404:
        return _("Nothing is served at %(path)s: see %(docs)s for the API's endpoints.") % {
            "path": request.path,
            "docs": "/api/explore/v2.1/console",
        }
    if status == 405:
        return _("The method %(method)s is not allowed on %(path)s.") % {
            "method": request.method,
            "path": request.path,
        }
    if status == 403:
        return _("This request was refused (a write from a browser session needs its CSRF token).")
    if status >= 500:
        return _("The server failed to answer this request; it has been logged. Please try again later.")
    return _("The request could not be answered (HTTP status %(status)d).") % {"status": status}
