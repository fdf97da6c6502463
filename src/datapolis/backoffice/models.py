"""The state of a publication in progress: one uploaded or downloaded file and what the agent chose.

An `Upload` lives from the moment a file arrives to the moment its import is done. It
remembers the reading options, the preview (so pages do not read the file again), the
agent's field descriptions and the metadata, so a wizard can be left and resumed. Its
file sits under the instance's uploads folder with a random name and is deleted once
imported, or when the upload is abandoned for too long.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UploadState(models.TextChoices):
    READY = "ready", _("Being prepared")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Import failed")


class Upload(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    portal = models.ForeignKey("portals.Portal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dataset = models.ForeignKey(
        "catalog.Dataset",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The dataset whose data this file replaces; empty for a new dataset."),
    )
    source_url = models.URLField(_("source URL"), max_length=2000, blank=True)
    original_name = models.CharField(_("file name"), max_length=300)
    stored_name = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    options = models.JSONField(_("reading options"), default=dict, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=UploadState.choices, default=UploadState.READY)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def path(self) -> Path:
        from datapolis.backoffice.uploads import uploads_folder

        return uploads_folder() / self.stored_name

    @property
    def is_replacement(self) -> bool:
        return self.dataset_id is not None

    @property
    def fields_by_name(self) -> dict[str, dict]:
        return {field["name"]: field for field in self.fields}
