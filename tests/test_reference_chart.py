"""The reference chart, as a deploy commits it, linted and rendered by the real Helm."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from webapp.deploy.chart import (
    DEFAULT_DATA,
    DEFAULT_VALUES,
    VALUES_SCHEMA,
    ArgoSettings,
    template_files,
)
from webapp.deploy.values import parse_values

HELM = shutil.which("helm") or str(Path(sys.executable).parent / "helm")


def write_repository(tmp_path: Path, values: str) -> Path:
    """The files of a template deploy of shop to dev, written out as a checkout would be."""
    files = template_files("shop", "dev", values, "https://git.example.com/acme/shop.git",
                           "main", ArgoSettings())
    for path, content in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return tmp_path


def helm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([HELM, *args], capture_output=True, text=True, timeout=60,
                          check=False)


def render(checkout: Path) -> list[dict]:
    """helm template, as Argo CD runs it: release <app>-<env>, the env's values file."""
    result = helm("template", "shop-dev", str(checkout / "chart"),
                  "--values", str(checkout / "envs" / "dev" / "values.yaml"))
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_helm_lints_the_committed_chart_with_the_default_values(tmp_path):
    checkout = write_repository(tmp_path, DEFAULT_VALUES)

    result = helm("lint", str(checkout / "chart"), "--strict",
                  "--values", str(checkout / "envs" / "dev" / "values.yaml"))

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_defaults_render_a_deployment_and_a_service(tmp_path):
    documents = render(write_repository(tmp_path, DEFAULT_VALUES))

    kinds = {doc["kind"]: doc for doc in documents}
    assert set(kinds) == {"Deployment", "Service"}
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.27"
    assert container["ports"][0]["containerPort"] == 80
    assert kinds["Deployment"]["metadata"]["name"] == "shop-dev"
    assert kinds["Service"]["spec"]["selector"] == \
        kinds["Deployment"]["spec"]["selector"]["matchLabels"]


def test_ingress_env_and_replicas_come_from_the_values(tmp_path):
    values = yaml.safe_load(DEFAULT_VALUES)
    values.update(replicaCount=3, env=[{"name": "LOG_LEVEL", "value": "debug"}])
    values["ingress"].update(enabled=True, host="shop.example.com", tls=True,
                             className="nginx")

    documents = render(write_repository(tmp_path, yaml.safe_dump(values)))

    kinds = {doc["kind"]: doc for doc in documents}
    assert kinds["Deployment"]["spec"]["replicas"] == 3
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "debug"}]
    ingress = kinds["Ingress"]["spec"]
    assert ingress["rules"][0]["host"] == "shop.example.com"
    assert ingress["tls"][0]["hosts"] == ["shop.example.com"]
    assert ingress["ingressClassName"] == "nginx"


@pytest.mark.parametrize("text", [
    "replicaCount: -1\n", "containerPort: http\n", "surprise: true\n",
    "image:\n  tag: null\n", "service:\n  type: Headless\n",
])
def test_helm_and_our_check_refuse_the_same_values(tmp_path, text):
    _data, problems = parse_values(text, VALUES_SCHEMA, DEFAULT_DATA)

    result = helm("template", "shop-dev", str(write_repository(tmp_path, text) / "chart"),
                  "--values", str(tmp_path / "envs" / "dev" / "values.yaml"))

    assert problems
    assert result.returncode != 0, result.stdout
    assert "values don't meet the specifications of the schema" in result.stderr


@pytest.mark.parametrize("text", ["replicaCount: 2\n", "image:\n  tag: '1.29'\n", ""])
def test_partial_values_are_accepted_by_both_as_helm_merges_the_defaults(tmp_path, text):
    _data, problems = parse_values(text, VALUES_SCHEMA, DEFAULT_DATA)

    documents = render(write_repository(tmp_path, text or "{}\n"))

    assert problems == []
    assert {doc["kind"] for doc in documents} == {"Deployment", "Service"}
