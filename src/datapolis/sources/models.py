"""A dataset's source, its refreshes, and the incidents of its freshness."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datapolis.fetching.spec import display_location


class SourceKind(models.TextChoices):
    URL = "url", _("Web address (HTTP, HTTPS)")
    FTP = "ftp", _("FTP server")
    SFTP = "sftp", _("SFTP server")
    FOLDER = "folder", _("Folder on the server")
    OGC_FEATURES = "ogc_features", _("OGC API - Features service")
    WFS = "wfs", _("WFS 2.0 service")
    ARCGIS = "arcgis", _("ArcGIS REST feature service")


class Outcome(models.TextChoices):
    CHANGED = "changed", _("New version")
    UNCHANGED = "unchanged", _("Unchanged")
    FAILED = "failed", _("Failed")


class DatasetSource(models.Model):
    dataset = models.OneToOneField(
        "catalog.Dataset", verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="refresh_source"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices)
    location = models.CharField(_("location"), max_length=2000, help_text=_("The address, or the file's path."))
    username = models.CharField(_("user name"), max_length=200, blank=True)
    password = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    options = models.JSONField(_("options"), default=dict, blank=True)
    read_options = models.JSONField(_("reading options"), default=dict, blank=True)
    schedule = models.CharField(
        _("schedule"), max_length=100, blank=True, help_text=_("30m, 6h, 1d, 1w or a cron expression; empty: by hand.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run = models.DateTimeField(_("next refresh"), null=True, blank=True)
    validators = models.JSONField(_("validators"), default=dict, blank=True, editable=False)
    last_checked = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_outcome = models.CharField(_("last outcome"), max_length=20, choices=Outcome.choices, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("dataset source")
        verbose_name_plural = _("dataset sources")

    def __str__(self) -> str:
        return f"{self.dataset.dataset_id} ← {self.display_location}"

    @property
    def display_location(self) -> str:
        """The location without credentials (they are stored apart; this is a safeguard)."""
        return display_location(self.location)


class Refresh(models.Model):
    """One fetch of a source: a new version, nothing new, or a failure (the last good version stays)."""

    source = models.ForeignKey(DatasetSource, on_delete=models.CASCADE, related_name="refreshes")
    started = models.DateTimeField(_("started"), default=timezone.now)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    fetched = models.JSONField(_("fetched file"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    job_id = models.PositiveBigIntegerField(_("job"), null=True, blank=True)

    class Meta:
        verbose_name = _("refresh")
        verbose_name_plural = _("refreshes")
        ordering = ["-started", "-pk"]

    def __str__(self) -> str:
        return f"{self.source.dataset.dataset_id} {self.started:%Y-%m-%d %H:%M} {self.outcome}"


class IncidentKind(models.TextChoices):
    LATE = "late", _("Late: not updated when expected")
    REFRESH_FAILED = "refresh_failed", _("Refresh failed")


class Incident(models.Model):
    """A freshness problem of a dataset, from when it is seen to when it is over; its owners are told once."""

    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="freshness_incidents")
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    opened = models.DateTimeField(_("opened"), default=timezone.now)
    closed = models.DateTimeField(_("closed"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    notified = models.JSONField(_("notified"), default=list, blank=True)

    class Meta:
        verbose_name = _("freshness incident")
        verbose_name_plural = _("freshness incidents")
        ordering = ["-opened"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "kind"], condition=models.Q(closed__isnull=True), name="one_open_incident_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset.dataset_id}: {self.kind}"
