"""End-to-end fixtures: the app on a live HTTP server, driven by Debian's Chromium."""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import app_config
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


class LiveServer:
    """A real threaded HTTP server running the app on a free loopback port."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._server.shutdown()
        self._thread.join(5)
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path, migrated_database):
    """The app with a temporary database, served over HTTP for the browser."""
    shutil.copy(migrated_database, tmp_path / "gitops.db")
    # Provider hosts are the simulators on http://127.0.0.1, as in a user's lab.
    app = create_app(app_config(tmp_path, ALLOW_HTTP_HOSTS=True))
    with LiveServer(app) as server:
        yield server


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
