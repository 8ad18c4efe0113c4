"""Page weight: the settings page with every asset it loads, raw and gzipped."""

from __future__ import annotations

import gzip
import re

import requests

ASSETS = re.compile(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"')


def measure(base: str, headers: dict[str, str], path: str = "/settings/gitops") -> dict:
    """{url: (raw bytes, gzipped bytes)} of the page and each stylesheet, script and icon."""
    page = requests.get(base + path, headers=headers, timeout=10)
    urls = [path, *ASSETS.findall(page.text)]
    sizes = {}
    for url in urls:
        body = page.content if url == path else requests.get(base + url, timeout=10).content
        sizes[url] = (len(body), len(gzip.compress(body, compresslevel=6)))
    return sizes
