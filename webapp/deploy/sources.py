"""Where a deploy's desired state comes from: the built-in reference chart, or a Helm chart.

Each source owns everything that differs between the two: its form, how its values are
checked, the files a deploy commits and where its Argo CD Application lies. The deploy
service, the views, the API and the templates ask the source instead of branching on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.deploy.chart import (
    DEFAULT_DATA,
    DEFAULT_VALUES,
    VALUES_SCHEMA,
    ArgoSettings,
    ChartSource,
    chart_files,
    template_files,
)
from webapp.deploy.forms import ChartDeployForm, DeployForm, TemplateDeployForm
from webapp.deploy.names import release_name
from webapp.deploy.values import parse_values


@dataclass(frozen=True)
class DeployRequest:
    """What to deploy, checked: the values as typed and as parsed, and the chart if any.

    A rollback brings the files of an earlier revision instead (files, rollback_of); a
    reviewed deploy brings the hash of the preview it must match (preview_hash).
    """

    values_text: str
    values: dict
    chart: ChartSource | None = None
    files: dict[str, bytes | None] | None = None
    rollback_of: int | None = None
    preview_hash: str | None = None


class DeploySource:
    """What the reference template and a Helm chart have in common."""

    id: str                # stored with each deploy: "template" or "chart"
    title: str             # the deploy panel's heading
    page_template: str
    page_endpoint: str
    deploy_endpoint: str
    preview_endpoint: str
    form_class: type[DeployForm]
    chart_fields: tuple[str, ...] = ()  # form fields shown before the target
    lists_applications = False  # whether its page manages applications too

    def fresh_form(self, target: str, last) -> DeployForm:
        """The form for target, filled from the last successful deploy (or the defaults)."""
        raise NotImplementedError

    def request_from(self, form: DeployForm) -> DeployRequest | None:
        """The checked request of a validated form; None with the values' errors on the form."""
        raise NotImplementedError

    def files(self, app: str, env: str, request: DeployRequest, repo_url: str, branch: str,
              argo: ArgoSettings) -> dict[str, bytes]:
        """Every file the deploy commits, by path."""
        raise NotImplementedError

    def files_of(self, app: str, env: str, request: DeployRequest, repo_url: str,
                 branch: str, argo: ArgoSettings) -> dict[str, bytes | None]:
        """What the request commits: a rollback's recorded files, or this source's files."""
        if request.files is not None:
            return dict(request.files)
        return self.files(app, env, request, repo_url, branch, argo)

    def environment_folders(self, app: str, env: str) -> tuple[str, ...]:
        """The folders that hold only env's files (deleting the environment removes them)."""
        return (f"envs/{env}", release_name(app, env))

    def manifest_path(self, app: str, env: str) -> str:
        """Where the Argo CD Application of app in env lies in the repository."""
        raise NotImplementedError

    def _checked(self, form: DeployForm, schema=None, defaults=None):
        text = form.values.data or ""
        values, problems = parse_values(text, schema, defaults)
        if problems:
            form.values.errors = [str(problem) for problem in problems]
            return None
        return text, values


class ReferenceTemplate(DeploySource):
    """The built-in reference chart: a Deployment, a Service and an optional Ingress."""

    id = "template"
    title = "Deploy an application"
    page_template = "deploy/deployment_template.html"
    page_endpoint = "deploy.deployment_template"
    deploy_endpoint = "deploy.deploy_template"
    preview_endpoint = "deploy.preview_template"
    form_class = TemplateDeployForm
    lists_applications = True

    def fresh_form(self, target: str, last) -> DeployForm:
        """The target's last values, or the chart's defaults."""
        return TemplateDeployForm(formdata=None, target=target,
                                  values=last.values_text if last else DEFAULT_VALUES)

    def request_from(self, form: DeployForm) -> DeployRequest | None:
        """Values checked against the chart's schema, merged over its defaults as Helm does."""
        checked = self._checked(form, VALUES_SCHEMA, DEFAULT_DATA)
        return DeployRequest(*checked, preview_hash=form.preview_hash.data or None) \
            if checked else None

    def files(self, app, env, request, repo_url, branch, argo):
        """The chart under chart/, the values and the Application under envs/<env>/."""
        return template_files(app, env, request.values_text, repo_url, branch, argo)

    def manifest_path(self, app: str, env: str) -> str:
        """envs/<env>/application.yaml."""
        return f"envs/{env}/application.yaml"


class HelmChart(DeploySource):
    """A chart from a Helm repository or OCI registry, wrapped in a chart of its own."""

    id = "chart"
    title = "Deploy a chart"
    page_template = "deploy/charts.html"
    page_endpoint = "deploy.charts"
    deploy_endpoint = "deploy.deploy_chart"
    preview_endpoint = "deploy.preview_chart"
    form_class = ChartDeployForm
    chart_fields = ("repository", "chart", "version")

    def fresh_form(self, target: str, last) -> DeployForm:
        """The target's last chart and values, or empty values."""
        if last is None:
            return ChartDeployForm(formdata=None, target=target, values="{}\n")
        return ChartDeployForm(formdata=None, target=target, values=last.values_text,
                               repository=last.chart_repository, chart=last.chart_name,
                               version=last.chart_version)

    def request_from(self, form: DeployForm) -> DeployRequest | None:
        """Values that parse as a YAML mapping (the chart's own schema is Helm's to check)."""
        checked = self._checked(form)
        if not checked:
            return None
        chart = ChartSource(form.repository.data, form.chart.data, form.version.data)
        return DeployRequest(*checked, chart=chart, preview_hash=form.preview_hash.data or None)

    def files(self, app, env, request, repo_url, branch, argo):
        """A wrapper chart <app>-<env>/ with the chart as its one dependency."""
        return chart_files(app, env, request.chart, request.values, repo_url, branch, argo)

    def manifest_path(self, app: str, env: str) -> str:
        """<app>-<env>/application.yaml."""
        return f"{release_name(app, env)}/application.yaml"


SOURCES: dict[str, DeploySource] = {source.id: source
                                    for source in (ReferenceTemplate(), HelmChart())}
