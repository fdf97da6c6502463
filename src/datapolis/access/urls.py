"""Sign-in, sign-out, password reset and single sign-on.

The admin API (`datapolis.access.api`) is mounted at /api/admin/ by `datapolis.api.urls`, with
the routers of the API face that reach apps above `access` (`datapolis.api.admin`).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from datapolis.access import views
from datapolis.access.oidc import OidcAuthenticationRequestView

account_patterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        views.PasswordResetView.as_view(success_url=reverse_lazy("access:password_reset_done")),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="access/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="access/password_reset_confirm.html",
            success_url=reverse_lazy("access:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="access/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

# mozilla-django-oidc reverses these names without a namespace.
oidc_patterns = [
    path("oidc/authenticate/", OidcAuthenticationRequestView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", OIDCAuthenticationCallbackView.as_view(), name="oidc_authentication_callback"),
]

urlpatterns = [
    path("accounts/", include((account_patterns, "access"))),
    *oidc_patterns,
]
