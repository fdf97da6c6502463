"""Portals: the sites one instance serves, chosen by host name."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Portal(models.Model):
    """The main portal or a sub-portal (a city, a partner)."""

    host = models.CharField(_("host name"), max_length=253, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(
        _("default portal"), default=False, help_text=_("Serves host names no other portal claims.")
    )

    class Meta:
        verbose_name = _("portal")
        verbose_name_plural = _("portals")
        ordering = ["host"]

    def __str__(self) -> str:
        return f"{self.name} ({self.host})"
