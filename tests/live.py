"""The app under a real gunicorn (gunicorn.conf.py), and a browser-like HTTP client for it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import ADMIN, PASSWORD, TEST_TOKEN_KEY
from tests.postgres import free_port

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Gunicorn:
    """A gunicorn process serving the app on a free loopback port, for a with-block.

    Its settings come from GITOPS_* variables only (none of the caller's), like an
    installation's; instances given the same database and keys are one deployment.
    """

    def __init__(self, folder: Path, database_url: str, **settings: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / f"gunicorn-{self.port}.log"
        values = {"INSTANCE_PATH": folder, "DATABASE_URL": database_url,
                  "BIND": f"127.0.0.1:{self.port}", "WORKERS": 2,
                  "SECRET_KEY": "live-test-secret-key", "TOKEN_KEYS": TEST_TOKEN_KEY,
                  # Its providers are the simulators, on http://127.0.0.1.
                  "ALLOW_HTTP_HOSTS": "true", "ALLOW_PRIVATE_HOSTS": "true", **settings}
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("GITOPS_")}
        self.env.update({f"GITOPS_{name}": str(value) for name, value in values.items()})
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _wait_until_ready(self, seconds: float = 60) -> None:
        give_up = time.monotonic() + seconds
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n"
                                   + self.log()[-3000:])
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn was not ready within a minute:\n" + self.log()[-3000:])

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), and for sure after a while."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def log(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(errors="replace")


class Browser:
    """A signed-in session against a live server: forms posted with their CSRF token."""

    def __init__(self, url: str, username: str = ADMIN, password: str = PASSWORD) -> None:
        self.url = url
        self.session = requests.Session()
        # No keep-alive: a request sent just as gunicorn closes an idle connection (after
        # 2 s) would fail in the client, which is not what these tests are about.
        self.session.headers["Connection"] = "close"
        self._token = self._read_token("/sign-in")
        response = self.post("/sign-in", {"username": username, "password": password})
        assert response.status_code == 303, response.text[:500]
        self._token = self._read_token("/charts")  # signing in starts a new session

    @property
    def csrf_token(self) -> str:
        """The CSRF token of this session, as its pages' forms carry it."""
        return self._token

    def _read_token(self, page: str) -> str:
        match = CSRF.search(self.session.get(self.url + page, timeout=30).text)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET a page of the app."""
        return self.session.get(self.url + path, timeout=120, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        """POST a form of the app, as the page it is on would."""
        data = {**data, "csrf_token": self._token}
        return self.session.post(self.url + path, data=data, timeout=120,
                                 allow_redirects=False, **kwargs)
