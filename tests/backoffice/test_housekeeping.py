"""Files do not pile up: abandoned uploads are purged; large previews read a clean sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from datapolis.backoffice import services
from datapolis.backoffice.models import Upload, UploadState
from tests.backoffice.conftest import french_csv, start_upload


def test_unfinished_uploads_older_than_a_week_are_purged(agent_client, catalog_store, settings, tmp_path):
    old_id = start_upload(agent_client, french_csv(tmp_path / "old.csv", rows=5))
    new_id = start_upload(agent_client, french_csv(tmp_path / "new.csv", rows=5))
    busy_id = start_upload(agent_client, french_csv(tmp_path / "busy.csv", rows=5))
    old_file = Upload.objects.get(pk=old_id).path
    Upload.objects.filter(pk__in=[old_id, busy_id]).update(created=timezone.now() - dt.timedelta(days=8))
    Upload.objects.filter(pk=busy_id).update(state=UploadState.IMPORTING)

    assert services.purge_stale_uploads() == 1

    assert not Upload.objects.filter(pk=old_id).exists()
    assert not old_file.exists()
    assert Upload.objects.filter(pk=new_id).exists() and Upload.objects.get(pk=new_id).path.exists()
    assert Upload.objects.filter(pk=busy_id).exists()  # an import in progress is left alone


def test_the_nightly_purge_is_a_periodic_task():
    from datapolis.backoffice import tasks

    assert tasks.purge_stale_uploads.s().validate_datetime(dt.datetime(2026, 1, 5, 3, 17))
    assert not tasks.purge_stale_uploads.s().validate_datetime(dt.datetime(2026, 1, 5, 4, 17))


def test_a_sample_ends_on_a_line_outside_quotes():
    data = b'a;b\n1;"two\nlines"\n2;x\n3;"open\n'
    end = services._last_complete_line(data)
    assert data[:end] == b'a;b\n1;"two\nlines"\n2;x\n'


def test_a_large_csv_is_previewed_on_a_sample_and_the_sample_is_deleted_with_the_upload(
    agent_client, catalog_store, settings, tmp_path: Path
):
    settings.DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES = 2_000
    upload = Upload.objects.get(pk=start_upload(agent_client, french_csv(tmp_path / "big.csv", rows=500)))
    samples = list(upload.path.parent.glob(upload.stored_name + ".sample*"))

    assert upload.preview["sampled"] is True
    assert upload.preview["source"]["rows"] < 500
    assert len(samples) == 1 and samples[0].stat().st_size <= 2_000
    page = agent_client.get(f"/backoffice/uploads/{upload.pk}/preview/").content.decode()
    assert "Every row is checked when the data is imported" in page

    agent_client.post(f"/backoffice/uploads/{upload.pk}/cancel/")
    assert not samples[0].exists()
