"""End-to-end fixtures: the app on a live HTTP server, driven by Debian's Chromium."""

import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import ADMIN, PASSWORD, app_config
from webapp import create_app
from webapp.extensions import db

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class UnderPrefix:
    """A reverse proxy in front of the app, as nginx would be: the app lives under prefix.

    It strips the prefix and says so in X-Forwarded-Prefix (and the other X-Forwarded-*
    headers), which the app trusts through GITOPS_PROXY_HOPS=1.
    """

    def __init__(self, app, prefix: str):
        self.app, self.prefix = app, prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not under the prefix"]
        environ["PATH_INFO"] = path[len(self.prefix):] or "/"
        environ["HTTP_X_FORWARDED_PREFIX"] = self.prefix
        environ["HTTP_X_FORWARDED_FOR"] = environ.get("REMOTE_ADDR", "")
        environ["HTTP_X_FORWARDED_PROTO"] = "http"
        environ["HTTP_X_FORWARDED_HOST"] = environ.get("HTTP_HOST", "")
        return self.app(environ, start_response)


class LiveServer:
    """A real threaded HTTP server running the app on a free loopback port."""

    def __init__(self, app, prefix: str = ""):
        self.app = app
        served = UnderPrefix(app, prefix) if prefix else app
        self._server = make_server("127.0.0.1", 0, served, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}{prefix}"
        # A short poll interval: shutdown waits for it, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._server.shutdown()
        self._thread.join(5)
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(params=["", "/gitops"], ids=["root", "under-prefix"])
def live_server(request, tmp_path, migrated_database):
    """The app with a temporary database, served over HTTP for the browser: at the root,
    and under /gitops/ behind a prefixing reverse proxy."""
    shutil.copy(migrated_database, tmp_path / "gitops.db")
    # Provider hosts are the simulators on http://127.0.0.1, as in a user's lab.
    app = create_app(app_config(tmp_path, ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True,
                                PROXY_HOPS=1 if request.param else 0))
    with LiveServer(app, request.param) as server:
        yield server


@pytest.fixture
def page(page, live_server):
    """A browser page signed in as the admin, as every journey starts; it fails the test
    on any Content-Security-Policy violation or server error (5xx)."""
    problems = []

    def watch(message):
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text
                                        or "status of 5" in text):
            problems.append(text)

    page.on("console", watch)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    field(page, "Username").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".account")).to_contain_text(ADMIN)
    yield page
    assert problems == []


@pytest.fixture
def provider_sim(request):
    """Serve the simulator of the provider kind given by indirect parametrisation."""
    from tests.fakes.fixtures import serve
    from tests.fakes.registry import HARNESSES
    with serve(HARNESSES[request.param].simulator()) as simulator:
        yield simulator


@pytest.fixture
def screenshot_dir() -> Path:
    """Where journeys leave screenshots for the README's maintainers (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def field(page, label: str):
    """The text input whose accessible name is exactly label (what a screen reader says)."""
    return page.get_by_role("textbox", name=label, exact=True)
