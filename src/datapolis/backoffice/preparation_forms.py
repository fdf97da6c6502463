"""The forms of a dataset's preparation: its source, a processing step's options, its schema, its personal data.

A step's form is built from its processor's option specs (`datapolis.steps.Option`): a
field is chosen in a list of the fields the previous step makes, a list of fields in a
multiple choice, a mapping is written as `key=value` lines.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from datapolis.backoffice.forms import DELIMITER_CHOICES, ENCODING_CHOICES, Form
from datapolis.backoffice.step_texts import OPTION_LABELS, PROCESSOR_TEXTS
from datapolis.catalog.field_types import type_label
from datapolis.catalog.models import LegalBasis, SchemaMode
from datapolis.schema import FIELD_TYPES
from datapolis.sources.models import SourceKind
from datapolis.steps import PROCESSORS, Processor

SCHEMA_MAX_BYTES = 5 * 1024 * 1024


def parse_pairs(text: str, *, what: str = "") -> dict[str, str]:
    """`key=value` lines (blank lines skipped) → a dict; ValidationError names a line without "="."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                _("Line %(line)s: write key=value, one per line."), params={"line": number}, code="pairs"
            )
        pairs[key.strip()] = value.strip()
    return pairs


def pairs_text(mapping: dict[str, Any] | None) -> str:
    return "\n".join(f"{key}={'' if value is None else value}" for key, value in (mapping or {}).items())


def processor_label(kind: str) -> str:
    texts = PROCESSOR_TEXTS.get(kind)
    if texts:
        return str(texts[0])
    processor = PROCESSORS.get(kind)
    return processor.label if processor else kind


def processor_description(kind: str) -> str:
    texts = PROCESSOR_TEXTS.get(kind)
    if texts:
        return str(texts[1])
    processor = PROCESSORS.get(kind)
    return processor.description if processor else ""


def processor_choices() -> list[tuple[str, str]]:
    return [(kind, processor_label(kind)) for kind in PROCESSORS]


# Source ------------------------------------------------------------------------------


class DatasetSourceForm(Form):
    kind = forms.ChoiceField(
        label=_("Kind of source"),
        choices=[("", _("Guess from the address")), *SourceKind.choices],
        required=False,
    )
    location = forms.CharField(
        label=_("Address or path"),
        max_length=2000,
        help_text=_(
            "https://…, ftp://…, sftp://… or the path of a file (or of a folder, with a pattern) "
            "in a folder of this server that sources may read."
        ),
    )
    username = forms.CharField(label=_("User name"), max_length=200, required=False)
    password = forms.CharField(
        label=_("Password"),
        max_length=1000,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again."),
    )
    forget_password = forms.BooleanField(label=_("Forget the stored password"), required=False)
    schedule = forms.CharField(
        label=_("Schedule"),
        max_length=100,
        required=False,
        help_text=_(
            "30m, 6h, 1d or 1w (every 30 minutes, 6 hours, day, week), or a cron expression such as "
            "“0 6 * * 1-5”. Empty: refreshed by hand only."
        ),
        widget=forms.TextInput(attrs={"list": "schedule-suggestions", "autocomplete": "off"}),
    )
    delimiter = forms.ChoiceField(label=_("CSV separator"), choices=DELIMITER_CHOICES, required=False)
    encoding = forms.ChoiceField(label=_("CSV encoding"), choices=ENCODING_CHOICES, required=False)
    options = forms.CharField(
        label=_("Options of the source"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "One key=value per line, as the kind of source needs: collection (OGC API - Features), "
            "typeName (WFS), layer (ArcGIS), pattern (a folder or FTP directory: the newest matching file)."
        ),
    )

    def __init__(self, *args, has_password: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_password = has_password
        if has_password:
            self.fields["password"].help_text = _(
                "A password is stored. Leave this empty to keep it, or type a new one to replace it."
            )
        else:
            del self.fields["forget_password"]

    def clean_options(self) -> dict[str, str]:
        return parse_pairs(self.cleaned_data.get("options") or "")

    def read_options(self) -> dict[str, str]:
        data = self.cleaned_data
        return {key: data[key] for key in ("delimiter", "encoding") if data.get(key)}


def source_initial(summary: dict[str, Any] | None) -> dict[str, Any]:
    if not summary:
        return {}
    read_options = summary.get("read_options") or {}
    return {
        "kind": summary["kind"],
        "location": summary["location"],
        "username": summary["username"],
        "schedule": summary["schedule"],
        "delimiter": read_options.get("delimiter", ""),
        "encoding": read_options.get("encoding", ""),
        "options": pairs_text(summary.get("options")),
    }


# Processing steps --------------------------------------------------------------------


class ChooseProcessorForm(Form):
    kind = forms.ChoiceField(label=_("Processor"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Choose a processor…")), *processor_choices()]


class StepOptionsForm(Form):
    """The options of one processor; `options()` gives them as the step's JSON (empty optional ones left out)."""

    def __init__(self, *args, processor: Processor, field_names: list[str], **kwargs):
        kwargs.setdefault("prefix", "opt")
        super().__init__(*args, **kwargs)
        self.processor = processor
        self.field_names = field_names
        for option in processor.options:
            self.fields[option.name] = self._field(option)

    def _field(self, option) -> forms.Field:
        label = str(OPTION_LABELS.get(option.name, option.name.replace("_", " ").capitalize()))
        common: dict[str, Any] = {"label": label, "required": option.required}
        help_text = gettext("a new field for the result; default: replace the field") if option.help else ""
        if option.default not in (None, "") and option.type not in ("bool",):
            help_text = (help_text + " " if help_text else "") + gettext("Default: %(value)s") % {
                "value": option.default
            }
        common["help_text"] = help_text
        names = [(name, name) for name in self.field_names]
        kind = option.type
        if kind == "field":
            known = names if option.required else [("", "—"), *names]
            return forms.ChoiceField(choices=known, **common)
        if kind == "fields":
            return forms.MultipleChoiceField(
                choices=names, widget=forms.SelectMultiple(attrs={"size": min(8, max(3, len(names)))}), **common
            )
        if kind == "names":
            common["help_text"] = gettext("New field names, separated by commas.")
            return forms.CharField(**common)
        if kind == "int":
            return forms.IntegerField(min_value=option.minimum, **common)
        if kind == "number":
            return forms.FloatField(min_value=option.minimum, **common)
        if kind == "bool":
            return forms.BooleanField(label=label, required=False, initial=bool(option.default))
        if kind in ("choice", "field_type"):
            choices = (
                [(value, type_label(value)) for value in FIELD_TYPES]
                if kind == "field_type"
                else [(value, value) for value in option.choices]
            )
            if not option.required:
                choices = [("", "—"), *choices]
            return forms.ChoiceField(choices=choices, **common)
        if kind in ("mapping", "renames"):
            common["help_text"] = gettext("One key=value per line.")
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}), **common)
        if kind == "json":
            common["help_text"] = gettext("A JSON value.")
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}), **common)
        attrs = {"spellcheck": "false"} if kind in ("name", "dataset", "text") else {}
        return forms.CharField(strip=kind != "text", widget=forms.TextInput(attrs=attrs), **common)

    def options(self) -> dict[str, Any]:
        """The step's options from the cleaned data."""
        result: dict[str, Any] = {}
        for option in self.processor.options:
            value = self.cleaned_data.get(option.name)
            kind = option.type
            if kind == "bool":
                result[option.name] = bool(value)
                continue
            if value in (None, "", []):
                continue
            if kind == "names":
                value = [item.strip() for item in value.split(",") if item.strip()]
            elif kind in ("mapping", "renames"):
                value = parse_pairs(value)
            elif kind == "json":
                value = json.loads(value)
            elif kind == "number" and float(value).is_integer() and not isinstance(option.default, float):
                value = int(value) if abs(value) < 2**53 else value
            result[option.name] = value
        return result

    def clean(self):
        data = super().clean()
        for option in self.processor.options:
            value = data.get(option.name)
            if not value:
                continue
            try:
                if option.type in ("mapping", "renames"):
                    parse_pairs(value)
                elif option.type == "json":
                    json.loads(value)
            except ValidationError as error:
                self.add_error(option.name, error)
            except ValueError:
                self.add_error(option.name, _("This is not valid JSON."))
        return data


