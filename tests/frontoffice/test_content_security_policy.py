"""The Content-Security-Policy: what every page is sent, what the embeds, the map with a remote
basemap, the API console and the admin are sent instead, that no template writes inline code or
styles, and, in Chromium, that the map, the chart, the embeds, the console and the admin work
under it with no violation and no console error (docs/portal.md, "Content-Security-Policy")."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from datapolis.portals.models import Portal
from tests.territory import publish_communes_and_charging_points

SRC = Path(__file__).resolve().parents[2] / "src" / "datapolis"
BASEMAP = "https://tiles.example.org/styles/positron/style.json"
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(directives: dict[str, list[str]]) -> None:
    """Scripts and styles from this site only; no inline code, no eval."""
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:", "blob:"]
    assert directives["worker-src"] == ["'self'", "blob:"]
    assert directives["font-src"] == ["'self'", "data:"]
    assert directives["connect-src"] == ["'self'"]
    assert not any(source in UNSAFE for sources in directives.values() for source in sources)


@pytest.fixture
def territory(catalog_store, tmp_path: Path) -> None:
    publish_communes_and_charging_points(tmp_path, charging_points_scale=0.01)


# -- the headers -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/catalog/",
        "/dataset/bornes-irve/",
        "/dataset/bornes-irve/table/",
        "/dataset/bornes-irve/map/",
        "/dataset/bornes-irve/chart/",
        "/dataset/bornes-irve/api/",
        "/accounts/login/",
        "/api/explore/v2.1/console",
    ],
)
def test_pages_are_framed_by_no_site_and_run_no_inline_code(territory, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert_strict(directives)
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["table", "map", "chart"])
def test_embeds_may_be_framed_by_any_site(territory, kind: str) -> None:
    response = Client().get(f"/embed/dataset/bornes-irve/{kind}/")
    assert response.status_code == 200
    directives = policy(response)
    assert_strict(directives)
    assert directives["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in response.headers


@pytest.mark.django_db(transaction=True)
def test_a_remote_basemap_is_allowed_on_the_maps_only(territory, settings) -> None:
    settings.DATAPOLIS_BASEMAP_STYLE_URL = BASEMAP
    for path in ("/dataset/bornes-irve/map/", "/embed/dataset/bornes-irve/map/"):
        directives = policy(Client().get(path))
        for directive in ("connect-src", "img-src", "font-src"):
            assert "https://tiles.example.org" in directives[directive], (path, directive)
        assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert policy(Client().get("/embed/dataset/bornes-irve/map/"))["frame-ancestors"] == ["*"]
    assert_strict(policy(Client().get("/dataset/bornes-irve/chart/")))
    assert_strict(policy(Client().get("/")))


@pytest.mark.django_db
def test_the_admin_has_the_same_policy() -> None:
    root = User.objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    client = Client()
    responses = {"/admin/login/": client.get("/admin/login/")}
    client.force_login(root)
    for path in (
        "/admin/",
        "/admin/catalog/dataset/",
        "/admin/audit/auditevent/",
        f"/admin/auth/user/{root.pk}/change/",
    ):
        responses[path] = client.get(path)
    for path, response in responses.items():
        assert response.status_code == 200, path
        directives = policy(response)
        assert_strict(directives)
        assert directives["frame-ancestors"] == ["'none'"], path


@pytest.mark.django_db
def test_portal_colours_come_from_a_style_sheet() -> None:
    page = Client().get("/").content.decode()
    assert "<style" not in page and "/theme.css" not in page  # the default colours are portal.css's
    Portal.objects.create(host="ville.example.org", name="Ville", primary_color="#F5F5F5", secondary_color="#00aa00")
    client = Client(HTTP_HOST="ville.example.org")
    page = client.get("/").content.decode()
    url = re.search(r'<link rel="stylesheet" href="(/theme\.css\?v=[^"]+)">', page).group(1)
    assert url == "/theme.css?v=f5f5f5-00aa00"
    response = client.get(url)
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    css = response.content.decode()
    assert "--primary: #f5f5f5;" in css and "--on-primary: #000000;" in css and "--secondary: #00aa00;" in css
    assert client.get("/theme.css?v=old")["Cache-Control"] == "no-cache"
    assert "--primary: #1d4e89;" in Client().get("/theme.css").content.decode()


# -- the templates -----------------------------------------------------------------------------

TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
SCRIPT = re.compile(r"<script\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>(.*?)</script\s*>", re.S | re.I)
TEMPLATES = sorted(path for path in SRC.glob("**/templates/**/*.html"))


def test_the_templates_are_found() -> None:
    names = {path.name for path in TEMPLATES}
    assert {"base.html", "embed.html", "_map.html", "_chart.html", "dataset_info.html", "login.html"} <= names


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(SRC)))
def test_no_template_writes_inline_code_or_styles(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for attributes, body in SCRIPT.findall(text):
        data_block = re.search(r"""\btype\s*=\s*["']application/(ld\+)?json["']""", attributes)
        assert data_block or ("src=" in attributes and not body.strip()), f"inline script: {attributes} {body[:80]}"
    assert not re.search(r"<style\b", text, re.I), "a <style> element"
    for name, attributes in TAG.findall(text):
        assert not re.search(r"(?:^|\s)style\s*=", attributes, re.I), f"style attribute on <{name}{attributes}>"
        assert not re.search(r"(?:^|\s)on[a-z]+\s*=", attributes, re.I), f"handler attribute on <{name}{attributes}>"
        assert not re.search(r"(?:^|\s)(?:data-)?hx-on", attributes, re.I), f"hx-on (eval) on <{name}{attributes}>"
        assert "javascript:" not in attributes.lower(), f"javascript: URL on <{name}{attributes}>"


# -- in Chromium -------------------------------------------------------------------------------

# Every frame reports the violations it sees to the test (before any script of the page runs).
WATCH_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""


class Watched:
    """A browser page whose CSP violations, console errors and uncaught exceptions are collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.context.expose_function("reportViolation", lambda text: self.problems.append(f"violation: {text}"))
        page.context.add_init_script(WATCH_VIOLATIONS)
        page.on("console", lambda message: message.type == "error" and self.problems.append(
            f"console: {message.text} {message.location}"))  # fmt: skip
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))

    def assert_clean(self) -> None:
        self.page.wait_for_timeout(300)  # violations are reported asynchronously
        assert self.problems == []


@pytest.fixture
def watched(browser: Browser, site: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site, locale="en",
                                  extra_http_headers={"Accept-Language": "en"})  # fmt: skip
    context.set_default_timeout(20_000)
    yield Watched(context.new_page())
    context.close()


def map_drawn(page_or_frame) -> None:
    expect(page_or_frame.locator("#map")).to_have_attribute("data-state", "loaded")
    page_or_frame.wait_for_function("() => document.getElementById('map').map.areTilesLoaded()")
    expect(page_or_frame.locator("#map canvas.maplibregl-canvas")).to_be_visible()


def chart_drawn(page_or_frame) -> None:
    expect(page_or_frame.locator("#chart")).to_have_attribute("data-rendered", "true")
    expect(page_or_frame.locator("#chart svg.marks")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_and_the_chart_work_under_the_policy(watched: Watched, territory) -> None:
    page = watched.page
    page.goto("/")
    page.locator(".card h3 a", has_text="Bornes de recharge").click()
    expect(page.locator("h1")).to_contain_text("Bornes de recharge")

    page.locator(".tabs a[href*='/map/']").click()
    map_drawn(page)
    page.wait_for_function("() => document.getElementById('map').dataset.idle === 'true'")
    assert page.evaluate("document.getElementById('map').map.queryRenderedFeatures().length") > 0

    page.locator(".tabs a[href*='/chart/']").click()
    chart_drawn(page)
    # The tooltip, the actions menu and both exports run under the policy too.
    page.locator("#chart svg.marks path, #chart svg.marks rect").first.hover()
    page.locator("#chart details > summary").click()
    expect(page.locator("#chart .vega-actions a").first).to_be_visible()
    for kind in ("svg", "png"):
        url = page.evaluate(f"document.getElementById('chart').chartView.toImageURL('{kind}')")
        assert url.startswith(("data:", "blob:")), url
    watched.assert_clean()


class OtherSite:
    """Another site (another origin: 127.0.0.1 and its own port), serving what the test gives it.

    A real server on the loopback, not a Playwright route: Chromium refuses the frames and the
    requests of a local site in a page it cannot place on the local network (Local Network Access).
    """

    def __init__(self) -> None:
        files: dict[str, tuple[str, bytes]] = {}
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                prefix = next((name for name in files if name.endswith("*") and path.startswith(name[:-1])), None)
                content_type, body = files.get(path) or files.get(prefix, ("text/plain", b""))
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")  # a basemap's server allows every site
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def file(self, path: str, content_type: str, body: bytes) -> str:
        """Serve `body` at `path` (a path ending with * serves every path it begins)."""
        self.files[path] = (content_type, body)
        return self.origin + path

    def page(self, body: str) -> str:
        html = f'<!doctype html><link rel="icon" href="data:,"><title>Elsewhere</title>{body}'
        return self.file("/", "text/html; charset=utf-8", html.encode())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def other_site() -> Iterator[OtherSite]:
    server = OtherSite()
    yield server
    server.close()


# A 1×1 grey PNG: the remote basemap's raster tiles.
GREY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63e8e8e8f80f00040401fe3b7b4a450000000049454e44ae426082"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_remote_basemap_draws_under_the_policy(watched: Watched, territory, other_site: OtherSite, settings) -> None:
    tiles = other_site.file("/tiles/*", "image/png", GREY_PNG).replace("*", "{z}/{x}/{y}.png")
    style = {
        "version": 8,
        "sources": {"raster": {"type": "raster", "tiles": [tiles], "tileSize": 256}},
        "layers": [{"id": "raster", "type": "raster", "source": "raster"}],
    }
    settings.DATAPOLIS_BASEMAP_STYLE_URL = other_site.file(
        "/style.json", "application/json", json.dumps(style).encode()
    )
    page = watched.page
    page.goto("/dataset/bornes-irve/map/")
    map_drawn(page)
    assert page.evaluate("document.getElementById('map').map.getSource('raster').tiles[0]") == tiles
    watched.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_embeds_work_in_another_sites_page(watched: Watched, territory, site: str, other_site) -> None:
    page = watched.page
    frames = "".join(
        f'<iframe id="{kind}" src="{site}/embed/dataset/bornes-irve/{kind}/" title="{kind}" width="900" '
        'height="600"></iframe>'
        for kind in ("map", "chart", "table")
    )
    page.goto(other_site.page(frames))
    framed = {
        kind: page.locator(f"iframe#{kind}").element_handle().content_frame() for kind in ("map", "chart", "table")
    }
    map_drawn(framed["map"])
    chart_drawn(framed["chart"])
    expect(framed["table"].locator("#table-region table.data tbody tr").first).to_be_visible()
    watched.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_other_pages_are_not_shown_in_another_sites_page(watched: Watched, territory, site: str, other_site) -> None:
    page = watched.page
    page.goto(other_site.page(f'<iframe id="page" src="{site}/dataset/bornes-irve/" title="page"></iframe>'))
    page.wait_for_timeout(1000)
    frame = next(frame for frame in page.frames if frame != page.main_frame)
    assert "bornes-irve" not in frame.url or frame.locator("h1").count() == 0
    assert any("frame-ancestors" in problem or "Refused to frame" in problem for problem in watched.problems), (
        watched.problems
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_console_works_under_the_policy(watched: Watched, territory) -> None:
    page = watched.page
    page.goto("/")
    page.locator(".site-footer a", has_text="API documentation").click()
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    operations.first.locator(".opblock-summary").click()
    expect(page.locator(".swagger-ui .try-out__btn").first).to_be_visible()
    page.locator(".swagger-ui .try-out__btn").first.click()
    page.locator(".swagger-ui .execute").first.click()
    expect(page.locator(".swagger-ui .responses-wrapper .response .response-col_status").first).to_have_text("200")
    watched.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_works_under_the_policy(watched: Watched, territory) -> None:
    User.objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    page = watched.page
    # The admin's pages name no icon: Chromium asks for /favicon.ico, a 404 the policy has nothing to do with.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto("/admin/")
    page.locator("#id_username").fill("root")
    page.locator("#id_password").fill("correct horse battery staple")
    page.locator("input[type=submit]").click()
    # A change form with a two-list selector, inline rows and their "add another" button.
    page.locator("a[href='/admin/catalog/dataset/']").first.click()
    page.locator("#result_list a", has_text="bornes-irve").first.click()
    expect(page.locator("#id_themes_from")).to_be_visible()  # filter_horizontal, drawn by SelectFilter2.js
    page.locator(".add-row a").first.click()
    # A slug written as the name is typed (prepopulated fields), a date picker.
    page.goto("/admin/catalog/theme/add/")
    page.locator("#id_name").press_sequentially("Mobilités douces")
    expect(page.locator("#id_slug")).to_have_value("mobilites-douces")
    page.goto("/admin/access/grant/add/")
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    page.locator(".datetimeshortcuts .date-icon").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    # A change list without actions (the audit log, read-only) writes a <style> element.
    page.goto("/admin/audit/auditevent/")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto("/admin/auth/user/")
    page.locator("#result_list a", has_text="root").click()
    expect(page.locator("#id_username")).to_have_value("root")
    watched.assert_clean()
