"""Who may do what: roles, dataset grants, API keys, single sign-on identities.

Users and groups are Django's. An instance admin is a superuser; the other roles are
rows here. How they combine into what one principal sees is `datapolis.access.policy`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL
ONE_HOLDER = Q(user__isnull=False, group__isnull=True) | Q(user__isnull=True, group__isnull=False)


class LiveQuerySet(models.QuerySet):
    def live(self, now=None):
        """Rows whose expiry, if any, is still ahead."""
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class PortalAdmin(models.Model):
    """A user who manages one portal: its settings and every dataset it owns."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="portal_admin_roles")
    portal = models.ForeignKey("portals.Portal", on_delete=models.CASCADE, related_name="admin_roles")

    class Meta:
        verbose_name = _("portal admin")
        verbose_name_plural = _("portal admins")
        constraints = [models.UniqueConstraint(fields=["user", "portal"], name="one_portal_admin_role")]

    def __str__(self) -> str:
        return f"{self.user} admin of {self.portal}"


class PublisherRole(models.Model):
    """A user or group who edits and publishes one dataset, or every dataset of an organisation.

    An organisation matches `Dataset.producer` or `Dataset.publisher`, case-insensitively.
    """

    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.CASCADE, related_name="publisher_roles")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="publisher_roles")
    dataset = models.ForeignKey(
        "catalog.Dataset", null=True, blank=True, on_delete=models.CASCADE, related_name="publisher_roles"
    )
    organisation = models.CharField(_("producer or publisher"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("publisher role")
        verbose_name_plural = _("publisher roles")
        constraints = [
            models.CheckConstraint(condition=ONE_HOLDER, name="publisher_role_one_holder"),
            models.CheckConstraint(
                condition=(Q(dataset__isnull=False) & Q(organisation=""))
                | (Q(dataset__isnull=True) & ~Q(organisation="")),
                name="publisher_role_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.group} publishes {self.dataset or self.organisation}"


class Grant(models.Model):
    """Access to a restricted dataset for a user or a group.

    `fields` empty or null: every field. `row_filter` empty: every row. `expires_at` null:
    no expiry. `data_visible` false: the dataset's metadata only.
    """

    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.CASCADE, related_name="dataset_grants")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="dataset_grants")
    data_visible = models.BooleanField(_("data visible"), default=True)
    fields = models.JSONField(_("visible fields"), null=True, blank=True)
    row_filter = models.TextField(_("row filter"), blank=True, help_text=_("ODSQL condition, e.g. commune = 'Meudon'."))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    modified = models.DateTimeField(_("modified"), default=timezone.now)

    objects = LiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("dataset grant")
        verbose_name_plural = _("dataset grants")
        constraints = [
            models.CheckConstraint(condition=ONE_HOLDER, name="grant_one_holder"),
            models.UniqueConstraint(
                fields=["dataset", "user"], condition=Q(user__isnull=False), name="one_grant_per_dataset_user"
            ),
            models.UniqueConstraint(
                fields=["dataset", "group"], condition=Q(group__isnull=False), name="one_grant_per_dataset_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} → {self.user or self.group}"

    @property
    def holder(self) -> str:
        return f"user:{self.user.username}" if self.user_id else f"group:{self.group.name}"


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiKey(models.Model):
    """A key a user creates for scripts. Only a SHA-256 digest of the key is stored."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=200, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, help_text=_("The first characters, to recognise the key."))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    daily_quota = models.PositiveIntegerField(
        _("daily quota"), null=True, blank=True, help_text=_("Calls a day; empty: the instance's default.")
    )

    objects = LiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class OidcIdentity(models.Model):
    """Links an account to the subject an OpenID Connect provider knows it by."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="oidc_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_oidc_subject")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class SsoGroup(models.Model):
    """A group whose members the identity provider decides (from the groups claim)."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="sso")

    class Meta:
        verbose_name = _("group from single sign-on")
        verbose_name_plural = _("groups from single sign-on")

    def __str__(self) -> str:
        return str(self.group)
