"""``kedro viz build`` on a copy of the project, the static site served from loopback and
opened in Debian's Chromium with every other host blocked: the transfer pipeline's graph
must render, and a screenshot of it goes to test-artifacts/kedro_viz.png (the README's
docs/images/kedro_viz.png is a copy)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import MODELS, PROJECT, kedro
from .system import CHROMIUM_ARGS, chromium

ARTIFACTS = PROJECT / "test-artifacts"
# kedro-viz 12.5's index.html asks Google Fonts for its typeface; blocked, the page uses a local font.
FONT_HOSTS = {"fonts.googleapis.com", "fonts.gstatic.com"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(project: Path) -> Iterator[str]:
    """The built site's URL on a loopback HTTP server."""
    result = kedro(project, "viz", "build")
    # kedro-viz exits 0 even when the build fails: the built index is the evidence.
    assert (project / "build" / "index.html").is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    handler = functools.partial(_QuietHandler, directory=str(project / "build"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


def test_the_built_site_renders_the_transfer_pipeline_offline(site: str) -> None:
    browser_path = chromium()
    from playwright.sync_api import Route, sync_playwright

    blocked: set[str] = set()

    def loopback_only(route: Route) -> None:
        if route.request.url.startswith(site):
            route.continue_()
        else:
            blocked.add(urlparse(route.request.url).hostname or route.request.url)
            route.abort()

    errors: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route("**/*", loopback_only)
            # kedro-viz's own settings key: no feature-tour pop-up over the graph, and no "that's a chunky
            # pipeline!" screen (the sizewarning flag) in place of a graph over 200 elements
            settings = "{showFeatureHints: false, flags: {sizewarning: false}}"
            page.add_init_script(f"localStorage.setItem('KedroViz', JSON.stringify({settings}))")
            page.goto(f"{site}/?pid=transfer")
            page.wait_for_selector(".pipeline-node", timeout=180_000)
            page.get_by_role("button", name="Change to light theme").click()
            page.locator("button.row-text--kind-filter", has_text="Datasets").click()  # tasks and namespaces only
            page.get_by_role("button", name="Turn minimap off").click()
            expected = {*MODELS, "build_dataset", "train_baseline", "evaluate"}  # namespaces shown collapsed
            page.wait_for_function(
                "names => names.every(name => Array.from(document.querySelectorAll('.pipeline-node'))"
                ".some(node => node.textContent.trim() === name))",
                arg=sorted(expected),
                timeout=180_000,
            )
            page.mouse.move(1550, 950)  # empty canvas: no tooltip or hover in the picture
            page.wait_for_timeout(1000)  # the zoom-to-fit transition
            rendered = set(page.eval_on_selector_all(".pipeline-node", "nodes => nodes.map(n => n.textContent.trim())"))
            edges = page.eval_on_selector_all(".pipeline-edge", "edges => edges.length")
            page.screenshot(path=str(ARTIFACTS / "kedro_viz.png"))
        finally:
            browser.close()
    assert expected <= rendered and edges > len(expected), (sorted(rendered), edges)
    assert not errors, errors
    assert blocked <= FONT_HOSTS, f"the built site fetches from the network: {sorted(blocked)}"
