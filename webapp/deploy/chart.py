"""What a deploy commits: the reference chart, the values, and the Argo CD Application.

The reference chart is read from disk once, at import; every deploy only fills in names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from webapp.deploy.names import release_name

REFERENCE_DIR = Path(__file__).parent / "reference_chart"


@dataclass(frozen=True)
class ArgoSettings:
    """Where the generated Argo CD Application lives and deploys to."""

    namespace: str = "argocd"
    project: str = "default"
    destination_server: str = "https://kubernetes.default.svc"


@dataclass(frozen=True)
class ChartSource:
    """A chart from a Helm repository, for the Charts page."""

    repository: str
    name: str
    version: str


def _load_reference() -> dict[str, bytes]:
    return {str(path.relative_to(REFERENCE_DIR)): path.read_bytes()
            for path in sorted(REFERENCE_DIR.rglob("*")) if path.is_file()}


REFERENCE_FILES = _load_reference()
DEFAULT_VALUES = REFERENCE_FILES["values.yaml"].decode()
VALUES_SCHEMA = json.loads(REFERENCE_FILES["values.schema.json"])
DEFAULT_DATA = yaml.safe_load(DEFAULT_VALUES)


def _yaml(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False).encode()


def _values_text(text: str) -> bytes:
    """The values as typed, ending in exactly one newline (so re-deploys compare equal)."""
    return (text.replace("\r\n", "\n").rstrip() + "\n").encode()


def application_manifest(app: str, env: str, repo_url: str, branch: str, path: str,
                         value_files: list[str], argo: ArgoSettings) -> bytes:
    """An Argo CD Application for app in env, ready for `kubectl apply -f`."""
    return _manifest(app, env, repo_url, branch, path, tuple(value_files), argo)


# The same names give the same YAML: dumped once, not on every deploy of a target.
@lru_cache(maxsize=1024)
def _manifest(app: str, env: str, repo_url: str, branch: str, path: str,
              value_files: tuple[str, ...], argo: ArgoSettings) -> bytes:
    helm: dict = {"releaseName": release_name(app, env)}
    if value_files:
        helm["valueFiles"] = list(value_files)
    return _yaml({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": release_name(app, env), "namespace": argo.namespace,
                     "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
        "spec": {
            "project": argo.project,
            "source": {"repoURL": repo_url, "targetRevision": branch, "path": path,
                       "helm": helm},
            "destination": {"server": argo.destination_server,
                            "namespace": release_name(app, env)},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True},
                           "syncOptions": ["CreateNamespace=true"]},
        },
    })


TOKEN_PLACEHOLDER = "<a read-only token for this repository>"  # noqa: S105 (a placeholder)


@lru_cache(maxsize=1024)  # the same names give the same Secret: dumped once per target
def repository_secret(app: str, repo_url: str, username: str, argo: ArgoSettings) -> str:
    """The Argo CD repository Secret that lets Argo CD read app's private repository.

    The password is a placeholder on purpose: Argo CD should get its own read-only token,
    never the saved one, which may create and delete repositories.
    """
    return _yaml({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"{app}-repository", "namespace": argo.namespace,
                     "labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "stringData": {"type": "git", "url": repo_url, "username": username,
                       "password": TOKEN_PLACEHOLDER},
    }).decode()


def template_files(app: str, env: str, values_text: str, repo_url: str, branch: str,
                   argo: ArgoSettings) -> dict[str, bytes]:
    """The reference chart under chart/, env's values and its Application under envs/env/."""
    files = {f"chart/{path}": content for path, content in REFERENCE_FILES.items()}
    files["chart/Chart.yaml"] = _reference_chart_yaml(app)
    files[f"envs/{env}/values.yaml"] = _values_text(values_text)
    # valueFiles are relative to the chart's path, so ../envs/<env>/ leaves chart/.
    files[f"envs/{env}/application.yaml"] = application_manifest(
        app, env, repo_url, branch, "chart", [f"../envs/{env}/values.yaml"], argo)
    return files


@lru_cache(maxsize=1024)
def _reference_chart_yaml(app: str) -> bytes:
    return _yaml({
        "apiVersion": "v2", "name": app, "type": "application", "version": "1.0.0",
        "description": f"{app}, deployed by GitOps Console from its reference chart."})


def chart_files(app: str, env: str, chart: ChartSource, values: dict, repo_url: str,
                branch: str, argo: ArgoSettings) -> dict[str, bytes]:
    """A wrapper chart <app>-<env>/ with chart as its single dependency, and its values."""
    folder = release_name(app, env)
    return {
        f"{folder}/Chart.yaml": _yaml({
            "apiVersion": "v2", "name": folder, "type": "application", "version": "1.0.0",
            "description": f"{chart.name} {chart.version} for {app} in {env}, deployed by "
                           "GitOps Console.",
            "dependencies": [{"name": chart.name, "version": chart.version,
                              "repository": chart.repository}]}),
        # A dependency's values live under its name in the parent chart's values.
        f"{folder}/values.yaml": _yaml({chart.name: values}),
        f"{folder}/application.yaml": application_manifest(
            app, env, repo_url, branch, folder, [], argo),
    }
