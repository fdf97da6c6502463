"""Grants edited in the back office are checked like the CLI's, and audited."""

from __future__ import annotations

from django.test import Client

from datapolis.access.models import Grant
from datapolis.audit.models import AuditEvent


def post_grant(matrix, row_filter: str):
    client = Client()
    client.force_login(matrix.users["admin"])
    return client.post(
        "/admin/access/grant/add/",
        {
            "dataset": matrix.datasets["restricted"].pk,
            "user": matrix.users["reader"].pk,
            "data_visible": "on",
            "fields": "null",
            "row_filter": row_filter,
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )


def test_a_bad_filter_is_a_form_error(matrix):
    response = post_grant(matrix, 'communes = "Meudon"')
    assert response.status_code == 200
    assert "communes" in str(response.context["adminform"].form.errors["row_filter"])
    assert not Grant.objects.filter(user=matrix.users["reader"]).exists()


def test_a_good_grant_is_saved_and_audited(matrix):
    response = post_grant(matrix, 'commune = "Meudon"')
    assert response.status_code == 302
    grant = Grant.objects.get(user=matrix.users["reader"])
    assert grant.row_filter == 'commune = "Meudon"'
    event = AuditEvent.objects.get(action="grant_changed")
    assert (event.actor, event.target, event.details["holder"]) == (matrix.users["admin"], "restricted", "user:reader")
