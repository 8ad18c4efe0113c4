"""Requests per second of one URL under concurrent keep-alive load on loopback.

wrk (Debian's `wrk`) is the load generator; where it is missing (`make bench` installs it
when it runs as root), a small threaded Python client stands in: it needs more CPU per
request than wrk, on the same two cores as the server, so its ratios are only rough.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1, "KB": 1024, "MB": 1024 ** 2,
         "GB": 1024 ** 3}


@dataclass(frozen=True)
class Load:
    """One run: requests per second, and bytes per response (a redirect would show)."""

    rps: float
    bytes_per_response: float
    errors: int


def wrk_available() -> bool:
    """Whether wrk is installed (`make bench` installs Debian's package when it may)."""
    return shutil.which("wrk") is not None


def run(url: str, headers: dict[str, str], seconds: float, connections: int,
        use_wrk: bool) -> Load:
    """Load url for seconds with connections keep-alive connections."""
    return _wrk(url, headers, seconds, connections) if use_wrk else \
        _python(url, headers, seconds, connections)


def _wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> Load:
    command = [shutil.which("wrk"), "-t1", f"-c{connections}", f"-d{seconds:g}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True,
                            timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    number, unit = re.search(r"Transfer/sec:\s+([\d.]+)(\w*)", output).groups()
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"Socket errors: .*?timeout (\d+)", output)
    errors = sum(int(match.group(1)) for match in (failed, timeouts) if match)
    return Load(rps, float(number) * UNITS[unit] / rps if rps else 0.0, errors)


def _python(url: str, headers: dict[str, str], seconds: float, connections: int) -> Load:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    counts, sizes, errors = [0] * connections, [0] * connections, [0] * connections
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            counts[index] += 1
            sizes[index] += len(body)
            errors[index] += response.status >= 400
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(counts)
    return Load(total / (time.monotonic() - started), sum(sizes) / max(total, 1), sum(errors))
