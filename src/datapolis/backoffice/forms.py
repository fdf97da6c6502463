"""The back office's forms; every field says what it is for, in the agent's words."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from datapolis.catalog.dataset_objects import LICENSE_URLS
from datapolis.catalog.field_types import type_label
from datapolis.catalog.models import DATASET_ID_VALIDATOR, Dataset, Theme, UpdateFrequency, Visibility
from datapolis.harvest.models import SOURCE_NAME, HarvestSource, SourceKind
from datapolis.harvest.services import HarvestError, parse_every
from datapolis.schema import FIELD_TYPES

LICENSE_CHOICES = [
    ("etalab-2.0", _("Licence Ouverte / Open Licence 2.0 (Etalab) — reuse with attribution")),
    ("odbl-1.0", _("Open Database License (ODbL) 1.0 — reuse with attribution, share alike")),
    ("cc-by-4.0", _("Creative Commons Attribution 4.0 (CC BY)")),
    ("cc0-1.0", _("Creative Commons Zero (CC0) — public domain")),
    ("other", _("Another licence")),
]
KNOWN_LICENSES = {value for value, _label in LICENSE_CHOICES if value != "other"}

LANGUAGE_CHOICES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("br", _("Breton")),
    ("oc", _("Occitan")),
    ("eu", _("Basque")),
    ("ca", _("Catalan")),
    ("co", _("Corsican")),
]

ENCODING_CHOICES = [
    ("", _("Detect")),
    ("utf-8", "UTF-8"),
    ("windows-1252", _("Windows-1252 (older Excel, Western Europe)")),
    ("iso-8859-15", "ISO-8859-15 (Latin-9)"),
    ("utf-16", "UTF-16"),
]
DELIMITER_CHOICES = [
    ("", _("Detect")),
    (";", _("Semicolon ;")),
    (",", _("Comma ,")),
    ("\t", _("Tab")),
    ("|", _("Vertical bar |")),
]
EPSG_HELP = _(
    "Only when the coordinates are not longitude/latitude and the file does not say it: "
    "2154 for Lambert-93, 3948 to 3950 for the Lambert conic conformal zones (CC48–CC50), "
    "27572 for Lambert II extended, 4326 for longitude/latitude (GPS)."
)


def type_choices() -> list[tuple[str, str]]:
    return [(name, type_label(name)) for name in FIELD_TYPES]


def split_list(text: str) -> list[str]:
    """ "a, b ; c" → ["a", "b", "c"], without blanks or repeats."""
    items = [item.strip() for item in text.replace(";", ",").split(",")]
    return list(dict.fromkeys(item for item in items if item))


class Form(forms.Form):
    """Labels without a trailing colon: they sit above their fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# Source ----------------------------------------------------------------------------