def step_initial(processor: Processor, options: dict[str, Any]) -> dict[str, Any]:
    """The values of a step's form for its saved options."""
    initial: dict[str, Any] = {}
    for option in processor.options:
        value = options.get(option.name, option.default)
        if value is None:
            continue
        if option.type == "names":
            value = ", ".join(value)
        elif option.type in ("mapping", "renames"):
            value = pairs_text(value)
        elif option.type == "json":
            value = json.dumps(value, ensure_ascii=False)
        initial[option.name] = value
    return initial


# Schema ------------------------------------------------------------------------------


class SchemaForm(Form):
    url = forms.URLField(
        label=_("Address of the schema"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("The schema.json of a schema published on schema.data.gouv.fr, for instance."),
        widget=forms.URLInput(attrs={"placeholder": "https://schema.data.gouv.fr/schemas/…/schema.json"}),
    )
    file = forms.FileField(
        label=_("Or a schema file"), required=False, help_text=_("A Table Schema JSON file (schema.json).")
    )
    mode = forms.ChoiceField(
        label=_("When the data does not follow the schema"),
        choices=SchemaMode.choices,
        initial=SchemaMode.WARN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, has_schema: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_schema = has_schema

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > SCHEMA_MAX_BYTES:
            raise ValidationError(_("A schema file is at most 5 MB."), code="too_large")
        return upload

    def clean(self):
        data = super().clean()
        if data.get("url") and data.get("file"):
            raise ValidationError(_("Give an address or a file, not both."), code="both")
        if not data.get("url") and not data.get("file") and not self.has_schema:
            raise ValidationError(_("Give the address of a schema, or its file."), code="none")
        return data


# Personal data -----------------------------------------------------------------------


class PersonalDataForm(Form):
    personal_fields = forms.MultipleChoiceField(
        label=_("Fields holding personal data"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Names, addresses, phone numbers, identifiers of people, exact dates of birth…"),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why this data is processed."),
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    retention = forms.CharField(
        label=_("Retention"), max_length=300, help_text=_("How long the data is kept, e.g. “5 years”.")
    )
    contact = forms.CharField(
        label=_("Contact"),
        max_length=300,
        help_text=_("Who answers questions on this data: the data protection officer, a service…"),
    )

    def __init__(self, *args, field_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personal_fields"].choices = field_choices
