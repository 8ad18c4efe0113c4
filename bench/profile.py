"""Where a page's time goes: cProfile over requests of each page, in-process, signed in.

The app is built on the page benchmark's instance folder and database, so the pages hold
the same data; requests go through Flask's test client (no server, no network).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import time
from pathlib import Path

REQUESTS = 100
SITE = re.compile(r".*/(?:site-packages|lib/python3\.\d+)/")


def _where(filename: str, function: str) -> str:
    """A short name for a profiled function: package/module:function."""
    if SITE.match(filename):
        filename = SITE.sub("", filename)
    elif filename.startswith("/"):
        filename = os.path.relpath(filename)
    return f"{filename.removesuffix('.py')}:{function}"


def measure(folder: Path, cookie: str, pages: dict, top: int = 5) -> dict:
    """Per page: milliseconds per request (without the profiler), and the top functions by
    their own time (with it)."""
    os.environ["GITOPS_INSTANCE_PATH"] = str(folder)
    from webapp import create_app
    app = create_app({"LOG_LEVEL": "WARNING"})  # an access log line per request is noise here
    client = app.test_client()
    client.set_cookie("session", cookie)
    results = {}
    for name, (path, headers, _target) in pages.items():
        for _ in range(20):
            client.get(path, headers=headers)
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(path, headers=headers)
        per_request = (time.perf_counter() - started) / REQUESTS
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(REQUESTS):
            client.get(path, headers=headers)
        profiler.disable()
        stats = pstats.Stats(profiler).stats
        total = sum(entry[2] for entry in stats.values())  # own time of every function
        ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
        results[name] = {
            "ms": per_request * 1000,
            "top": [(_where(filename, function), own / total)
                    for (filename, _line, function), (_calls, _prim, own, _cum, _callers)
                    in ranked]}
    return results
