from __future__ import annotations

import pytest

from datapolis.catalog.storage import use_store
from tests.access.fixtures import Matrix, build_matrix


@pytest.fixture
def matrix(db) -> Matrix:
    """The access matrix, catalog only (no data in the lake): for policy tests."""
    return build_matrix()


@pytest.fixture
def lake(store):
    use_store(store)
    yield store
    use_store(None)


@pytest.fixture
def matrix_with_data(db, lake, tmp_path) -> Matrix:
    """The access matrix with every dataset's rows in the test's lake: for HTTP tests."""
    return build_matrix(tmp_path)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Sign-in tests create many users; PBKDF2's deliberate slowness is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