class SourceForm(Form):
    file = forms.FileField(
        label=_("A file from your computer"),
        required=False,
        help_text=_(
            "CSV, Excel (.xlsx, .xls), OpenDocument (.ods), JSON, GeoJSON, zipped Shapefile, GeoPackage, KML "
            "or Parquet. French files with semicolons, decimal commas and dd/mm/yyyy dates are read as they are."
        ),
    )
    url = forms.URLField(
        label=_("Or the address (URL) of a file on the web"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("The address must download the file itself, from a public server (https://…)."),
        widget=forms.URLInput(attrs={"placeholder": "https://www.example.fr/data/file.csv"}),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise ValidationError(_("Choose a file, or give an address — one of the two."), code="one_source")
        return data


# Reading options -------------------------------------------------------------------


class ReadOptionsForm(Form):
    encoding = forms.ChoiceField(
        label=_("Text encoding"),
        choices=ENCODING_CHOICES,
        required=False,
        help_text=_("How the characters are written. Change it only if accents look wrong in the preview."),
    )
    delimiter = forms.ChoiceField(
        label=_("Separator between columns"),
        choices=DELIMITER_CHOICES,
        required=False,
        help_text=_("Change it if the preview shows one column where the file has several."),
    )
    sheet = forms.ChoiceField(
        label=_("Sheet"),
        required=False,
        help_text=_("The sheet of the workbook to publish."),
    )
    epsg = forms.IntegerField(
        label=_("Projection of the coordinates (EPSG code)"),
        required=False,
        min_value=1,
        max_value=999999,
        help_text=EPSG_HELP,
    )
    json_path = forms.CharField(
        label=_("Path to the records (JSON)"),
        required=False,
        max_length=200,
        help_text=_("Only when the JSON file holds several lists: the dotted path to the records, e.g. data.items."),
    )

    def __init__(self, *args, file_format: str | None = None, sheets: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_format = file_format
        self.fields["sheet"].choices = [("", _("The first sheet"))] + [(name, name) for name in sheets or []]
        if file_format not in (None, "csv"):
            del self.fields["encoding"]
            del self.fields["delimiter"]
        if not sheets:
            del self.fields["sheet"]
        if file_format not in (None, "json"):
            del self.fields["json_path"]

    def options(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


# Fields ----------------------------------------------------------------------------


class FieldForm(Form):
    name = forms.CharField(widget=forms.HiddenInput)
    label = forms.CharField(
        label=_("Label"),
        max_length=300,
        required=False,
        help_text=_("The column name people read (the file's header by default)."),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=type_choices,
        help_text=_("What the values are; the proposed type fits every value of the column."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the column holds, how it was measured, its source."),
    )
    unit = forms.CharField(label=_("Unit"), max_length=50, required=False, help_text=_("For numbers: km, €, %, kWh…"))
    facet = forms.BooleanField(
        label=_("Filter"),
        required=False,
        help_text=_("Offer the values of this column as a filter on the dataset page."),
    )
    sortable = forms.BooleanField(
        label=_("Sortable"),
        required=False,
        help_text=_("Allow sorting on this column (numbers and dates always are)."),
    )

    def __init__(self, *args, derived: bool = False, with_type: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_type:
            del self.fields["type"]
        elif derived:
            self.fields["type"].disabled = True
            self.fields["type"].help_text = _("Made from the latitude and longitude columns.")


class BaseFieldFormSet(forms.BaseFormSet):
    def __init__(self, *args, field_rows: list[dict] | None = None, with_type: bool = True, **kwargs):
        self.field_rows = field_rows or []
        self.with_type = with_type
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        derived = index is not None and index < len(self.field_rows) and self.field_rows[index].get("derived", False)
        return {"derived": derived, "with_type": self.with_type}

    def clean(self):
        names = [form.cleaned_data.get("name") for form in self.forms if form.cleaned_data]
        known = {row["name"] for row in self.field_rows}
        if any(name not in known for name in names):
            raise ValidationError(_("The fields changed meanwhile: reload the page."), code="stale")


FieldFormSet = forms.formset_factory(FieldForm, formset=BaseFieldFormSet, extra=0, can_delete=False)


# Metadata --------------------------------------------------------------------------


class MetadataForm(Form):
    dataset_id = forms.CharField(
        label=_("Identifier"),
        max_length=100,
        validators=[DATASET_ID_VALIDATOR],
        help_text=_(
            "The dataset's name in web addresses and in the API, which never changes: lowercase letters, digits, "
            "“-” and “_”, e.g. velos-comptages-2024."
        ),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        help_text=_("A short, plain title: what, where, when (e.g. “Bike counts in Rennes, 2024”)."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What the data is, who collects it and how, what one row is, known limits. Simple HTML is allowed."
        ),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The catalog's themes this dataset belongs to."),
    )
    new_themes = forms.CharField(
        label=_("Other themes"),
        required=False,
        max_length=500,
        help_text=_("Themes to add to the catalog, separated by commas."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=1000,
        help_text=_("Words people may search for, separated by commas (e.g. vélo, mobilité, comptage)."),
    )
    license = forms.ChoiceField(
        label=_("Licence"),
        choices=LICENSE_CHOICES,
        help_text=_(
            "What others may do with the data. Public bodies in France use the Licence Ouverte 2.0 "
            "or the ODbL (Décret n° 2017-638)."
        ),
    )
    license_other = forms.CharField(
        label=_("Name of the other licence"), required=False, max_length=100, help_text=_("Only for “Another licence”.")
    )
    license_url = forms.URLField(
        label=_("Address of the licence text"),
        required=False,
        assume_scheme="https",
        help_text=_("Filled in for the licences listed above; give it for another licence."),
    )
    publisher = forms.CharField(
        label=_("Publisher"),
        max_length=200,
        required=False,
        help_text=_("The organisation responsible for publishing the data (e.g. Rennes Métropole)."),
    )
    producer = forms.CharField(
        label=_("Producer"),
        max_length=200,
        required=False,
        help_text=_("The organisation or department that produces the data, if not the publisher."),
    )
    contact_name = forms.CharField(
        label=_("Contact"), max_length=200, required=False, help_text=_("A team or a role rather than a person.")
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"), required=False, help_text=_("Where people can ask questions about the data.")
    )
    update_frequency = forms.ChoiceField(
        label=_("Update frequency"),
        choices=UpdateFrequency.choices,
        help_text=_("How often a new version of the data is published."),
    )
    territory = forms.CharField(
        label=_("Territory"),
        required=False,
        max_length=1000,
        help_text=_("The places the data covers, separated by commas (e.g. Rennes Métropole, Ille-et-Vilaine)."),
    )
    temporal_start = forms.DateField(
        label=_("Period covered: from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The first day the data describes."),
    )
    temporal_end = forms.DateField(
        label=_("Period covered: to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day the data describes; empty if it goes on."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=LANGUAGE_CHOICES, help_text=_("The language of the data.")
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Public: everyone can see and download it (open data). Restricted: only the people and groups given "
            "access (internal data)."
        ),
    )

    def __init__(self, *args, new: bool = True, organisations: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.new = new
        self.organisations = organisations
        if not new:
            del self.fields["dataset_id"]
        if not Theme.objects.exists():
            del self.fields["themes"]
            self.fields["new_themes"].label = _("Themes")
            self.fields["new_themes"].help_text = _(
                "The catalog has no theme yet: name this dataset's themes, separated by commas (e.g. Mobilité)."
            )
        if organisations:
            self.fields["publisher"].help_text = _(
                "You publish for: %(organisations)s. The publisher or the producer must be one of them."
            ) % {"organisations": ", ".join(organisations)}

    def clean_dataset_id(self):
        dataset_id = self.cleaned_data["dataset_id"].strip()
        if Dataset.objects.filter(dataset_id=dataset_id).exists():
            raise ValidationError(_("This identifier is already taken: choose another one."), code="taken")
        return dataset_id

    def clean(self):
        data = super().clean()
        if data.get("license") == "other":
            if not data.get("license_other"):
                self.add_error("license_other", _("Give the name of the licence."))
        elif data.get("license") in KNOWN_LICENSES and not data.get("license_url"):
            data["license_url"] = LICENSE_URLS.get(data["license"], "")
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and end < start:
            self.add_error("temporal_end", _("The end of the period comes before its start."))
        if self.organisations is not None:
            allowed = {name.lower() for name in self.organisations}
            named = {(data.get("publisher") or "").strip().lower(), (data.get("producer") or "").strip().lower()}
            if not allowed & named:
                self.add_error(
                    "publisher",
                    gettext("Name one of your organisations as publisher or producer: %(organisations)s.")
                    % {"organisations": ", ".join(self.organisations)},
                )
        return data

    def metadata(self) -> dict:
        """The cleaned data as the back-office services store it (JSON-ready)."""
        data = self.cleaned_data
        themes = [theme.name for theme in data.get("themes") or []] + split_list(data.get("new_themes") or "")
        license_id = data["license_other"].strip() if data["license"] == "other" else data["license"]
        metadata = {
            "title": data["title"].strip(),
            "description": data.get("description") or "",
            "themes": list(dict.fromkeys(themes)),
            "keywords": split_list(data.get("keywords") or ""),
            "license": license_id,
            "license_url": data.get("license_url") or "",
            "publisher": (data.get("publisher") or "").strip(),
            "producer": (data.get("producer") or "").strip(),
            "contact_name": (data.get("contact_name") or "").strip(),
            "contact_email": data.get("contact_email") or "",
            "update_frequency": data["update_frequency"],
            "territory": split_list(data.get("territory") or ""),
            "temporal_start": data["temporal_start"].isoformat() if data.get("temporal_start") else None,
            "temporal_end": data["temporal_end"].isoformat() if data.get("temporal_end") else None,
            "language": data["language"],
            "visibility": data["visibility"],
        }
        if self.new:
            metadata["dataset_id"] = data["dataset_id"]
        return metadata


def metadata_initial(dataset: Dataset | None = None, stored: dict | None = None, **defaults) -> dict:
    """Initial values of the metadata form, from a dataset or from metadata saved in an upload."""
    if stored:
        source = dict(stored)
        themes = list(source.get("themes") or [])
    elif dataset is not None:
        source = {name: getattr(dataset, name) for name in MetadataForm.base_fields if hasattr(dataset, name)}
        themes = [theme.name for theme in dataset.themes.all()]
    else:
        return {
            "license": "etalab-2.0",
            "update_frequency": UpdateFrequency.UNKNOWN,
            "language": "fr",
            "visibility": Visibility.PUBLIC,
            **defaults,
        }
    known = dict(Theme.objects.filter(name__in=themes).values_list("name", "slug"))
    initial = {key: value for key, value in source.items() if key in MetadataForm.base_fields}
    initial["themes"] = [known[name] for name in themes if name in known]
    initial["new_themes"] = ", ".join(name for name in themes if name not in known)
    initial["keywords"] = ", ".join(source.get("keywords") or [])
    initial["territory"] = ", ".join(source.get("territory") or [])
    license_id = source.get("license") or ""
    if license_id and license_id not in KNOWN_LICENSES:
        initial["license"], initial["license_other"] = "other", license_id
    return initial


# Deletion --------------------------------------------------------------------------


class DeleteForm(Form):
    confirmation = forms.CharField(
        label=_("Type the dataset's identifier to confirm"),
        max_length=100,
        help_text=_("This deletes the dataset, its data and its history. It cannot be undone."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, dataset_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.dataset_id = dataset_id

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip()
        if value != self.dataset_id:
            raise ValidationError(
                _("Type %(dataset_id)s exactly to delete this dataset."),
                params={"dataset_id": self.dataset_id},
                code="mismatch",
            )
        return value


# Harvesting ------------------------------------------------------------------------

SCHEDULE_CHOICES = [
    ("", _("By hand only")),
    ("1h", _("Every hour")),
    ("1d", _("Every day")),
    ("1w", _("Every week")),
    ("other", _("Another period")),
]
# The rule of `harvest.services.add_source`, checked here to say it in the agent's words.
HARVEST_NAME = RegexValidator(
    rf"^{SOURCE_NAME}\Z",
    _("Use lowercase letters, digits, “-” and “_”, starting with a letter or a digit."),
    code="invalid_name",
)


class HarvestSourceForm(Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        validators=[HARVEST_NAME],
        help_text=_(
            "A short name for the source, e.g. old-portal: lowercase letters, digits, “-” and “_”. "
            "It names the source in the audit log and on the command line, and prefixes the identifiers "
            "of its datasets when theirs are taken."
        ),
    )
    url = forms.URLField(
        label=_("Address of the portal"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Opendatasoft and CKAN: the portal's home page or one of its API addresses. "
            "DCAT: the address of the catalog document (RDF/XML, Turtle or JSON-LD)."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://data.example.fr"}),
    )
    kind = forms.ChoiceField(label=_("Kind of portal"), choices=SourceKind.choices)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_(
            "The publisher of the harvested datasets here (its publishers may then edit them); the source's "
            "publisher becomes their producer. Empty: the publisher the source gives."
        ),
    )
    metadata_only = forms.BooleanField(
        label=_("Metadata only"),
        required=False,
        help_text=_("Harvest the descriptions of the datasets, not their data."),
    )
    schedule = forms.ChoiceField(
        label=_("Schedule"),
        choices=SCHEDULE_CHOICES,
        required=False,
        help_text=_("A scheduled source is harvested by the job worker within a minute, then after every period."),
    )
    other_every = forms.CharField(
        label=_("Another period"),
        max_length=20,
        required=False,
        help_text=_(
            "With “Another period” above: a number and a unit, m (minutes), h (hours), d (days) or w (weeks), "
            "e.g. 30m, 6h or 2d."
        ),
    )
    api_key = forms.CharField(
        label=_("API key of the source"),
        max_length=1000,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Optional: a key of the source that sees its private datasets (they are harvested as restricted). "
            "Stored encrypted, sent to the source's own host only, never shown again."
        ),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if HarvestSource.objects.filter(name=name).exists():
            raise ValidationError(_("A source is already called %(name)s."), params={"name": name}, code="name_taken")
        return name

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValidationError(_("Give an http:// or https:// address."), code="scheme")
        return url

    def clean(self):
        data = super().clean()
        schedule, other = data.get("schedule") or "", (data.get("other_every") or "").strip()
        if schedule != "other" and other:
            self.add_error(
                "other_every", _("Choose “Another period” as the schedule to use this period, or leave it empty.")
            )
            return data
        if schedule == "other" and not other:
            self.add_error("other_every", _("Write the period, e.g. 6h."))
            return data
        try:
            data["every"] = parse_every(other if schedule == "other" else schedule)
        except HarvestError:
            self.add_error("other_every", _("Write a number and a unit, m, h, d or w: e.g. 30m, 6h or 2d."))
        return data


def every_label(every: dt.timedelta | None) -> str:
    """A harvest schedule in words: "By hand only", "Every day", "Every 6 hours"..."""
    if not every:
        return gettext("By hand only")
    seconds = int(every.total_seconds())
    units = [
        (7 * 86400, gettext_noop("Every week"), gettext_noop("Every %(count)s weeks")),
        (86400, gettext_noop("Every day"), gettext_noop("Every %(count)s days")),
        (3600, gettext_noop("Every hour"), gettext_noop("Every %(count)s hours")),
        (60, gettext_noop("Every minute"), gettext_noop("Every %(count)s minutes")),
    ]
    size, one, many = next((unit for unit in units if seconds % unit[0] == 0), units[-1])
    count = max(1, seconds // size)
    return gettext(one) if count == 1 else gettext(many) % {"count": count}
