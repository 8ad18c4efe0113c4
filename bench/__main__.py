"""`make bench`: print the numbers README's Performance section quotes."""

from __future__ import annotations

import os
import platform
import time

from bench import deploys, pages, profile, weight
from tests.conftest import pytest_configure


def machine() -> str:
    """The CPU, its cores and Python: what the numbers were measured on."""
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                    if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load_average() -> str:
    """The machine's 1-minute load average: anything else running skews the numbers."""
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    pytest_configure(None)  # loopback only: the benchmark never reaches a real provider
    started = time.monotonic()
    print(f"Machine: {machine()}; load average {load_average()} at the start\n")
    print_pages()
    print_deploys()
    print(f"\nLoad average {load_average()} at the end; {time.monotonic() - started:.0f} s.")


def print_pages() -> None:
    result, top, sizes = pages.measure_all(profile.measure, weight.measure)
    print(f"Pages under gunicorn (1 worker, gthread, 4 threads), {result['generator']} on "
          f"loopback, {result['connections']} keep-alive connections, signed in; "
          f"{result['rounds']} alternating rounds of {result['seconds']:g} s per page and "
          "bare route, medians:\n")
    print("| Page | requests/s | bare route requests/s | ratio (rounds' range) | target |")
    print("|---|---|---|---|---|")
    for name, page in result["pages"].items():
        low, high = page["spread"]
        target = f"≥ {page['target']}×" if page["target"] else ""
        verdict = "" if not page["target"] else (" ✓" if page["ratio"] >= page["target"]
                                                 else " ✗")
        print(f"| {name} `{page['path']}` | {page['rps']:.0f} | {page['bare_rps']:.0f} | "
              f"{page['ratio']:.2f}× ({low:.2f}–{high:.2f}) | {target}{verdict} |")
    print("\nWhere the time goes (cProfile, in-process, own time of the top functions):\n")
    for name, entry in top.items():
        costs = ", ".join(f"{where} {share:.0%}" for where, share in entry["top"])
        print(f"- {name}: {entry['ms']:.2f} ms a request; {costs}")
    print("\nWeight of the settings page with its assets:\n")
    print("| File | bytes | gzipped |\n|---|---|---|")
    for url, (raw, packed) in sizes.items():
        print(f"| `{url}` | {raw:,} | {packed:,} |")
    print(f"| total | {sum(r for r, _ in sizes.values()):,} | "
          f"{sum(p for _, p in sizes.values()):,} |")


def print_deploys() -> None:
    latency = deploys.LATENCY
    print(f"\nDeploys of the reference chart and validations through the app, each simulator "
          f"answering every request after {latency * 1000:.0f} ms; medians of 5 (one first "
          "deploy); the app's own time is the wall time less requests × latency:\n")
    print("| Provider | scenario | requests | wall time | app's own time "
          "| ratio to requests × latency |")
    print("|---|---|---|---|---|---|")
    for kind in deploys.KINDS:
        for scenario, entry in deploys.measure(kind).items():
            ratio = f"{entry['ratio']:.2f}" if entry["ratio"] else "–"
            print(f"| {kind} | {scenario} | {entry['requests']:g} | "
                  f"{entry['seconds'] * 1000:.0f} ms | {entry['own'] * 1000:.0f} ms | {ratio} |")


if __name__ == "__main__":
    main()
