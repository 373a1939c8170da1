"""Real-browser fixtures: the real site, built once, served on localhost,
driven by Playwright with Debian's Chromium (never a downloaded browser).

`./scripts/test.sh` installs Chromium (apt) and axe-core (npm, into
.venv/node) when they are missing (scripts/browser-deps.sh); these fixtures
find them there. Without them the browser tests are skipped, saying why,
except under `./scripts/test.sh` (EKB_REQUIRE_BROWSER=1), where they must run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("EKB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NODE_PREFIX = REPO / ".venv" / "node"
AXE = NODE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
MODEL_ARTICLE = "articles/baclofen-back-strain/"


def _missing(what: str) -> None:
    message = f"{what} is missing: run ./scripts/browser-deps.sh (./scripts/test.sh does)"
    if os.environ.get("EKB_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass


# Material's instant navigation only follows links listed in sitemap.xml,
# which has URLs only when `site_url` is set: build with the URL the test
# server will have, as a deployment does with its own.
BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
build(load_config("mkdocs.yml", site_url=sys.argv[1], site_dir=sys.argv[2], strict=True))
"""


@pytest.fixture(scope="session")
def server_address() -> tuple[str, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return "127.0.0.1", probe.getsockname()[1]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, server_address: tuple[str, int]) -> Path:
    """The real knowledge base, built strictly, for the test server's URL."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    url = f"http://{server_address[0]}:{server_address[1]}/"
    proc = subprocess.run(
        [sys.executable, "-c", BUILD, url, str(out)],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@contextlib.contextmanager
def serve(directory: Path, address: tuple[str, int] = ("127.0.0.1", 0)) -> Iterator[str]:
    """A built site served over HTTP on 127.0.0.1 (search needs a server); yields its URL."""
    server = ThreadingHTTPServer(address, functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def base_url(built_site: Path, server_address: tuple[str, int]) -> Iterator[str]:
    """The real site, served."""
    with serve(built_site, server_address) as url:
        yield url


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh desktop page (its own storage: no audience choice yet)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core, installed into .venv/node by scripts/browser-deps.sh (never during a test)."""
    if not AXE.exists():
        _missing(str(AXE.relative_to(REPO)))
    return AXE


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
