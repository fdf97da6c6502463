"""The embed code a visitor copies is safe to paste: every value from the URL is encoded in it."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.access.fixtures import MAIN_HOST

HOSTILE = 'x" onload="alert(document.cookie)" data-x="'


class IframeAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.found.append(dict(attrs))


def copied_snippet(page: str) -> str:
    """What the visitor copies: the textarea's text (the page escapes it once for HTML)."""
    match = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no embed code on the page"
    return html.unescape(match.group(1))


@pytest.mark.parametrize(
    "path",
    [
        f"/dataset/public/map/?geo={HOSTILE}&color={HOSTILE}",
        f"/dataset/public/table/?q={HOSTILE}",
        f"/dataset/public/chart/?q={HOSTILE}",
    ],
)
def test_values_from_the_url_stay_inside_the_src_attribute(matrix_with_data, path):
    page = Client(HTTP_HOST=MAIN_HOST).get(path).content.decode()
    parser = IframeAttributes()
    parser.feed(copied_snippet(page))
    assert len(parser.found) == 1
    attributes = parser.found[0]
    assert set(attributes) == {"src", "title", "width", "height", "style", "loading"}
    assert attributes["src"].startswith(f"http://{MAIN_HOST}/embed/dataset/public/")
    assert "onload" not in attributes
