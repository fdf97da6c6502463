import pytest

from tests.access.fixtures import fast_password_hasher, lake, matrix, matrix_with_data  # noqa: F401


@pytest.fixture(autouse=True)
def english_pages(settings):
    """These tests read the pages' English texts (French, the default language, is tested in tests/i18n)."""
    settings.LANGUAGE_CODE = "en"
