"""Page throughput under gunicorn, as a ratio to a bare Flask route served by the same process.

One gunicorn (1 worker, gthread) serves the app as `make run` does plus the bare route
(bench/wsgi_bare.py). A signed-in admin's session cookie goes with every request, the bare
route's included. Rounds alternate bare route and page (A/B), so the machine's noise hits
both alike; each ratio is the median of its rounds' ratios.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench import load

BENCH_PASSWORD = "bench-password-not-secret"
HTMX = {"HX-Request": "true"}
# name: (path, extra headers, target ratio of the issue or None)
PAGES = {
    "settings page": ("/settings/gitops", {}, 0.5),
    "provider fragment": ("/settings/gitops/gitlab", HTMX, 0.7),
    "deployment template page": ("/deployment-template", {}, 0.5),
    "charts page": ("/charts", {}, None),
    "/healthz": ("/healthz", {}, None),
}
BARE = "/bench/bare"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str) -> None:
    for _ in range(300):
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


class Server:
    """gunicorn serving the bench app from a fresh instance folder, seeded and signed in."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
        self.env = {**os.environ, "GITOPS_INSTANCE_PATH": str(self.folder),
                    "GITOPS_LOG_LEVEL": "WARNING"}
        self.base = f"http://127.0.0.1:{_free_port()}"
        self.process = None
        self.cookie = ""

    def __enter__(self) -> Server:
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        subprocess.run([*flask, "users", "create-admin", "--username", "bench", "--password",
                        BENCH_PASSWORD], env=self.env, check=True, capture_output=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", self.base.removeprefix("http://"),
             "--workers", "1", "--worker-class", "gthread", "--threads", "4",
             "bench.wsgi_bare:app"], env=self.env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        _wait(self.base + BARE)
        self.cookie = seed(self.base)
        return self

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def headers(self, extra: dict[str, str]) -> dict[str, str]:
        """The headers of every benchmark request: the session cookie, and extra."""
        return {"Cookie": f"session={self.cookie}", **extra}


def seed(base: str) -> str:
    """Signed in; four saved providers, ten applications with two environments each: a
    real page. The session cookie."""
    session = requests.Session()

    def token(path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                         session.get(base + path).text).group(1)

    session.post(base + "/sign-in", data={"username": "bench", "password": BENCH_PASSWORD,
                                          "csrf_token": token("/sign-in")})
    csrf = token("/settings/gitops")
    from tests.provider_inputs import VALID
    for kind, values in VALID.items():
        session.post(f"{base}/settings/gitops/{kind}", data={**values, "csrf_token": csrf})
    for number in range(10):
        session.post(f"{base}/applications", data={"name": f"app-{number}",
                                                   "environments": "dev, prod",
                                                   "csrf_token": csrf})
    return session.cookies["session"]


def measure_all(profiler, weigher, **options) -> tuple[dict, dict, dict]:
    """Throughput (measure), then the profile and the weight, from one seeded server."""
    with Server() as server:
        throughput = measure(server, **options)
        weights = weigher(server.base, server.headers({}))
        top = profiler(server.folder, server.cookie, PAGES)
    return throughput, top, weights


def measure(server: Server, rounds: int = 7, seconds: float = 2.0,
            connections: int = 4) -> dict:
    """Per page: its and the bare route's requests per second (medians) and their ratio."""
    use_wrk = load.wrk_available()
    results = {}
    for name, (path, extra, target) in PAGES.items():
        headers = server.headers(extra)
        expected = _checked_size(server.base + path, headers)
        load.run(server.base + path, headers, 1.0, connections, use_wrk)  # warm up
        bare_runs, page_runs = [], []
        for _ in range(rounds):
            bare_runs.append(load.run(server.base + BARE, headers, seconds, connections,
                                      use_wrk))
            page_runs.append(load.run(server.base + path, headers, seconds, connections,
                                      use_wrk))
        for run in page_runs:  # a redirect to the sign-in page would be tiny
            if run.errors or run.bytes_per_response < 0.9 * expected:
                raise RuntimeError(f"{path}: {run} does not look like the page")
        ratios = [p.rps / b.rps for p, b in zip(page_runs, bare_runs, strict=True)]
        results[name] = {
            "path": path + (" (htmx)" if extra else ""), "target": target,
            "rps": statistics.median(run.rps for run in page_runs),
            "bare_rps": statistics.median(run.rps for run in bare_runs),
            "ratio": statistics.median(ratios), "spread": (min(ratios), max(ratios))}
    return {"generator": "wrk" if use_wrk else "Python threads (wrk missing)",
            "connections": connections, "rounds": rounds, "seconds": seconds,
            "pages": results}


def _checked_size(url: str, headers: dict[str, str]) -> int:
    """The page's body size, after checking that it is the signed-in page."""
    response = requests.get(url, headers=headers, allow_redirects=False, timeout=10)
    if response.status_code != 200:  # the guard answers 303 (or 401 to htmx) otherwise
        raise RuntimeError(f"{url} answered {response.status_code}: not signed in?")
    return len(response.content)
