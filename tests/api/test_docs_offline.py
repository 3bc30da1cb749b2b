"""The API docs (Swagger UI and Redoc) load from our own static files, so they work offline."""

import re
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders

from tests.browser import SCREENSHOTS

pytestmark = pytest.mark.django_db

# Redoc's footer draws Redocly's logo from its host and removes the image when that fails.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def asset_urls(html: str) -> list[str]:
    return [url for url in ASSET.findall(html) if url.endswith((".js", ".css", ".png"))]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_page_asks_only_for_local_static_files(client, path):
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    urls = asset_urls(html)
    assert urls, html
    for url in urls:
        assert not urlparse(url).netloc, f"{url} is loaded from another host"
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"


def test_swagger_and_redoc_bundles_are_the_sidecar_ones(client):
    swagger = client.get("/api/docs/").content.decode()
    redoc = client.get("/api/redoc/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "title", "name"),
    [
        ("/api/docs/", ".swagger-ui .info .title", "api-docs-01-swagger"),
        ("/api/redoc/", "h1", "api-docs-02-redoc"),
    ],
)
def test_docs_render_in_a_browser_without_other_hosts(live_server, page, path, title, name):
    """Every request to another host is refused, as offline; the docs still draw the schema."""
    errors = []
    foreign, failed = [], []
    local = urlparse(live_server.url).netloc

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).netloc != local:
            if url != REDOC_LOGO:
                foreign.append(url)
            return request_route.abort()
        return request_route.continue_()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}{path}")

    page.locator(title, has_text="Covenant API").first.wait_for()
    # The first screen only: the pages list every operation and run very long.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    assert foreign == [], foreign
    assert failed == []
    assert errors == []
