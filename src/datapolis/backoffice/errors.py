"""Problems with a file, told in plain words in the agent's language, with what to do.

Readers raise `IngestError` with an English template marked for translation, its
parameters and a location; jobs store the same as a dict. `explain()` turns either into
an `Explanation`: where ("Line 3, column 2 (“population”)"), what (the translated
sentence, with type names in words) and a hint saying what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop

from datapolis.catalog.field_types import TYPE_LABELS
from datapolis.ingest import IngestError


class Refusal(Exception):
    """Something asked of the back office cannot be done; `template` % `params` says why.

    `template` is an English sentence marked for translation (`gettext_noop`), `code` picks
    the hint `explain()` adds. The one class behind `BackofficeError` (services) and
    `UploadRefused` (uploads), which differ in their default code; `datapolis.fetching.FetchError`
    (URL sources) has the same attributes.
    """

    default_code = "refused"

    def __init__(self, template: str, params: dict[str, Any] | None = None, code: str | None = None) -> None:
        super().__init__(template % (params or {}))
        self.template = template
        self.params = params or {}
        self.code = code or self.default_code


HINTS = {
    "empty_file": gettext_noop("Check that you sent the right file, and that it holds a header row and data rows."),
    "not_a_csv": gettext_noop(
        "The file is not text. If it is a spreadsheet, send it with its .xlsx, .xls or .ods name; "
        "otherwise export it as CSV from the program that made it."
    ),
    "not_a_text_file": gettext_noop("The file is not text: export it again from the program that made it."),
    "unknown_format": gettext_noop(
        "Send a CSV, Excel (.xlsx, .xls), OpenDocument (.ods), JSON, GeoJSON, zipped Shapefile, GeoPackage, "
        "KML or Parquet file."
    ),
    "unreadable": gettext_noop("The file may be damaged: export it again and send the new copy."),
    "bad_encoding": gettext_noop(
        "The text encoding chosen does not fit this file. Leave the encoding on “detect”, or choose Windows-1252 "
        "for files saved by older versions of Excel."
    ),
    "ragged_row": gettext_noop(
        "Open the file in a text editor at this line: a separator inside a value that is not between quotes, "
        "or a missing cell, shifts the columns. If the whole file is affected, choose the separator yourself."
    ),
    "truncated": gettext_noop("The file seems cut short: download or export it again, completely."),
    "bad_quote": gettext_noop(
        'A value starting with a quote (") must end with one; quotes inside a value are written twice ("").'
    ),
    "line_too_long": gettext_noop("This line is far too long: the file is probably not a table."),
    "bad_csv": gettext_noop("Check the separator and the quotes around this line, or choose the separator yourself."),
    "bad_json": gettext_noop("Check the JSON syntax at this place (a missing comma, quote or bracket)."),
    "json_path_required": gettext_noop("Say where the records are with the “path to the records” option."),
    "json_path_not_found": gettext_noop("Check the “path to the records” option: it names nothing in the file."),
    "no_records": gettext_noop("The JSON file must hold a list of objects (one per record)."),
    "missing_projection": gettext_noop(
        "Give the EPSG code of the coordinates, for example 2154 for Lambert-93 or 4326 for longitude/latitude."
    ),
    "no_shapefile": gettext_noop("The zip archive must hold the .shp file with its .shx, .dbf and .prj files."),
    "bad_option": gettext_noop("Change the option or field type named here, then try again."),
    "bad_value": gettext_noop(
        "Correct the value in the file, or keep the type the reader proposed (text accepts every value)."
    ),
    "private_address": gettext_noop("Download the file yourself and upload it."),
    "too_large": gettext_noop("Split the file, or ask your administrator to raise the limit."),
    "timeout": gettext_noop("Try again later, or download the file yourself and upload it."),
    "http_status": gettext_noop("Check the address in your browser: it must download the file itself."),
    "bad_extension": gettext_noop("Export the data in one of the accepted formats."),
    "interrupted": gettext_noop("Start the import again: the file and your choices are kept."),
    "unreadable_file": gettext_noop(
        "Open the file in the program that made it, export it again, and send the new copy. "
        "For maps, GeoJSON or a zipped Shapefile are the safest formats."
    ),
    "memory_limit": gettext_noop(
        "Open the file and save it again (an empty cell far below or to the right of the data can make a "
        "spreadsheet huge), or export the data as CSV. Your administrator can raise the limit."
    ),
    "time_limit": gettext_noop("Export the data as CSV and send it, or ask your administrator to raise the limit."),
    "too_deep": gettext_noop("Export the data as a flat list of records (one object per record), or as CSV."),
}
DEFAULT_HINT = gettext_noop("Correct the file, or change the reading options, then try again.")


@dataclass(frozen=True)
class Explanation:
    code: str
    where: str
    message: str
    hint: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.where} : {self.message}" if self.where else self.message


def error_dict(error: IngestError | Exception) -> dict[str, Any]:
    """What a job or an upload stores of an error, enough to explain it later in any language."""
    if isinstance(error, IngestError):
        return {
            "code": error.code,
            "template": error.template,
            "params": _jsonable(error.params),
            "line": error.line,
            "column": error.column,
            "field": error.field,
        }
    template = getattr(error, "template", None)
    if template:
        return {"code": getattr(error, "code", "error"), "template": template, "params": _jsonable(error.params)}
    return {"code": "error", "message": str(error)}


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value if isinstance(value, int | float | str | bool) or value is None else str(value)
        for key, value in (params or {}).items()
    }


def explain(error: IngestError | Exception | dict[str, Any]) -> Explanation:
    data = error if isinstance(error, dict) else error_dict(error)
    code = data.get("code") or "error"
    params = {
        key: TYPE_LABELS.get(value, value) if key in ("type", "actual") and isinstance(value, str) else value
        for key, value in (data.get("params") or {}).items()
    }
    if data.get("template"):
        try:
            message = gettext(data["template"]) % params
        except (KeyError, TypeError, ValueError):
            message = data["template"] % (data.get("params") or {})
    else:
        message = data.get("message") or gettext("Unexpected error.")
    return Explanation(
        code=code,
        where=where(data.get("line"), data.get("column"), data.get("field")),
        message=message,
        hint=gettext(HINTS.get(code, DEFAULT_HINT)),
        line=data.get("line"),
        column=data.get("column"),
        field=data.get("field"),
    )


def where(line: int | None, column: int | None, field: str | None) -> str:
    """ "Line 3, column 2 (“population”)", as much of it as is known."""
    values = {"line": line, "column": column, "field": field}
    if line and column and field:
        return gettext("Line %(line)s, column %(column)s (“%(field)s”)") % values
    if line and column:
        return gettext("Line %(line)s, column %(column)s") % values
    if line and field:
        return gettext("Line %(line)s (“%(field)s”)") % values
    if line:
        return gettext("Line %(line)s") % values
    if column and field:
        return gettext("Column %(column)s (“%(field)s”)") % values
    if field:
        return gettext("Field “%(field)s”") % values
    return ""
