"""The catalog: datasets, their fields, attachments and themes.

Metadata follows DCAT-AP (see docs/catalog.md for the property mapping). The data
itself lives in the engine's versioned store; `Dataset.records_count` and
`Dataset.current_version` mirror the published version for listing without a query.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DATASET_ID_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,99}$",
    _("Use 1 to 100 lowercase letters, digits, '-' or '_', starting with a letter or digit."),
)


def new_dataset_uid() -> str:
    return "da_" + secrets.token_hex(3)


class Theme(models.Model):
    slug = models.SlugField(_("identifier"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UpdateFrequency(models.TextChoices):
    """The EU frequency vocabulary used by DCAT-AP's dct:accrualPeriodicity."""

    CONTINUOUS = "continuous", _("Continuous")
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Annual")
    IRREGULAR = "irregular", _("Irregular")
    UNKNOWN = "unknown", pgettext_lazy("update frequency", "Unknown")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (open data)")
    RESTRICTED = "restricted", _("Restricted (internal)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class SchemaMode(models.TextChoices):
    WARN = "warn", _("Warn: publish, and show the errors")
    BLOCK = "block", _("Block: refuse to publish data with errors")


class Dataset(models.Model):
    dataset_id = models.CharField(_("identifier"), max_length=100, unique=True, validators=[DATASET_ID_VALIDATOR])
    uid = models.CharField(_("unique id"), max_length=20, unique=True, default=new_dataset_uid, editable=False)
    portal = models.ForeignKey(
        "portals.Portal",
        verbose_name=_("portal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="datasets",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="datasets")
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    license = models.CharField(_("licence"), max_length=100, blank=True, default="etalab-2.0")
    license_url = models.URLField(_("licence URL"), blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    producer = models.CharField(_("producer"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    update_frequency = models.CharField(
        _("update frequency"), max_length=20, choices=UpdateFrequency.choices, default=UpdateFrequency.UNKNOWN
    )
    territory = models.JSONField(_("territory"), default=list, blank=True)
    temporal_start = models.DateField(_("temporal coverage start"), null=True, blank=True)
    temporal_end = models.DateField(_("temporal coverage end"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, default="fr")
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    modified = models.DateTimeField(_("modified"), default=timezone.now)
    metadata_modified = models.DateTimeField(_("metadata modified"), default=timezone.now)
    data_modified = models.DateTimeField(_("data modified"), null=True, blank=True)

    current_version = models.PositiveIntegerField(_("current version"), null=True, blank=True, editable=False)
    current_snapshot = models.PositiveBigIntegerField(_("current snapshot"), null=True, blank=True, editable=False)
    records_count = models.PositiveBigIntegerField(_("records"), default=0, editable=False)
    source = models.JSONField(_("source"), default=dict, blank=True, editable=False)
    # The store's versions the catalog has recorded: a version the lake committed but whose
    # publication died before this record is no version of the dataset (catalog.services.versions).
    recorded_versions = models.JSONField(_("recorded versions"), default=list, blank=True, editable=False)
    views = models.PositiveBigIntegerField(_("views"), default=0, editable=False)
    # Preparation (docs/sources.md): processing steps applied to each import, and the
    # Table Schema each import is validated against (its descriptor, kept as declared).
    steps = models.JSONField(_("processing steps"), default=list, blank=True)
    table_schema = models.JSONField(_("Table Schema"), default=dict, blank=True)
    table_schema_url = models.CharField(_("Table Schema address"), max_length=2000, blank=True)
    schema_mode = models.CharField(
        _("on schema errors"), max_length=10, choices=SchemaMode.choices, default=SchemaMode.WARN
    )

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["-modified"]

    def __str__(self) -> str:
        return self.title

    def touch_metadata(self) -> None:
        now = timezone.now()
        self.metadata_modified = now
        self.modified = now

    def touch_data(self) -> None:
        now = timezone.now()
        self.data_modified = now
        self.modified = now

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def has_records(self) -> bool:
        return self.current_version is not None

    @property
    def features(self) -> list[str]:
        """The Explore API features: analyze always, geo and timeserie from the field types."""
        types = {field.type for field in self.fields.all()}
        features = ["analyze"] if self.has_records else []
        if types & {"geo_point_2d", "geo_shape"}:
            features.append("geo")
        if types & {"date", "datetime"}:
            features.append("timeserie")
        return features


class Field(models.Model):
    """A field of the current version, with what publishers add to it."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    label = models.CharField(_("label"), max_length=300)
    type = models.CharField(_("type"), max_length=20)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    facet = models.BooleanField(_("facet"), default=False, help_text=_("Offer this field as a filter."))
    sortable = models.BooleanField(_("sortable"), default=False, help_text=_("Allow sorting text values."))
    multivalued = models.CharField(
        _("multivalued separator"), max_length=5, blank=True, help_text=_("Split text values on this separator.")
    )
    disjunctive = models.BooleanField(_("disjunctive facet"), default=False)
    is_id = models.BooleanField(_("identifier"), default=False, help_text=_("Part of the record's key."))

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["dataset", "position"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="unique_field_name_per_dataset")]

    def __str__(self) -> str:
        return f"{self.dataset.dataset_id}.{self.name}"

    def annotations(self) -> dict[str, list[Any]]:
        """Annotations in the Explore API form (`{"facet": [], "unit": ["km2"]}`)."""
        annotations: dict[str, list[Any]] = {}
        if self.facet:
            annotations["facet"] = []
        if self.disjunctive:
            annotations["disjunctive"] = []
        if self.sortable or self.type in {"int", "double", "date", "datetime"}:
            annotations["sortable"] = []
        if self.multivalued:
            annotations["multivalued"] = [self.multivalued]
        if self.is_id:
            annotations["id"] = []
        if self.unit:
            annotations["unit"] = [self.unit]
        if self.type == "date":
            annotations["timeserie_precision"] = ["day"]
        return annotations


class LegalBasis(models.TextChoices):
    """The lawful bases of processing of the GDPR (article 6)."""

    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    VITAL_INTERESTS = "vital_interests", _("Vital interests")
    PUBLIC_TASK = "public_task", _("Public task")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")


class PersonalData(models.Model):
    """A dataset declared as holding personal data: the register's entry for the data protection officer."""

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="personal_data")
    fields = models.JSONField(_("personal fields"), default=list, blank=True)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis.choices)
    retention = models.CharField(_("retention"), max_length=300)
    contact = models.CharField(_("contact"), max_length=300)
    declared = models.DateTimeField(_("declared"), default=timezone.now)

    class Meta:
        verbose_name = _("personal data declaration")
        verbose_name_plural = _("personal data declarations")

    def __str__(self) -> str:
        return self.dataset.dataset_id


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.dataset.uid}/{filename}"


class Attachment(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="attachments")
    attachment_id = models.SlugField(_("identifier"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to=attachment_path)
    mimetype = models.CharField(_("media type"), max_length=100)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "attachment_id"], name="unique_attachment_per_dataset")
        ]

    def __str__(self) -> str:
        return self.title


class MetadataToken(models.Model):
    """One row: a random number database triggers renew on every change of cached metadata.

    See `datapolis.catalog.metadata_cache`; nothing else writes it."""

    token = models.BigIntegerField()

    class Meta:
        verbose_name = _("metadata token")

    def __str__(self) -> str:
        return str(self.token)
