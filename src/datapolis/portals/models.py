"""Portals: the sites one instance serves, chosen by host name.

A dataset belongs to one portal (`Dataset.portal`, null meaning the default portal)
and may be shared with others through `DatasetShare`, optionally narrowed by an ODSQL
filter (a city's sub-portal showing the metropolis's data for its commune only).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datapolis.conf import HOST_NAME

COLOR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour in the #rrggbb form."))
HOST_VALIDATOR = RegexValidator(
    rf"^{HOST_NAME}$",
    _("Use a host name such as data.example.fr (lowercase, no port, no scheme)."),
)


class Portal(models.Model):
    """The main portal or a sub-portal (a city, a partner)."""

    host = models.CharField(_("host name"), max_length=253, unique=True, validators=[HOST_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(
        _("default portal"), default=False, help_text=_("Serves host names no other portal claims.")
    )
    logo = models.FileField(_("logo"), upload_to="portals/logos/", blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, default="#1d4e89", validators=[COLOR_VALIDATOR])
    secondary_color = models.CharField(
        _("secondary colour"), max_length=7, default="#f2a900", validators=[COLOR_VALIDATOR]
    )
    home_text = models.TextField(_("home page text"), blank=True)
    page_redirects = models.JSONField(
        _("pages moved"),
        default=dict,
        blank=True,
        help_text=_(
            'Opendatasoft pages (/pages/<name>/) and the address each now leads to, e.g. {"velo": "/catalog/?q=vélo"}.'
        ),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("portal")
        verbose_name_plural = _("portals")
        ordering = ["host"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_portal")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.host})"


class DatasetShare(models.Model):
    """A dataset of one portal offered on another, optionally narrowed by a row filter."""

    portal = models.ForeignKey(Portal, verbose_name=_("portal"), on_delete=models.CASCADE, related_name="shares")
    dataset = models.ForeignKey(
        "catalog.Dataset", verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="portal_shares"
    )
    row_filter = models.TextField(
        _("row filter"), blank=True, help_text=_('ODSQL condition, e.g. commune = "Meudon". Empty: every row.')
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("shared dataset")
        verbose_name_plural = _("shared datasets")
        constraints = [models.UniqueConstraint(fields=["portal", "dataset"], name="one_share_per_portal_dataset")]

    def __str__(self) -> str:
        return f"{self.dataset_id} → {self.portal_id}"
