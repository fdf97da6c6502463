"""The site's frame and navigation: which links htmx may turn into a region update, the
header's way to the back office, the legal pages, robots.txt and sitemap.xml."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from xml.etree import ElementTree

from django.test import Client

from datapolis.catalog.models import Dataset, Status, Visibility
from tests.access.fixtures import MAIN_HOST, MEUDON_HOST, Matrix

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class BoostedTargets(HTMLParser):
    """Every link and form of a page, with the hx-boost value it inherits (as htmx 2 reads it)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[tuple[str, str, bool]] = []  # (tag, href or action, boosted)

    def boost(self, attrs: dict[str, str | None]) -> bool:
        for _, value in reversed([*self.stack, ("", attrs.get("hx-boost"))]):
            if value is not None:
                return value == "true"
        return False

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        if tag == "a" and attrs.get("href") is not None:
            self.found.append(("a", attrs["href"] or "", self.boost(attrs)))
        if tag == "form":
            self.found.append(("form", attrs.get("action") or "", self.boost(attrs)))
        if tag not in VOID:
            self.stack.append((tag, attrs.get("hx-boost")))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return


def boosted(html: str) -> tuple[list[str], list[str]]:
    """The (boosted, plain) hrefs and form actions of `html`."""
    parser = BoostedTargets()
    parser.feed(html)
    return [t for _, t, b in parser.found if b], [t for _, t, b in parser.found if not b]


def is_region_update(target: str, page_path: str) -> bool:
    """A link or form that stays on the page it is on and only changes its query."""
    return target.startswith("?") or target in ("", page_path)


def test_in_the_catalog_only_filters_sort_and_pages_update_the_results_region(matrix_with_data: Matrix) -> None:
    html = Client(HTTP_HOST=MAIN_HOST).get("/catalog/").content.decode()

    links, plain = boosted(html)

    assert links, "the facets, sort and pages still update the region in place"
    assert all(is_region_update(target, "/catalog/") for target in links), links
    assert "/dataset/public/" in plain  # opening a result loads the dataset's full page


def test_in_the_table_only_filters_sort_and_pages_update_the_table_region(matrix_with_data: Matrix) -> None:
    client = Client(HTTP_HOST=MAIN_HOST)
    for path in ("/dataset/public/table/?refine=commune:Meudon", "/embed/dataset/public/table/"):
        html = client.get(path).content.decode()
        region = html[html.index('id="table-region"') :]

        links, plain = boosted(region)

        assert any(target.startswith("?") for target in links), path
        assert all(is_region_update(target, path.split("?")[0]) for target in links), (path, links)
        assert any(target.startswith("/api/explore/") for target in plain), path


def header(html: str) -> str:
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def test_agents_who_may_publish_find_the_back_office_in_the_header(matrix: Matrix) -> None:
    anonymous = header(Client(HTTP_HOST=MAIN_HOST).get("/legal-notice/").content.decode())
    assert 'href="/accounts/login/?next=/legal-notice/"' in anonymous and "/backoffice/" not in anonymous

    for role, sees_it in (("reader", False), ("member", False), ("publisher", True), ("admin", True)):
        client = Client(HTTP_HOST=MAIN_HOST)
        client.force_login(matrix.users[role])
        html = header(client.get("/catalog/").content.decode())  # a page that reads the principal itself
        assert ('href="/backoffice/"' in html) is sees_it, role
        assert "Sign in" not in html and "Sign out" in html


def test_the_footer_links_the_legal_notice_and_the_accessibility_statement_in_french(matrix: Matrix) -> None:
    client = Client(HTTP_HOST=MAIN_HOST, HTTP_ACCEPT_LANGUAGE="fr")
    footer = client.get("/accounts/login/").content.decode().split('<footer class="site-footer">')[1]

    assert re.search(r'<a href="/legal-notice/">Mentions légales</a>', footer)
    assert re.search(r'<a href="/accessibility/">Accessibilité\u00a0: non conforme</a>', footer)
    notice = client.get("/legal-notice/").content.decode()
    statement = client.get("/accessibility/").content.decode()
    assert "<h1>Mentions légales</h1>" in notice and "Directeur de la publication" in notice
    assert "<h1>Déclaration d’accessibilité</h1>" in statement
    assert re.search(r"Métropole est <strong>non conforme</strong> avec le référentiel .*RGAA", statement)


def test_the_legal_pages_read_in_english_too(matrix: Matrix) -> None:
    client = Client(HTTP_HOST=MAIN_HOST, HTTP_ACCEPT_LANGUAGE="en")

    assert "<h1>Legal notice</h1>" in client.get("/legal-notice/").content.decode()
    assert "is <strong>non compliant</strong>" in client.get("/accessibility/").content.decode()


def test_robots_txt_keeps_crawlers_out_of_private_paths_and_names_the_sitemap(matrix: Matrix) -> None:
    response = Client(HTTP_HOST=MAIN_HOST).get("/robots.txt")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert {"Disallow: /backoffice/", "Disallow: /admin/", "Disallow: /accounts/"} <= set(lines)
    assert f"Sitemap: http://{MAIN_HOST}/sitemap.xml" in lines


def sitemap_urls(host: str) -> list[str]:
    response = Client(HTTP_HOST=host).get("/sitemap.xml")
    assert response.status_code == 200 and "xml" in response["Content-Type"]
    tree = ElementTree.fromstring(response.content)
    return [element.text for element in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_the_sitemap_lists_what_anyone_may_see_on_the_portal_that_answers(matrix: Matrix) -> None:
    Dataset.objects.create(dataset_id="draft", title="draft", visibility=Visibility.PUBLIC, status=Status.DRAFT)

    main = sitemap_urls(MAIN_HOST)
    meudon = sitemap_urls(MEUDON_HOST)

    base = f"http://{MAIN_HOST}"
    assert {f"{base}/", f"{base}/catalog/", f"{base}/legal-notice/", f"{base}/accessibility/"} <= set(main)
    assert {f"{base}/dataset/public/", f"{base}/dataset/shared/", f"{base}/dataset/public/table/"} <= set(main)
    datasets = {re.sub(r"^.*/dataset/([^/]+)/.*$", r"\1", url) for url in main + meudon if "/dataset/" in url}
    assert datasets == {"public", "shared"}  # never restricted, filtered (granted to some) or draft
    assert {url for url in meudon if "/dataset/" in url} == {
        f"http://{MEUDON_HOST}/dataset/shared/",
        f"http://{MEUDON_HOST}/dataset/shared/table/",
    }


def test_the_sign_in_page_has_the_portal_frame_and_form_styles(matrix: Matrix) -> None:
    html = Client(HTTP_HOST=MAIN_HOST).get("/accounts/login/").content.decode()

    main = html[html.index('<main id="main"') :]
    assert re.match(r'<main id="main" tabindex="-1">\s*<div class="container">\s*<div class="panel auth-panel">', main)
    assert 'class="button" type="submit"' in main
    assert "sign-in-link" not in header(html)  # no link to the page itself
