"""Harvest sources (another portal's catalog, read on a schedule), their runs, and what each brought in.

A `HarvestedDataset` ties a remote dataset (its URI, its id at the source) to the local
dataset it became, with what the next run compares: the remote modification date, then
the hashes of its metadata and of its data.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datapolis.catalog.models import Dataset

# What a source's name may be (the CLI, the service and the back-office form check this one rule).
SOURCE_NAME = r"[a-z0-9][a-z0-9_-]{0,99}"


class SourceKind(models.TextChoices):
    ODS = "ods", _("Opendatasoft (Explore API v2.1)")
    CKAN = "ckan", _("CKAN (action API)")
    DCAT = "dcat", _("DCAT-AP catalog (RDF/XML, Turtle, JSON-LD)")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class HarvestSource(models.Model):
    name = models.SlugField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("address"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    organisation = models.CharField(
        _("organisation"), max_length=200, blank=True, help_text=_("Publisher of the harvested datasets.")
    )
    metadata_only = models.BooleanField(_("metadata only"), default=False)
    every = models.DurationField(_("every"), null=True, blank=True, help_text=_("Empty: run by hand only."))
    api_key_encrypted = models.TextField(_("API key (encrypted)"), blank=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    next_run = models.DateTimeField(_("next run"), null=True, blank=True)

    class Meta:
        verbose_name = _("harvest source")
        verbose_name_plural = _("harvest sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)

    def schedule_after(self, moment: dt.datetime) -> None:
        self.next_run = moment + self.every if self.every else None


class HarvestRun(models.Model):
    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="runs")
    job_id = models.PositiveIntegerField(_("job"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started = models.DateTimeField(_("started"), default=timezone.now)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    # {"created": [ids], "updated": [...], "unchanged": [...], "gone": [...], "failed": [{"id", "reason"}]}
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("harvest run")
        verbose_name_plural = _("harvest runs")
        ordering = ["-started"]

    def __str__(self) -> str:
        return f"{self.source.name} {self.started:%Y-%m-%d %H:%M} ({self.status})"

    def counts(self) -> dict[str, int]:
        return {key: len(self.report.get(key) or []) for key in ("created", "updated", "unchanged", "gone", "failed")}


class HarvestedDataset(models.Model):
    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="datasets")
    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, related_name="harvested")
    remote_id = models.CharField(_("identifier at the source"), max_length=300)
    remote_uri = models.CharField(_("URI at the source"), max_length=500, db_index=True)
    remote_modified = models.CharField(_("modified at the source"), max_length=200, blank=True)
    metadata_hash = models.CharField(max_length=64, blank=True)
    data_hash = models.CharField(max_length=64, blank=True)
    gone = models.BooleanField(_("gone from the source"), default=False)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("harvested dataset")
        verbose_name_plural = _("harvested datasets")

    def __str__(self) -> str:
        return f"{self.source.name}: {self.remote_id}"
