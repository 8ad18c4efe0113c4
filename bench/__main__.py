"""`make bench`: print the numbers README's Performance section quotes."""

import os
import platform

from bench import deploys, pages
from tests.conftest import pytest_configure


def machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                    if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    pytest_configure(None)  # loopback only: the benchmark never reaches a real provider
    print(f"Machine: {machine()}\n")
    print("Deploys against each simulator (in-process app, SQLite):")
    print("| Provider | deploys/s | HTTP requests per deploy |\n|---|---|---|")
    for kind in ("github", "gitlab", "azure_devops", "bitbucket_cloud"):
        result = deploys.measure(kind)
        print(f"| {kind} | {result['deploys_per_second']:.1f} | "
              f"{result['requests_per_deploy']:.1f} |")
    print("\nPages under gunicorn (1 worker, gthread), median of 400 keep-alive requests:")
    result = pages.measure()
    print(f"Bare Flask route: {result['bare_ms']:.2f} ms\n")
    print("| Page | median ms | ratio to bare route |\n|---|---|---|")
    for path, value in result["pages"].items():
        print(f"| {path} | {value['median_ms']:.2f} | {value['ratio']:.1f}× |")


if __name__ == "__main__":
    main()
