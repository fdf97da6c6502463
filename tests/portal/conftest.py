from tests.access.fixtures import fast_password_hasher, lake, matrix, matrix_with_data  # noqa: F401
