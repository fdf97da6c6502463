"""Sign-in and password reset pages (Django's views, our templates and safeguards)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect

from datapolis.access import oidc
from datapolis.audit import events as audit
from datapolis.portals.services import normalise_host


class SignInView(auth_views.LoginView):
    """Django's sign-in: CSRF-protected, a new session key on sign-in; django-axes locks out."""

    template_name = "access/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sso_enabled": oidc.is_enabled()}


class PasswordResetView(auth_views.PasswordResetView):
    """Sends the reset link for the portal's own host name, never the Host header's.

    ALLOWED_HOSTS accepts every host (portals are chosen by host), so a forged Host
    header must not decide where the e-mailed link points.
    """

    template_name = "access/password_reset_form.html"
    email_template_name = "access/password_reset_email.txt"
    subject_template_name = "access/password_reset_subject.txt"

    def form_valid(self, form):
        form.save(
            domain_override=self._link_host(),
            use_https=self.request.is_secure(),
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            extra_email_context={"portal_name": self.request.portal.name},
        )
        email = form.cleaned_data["email"]
        audit.record(None, audit.Action.PASSWORD_RESET, email, request=self.request)
        return HttpResponseRedirect(self.get_success_url())

    def _link_host(self) -> str:
        """The portal's host name, with the port the request came on when it came on that name.

        An instance served on `data.example.fr:8000` must mail links that reach it; a Host
        header naming another host still gets the portal's own name, never its own.
        """
        portal_host = self.request.portal.host
        requested = self.request.get_host().lower()
        name, _, port = requested.rpartition(":")
        if port.isdigit() and normalise_host(name) == portal_host:
            return f"{portal_host}:{port}"
        return portal_host
