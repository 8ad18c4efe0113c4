"""Page latency under gunicorn, as a ratio to a bare Flask route served by the same process."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BENCH_PASSWORD = "bench-password-not-secret"
PAGES = ["/settings/gitops", "/settings/gitops/gitlab", "/deployment-template", "/charts",
         "/healthz"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def measure(rounds: int = 400) -> dict:
    """Median latency of each page and of the bare route, over keep-alive connections."""
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    port = _free_port()
    env = {**os.environ, "GITOPS_INSTANCE_PATH": str(folder), "GITOPS_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env,
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "users", "create-admin",
                    "--username", "bench", "--password", BENCH_PASSWORD], env=env,
                   check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "4", "bench.wsgi_bare:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/bench/bare")
        session = requests.Session()
        _seed(session, base)
        timings = {}
        for path in ["/bench/bare", *PAGES]:
            for _ in range(20):  # warm up
                session.get(base + path)
            samples = []
            for _ in range(rounds):
                started = time.perf_counter()
                response = session.get(base + path)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            timings[path] = statistics.median(samples)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    bare = timings.pop("/bench/bare")
    return {"bare_ms": bare * 1000,
            "pages": {path: {"median_ms": value * 1000, "ratio": value / bare}
                      for path, value in timings.items()}}


def _seed(session: requests.Session, base: str) -> None:
    """Signed in; saved providers, ten applications with two environments: a real page."""
    import re
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      session.get(base + "/sign-in").text).group(1)
    session.post(base + "/sign-in", data={"username": "bench", "password": BENCH_PASSWORD,
                                          "csrf_token": token})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      session.get(base + "/settings/gitops").text).group(1)
    from tests.provider_inputs import VALID
    for kind, values in VALID.items():
        session.post(f"{base}/settings/gitops/{kind}", data={**values, "csrf_token": token})
    for number in range(10):
        session.post(f"{base}/applications", data={"name": f"app-{number}",
                                                   "environments": "dev, prod",
                                                   "csrf_token": token})
