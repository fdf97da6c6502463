"""Every Python example of the documentation runs as written, and its assertions hold.

Each ```python block of README.md and docs/*.md is executed on its own, from the
repository's folder (examples read `../shared/data`), with this test's database and lake:
an example that names a moved function, a changed signature or a wrong result fails here.
"""

from __future__ import annotations

import pytest

from tests.docs.markdown import REPO, Block, blocks

EXAMPLES = blocks("python")

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_documentation_has_examples() -> None:
    assert {block.page.name for block in EXAMPLES} >= {"access.md", "exports.md", "ingest.md", "odsql.md"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[block.where for block in EXAMPLES])
def test_the_example_runs(example: Block, catalog_store, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    code = compile("\n" * (example.line - 1) + example.code, str(example.page), "exec")
    exec(code, {"__name__": "__example__"})  # the project's own documentation
