"""gitops apps list|create|add-env, deploy, chart-deploy, history."""

from __future__ import annotations

import click

from webapp.cli.commands import gitops, json_option, read_text, session


@gitops.group("apps")
def apps() -> None:
    """Applications and their environments."""


@apps.command("list")
@json_option
def list_apps() -> None:
    """Every application, its environments and repository."""
    body = session().call("GET", "/apps").body

    def human(listing):
        if not listing["items"]:
            click.echo("No applications yet.")
        for app in listing["items"]:
            environments = ", ".join(env["name"] for env in app["environments"]) or "-"
            where = (app["repository"] or {}).get("web_url") or app["repository_url"] or \
                "not deployed yet"
            click.echo(f"{app['name']:<24}{environments:<30}{where}")
    session().show(body, human)


@apps.command("create")
@click.argument("name")
@click.option("--environments", default="dev,staging,prod", show_default=True,
              help="Comma-separated environment names.")
@click.option("--repository-url", default=None,
              help="Where repositories are made by an administrator: this one's URL.")
@json_option
def create_app(name: str, environments: str, repository_url: str | None) -> None:
    """Create application NAME with its first environments."""
    body = {"name": name, "environments": [env.strip() for env in environments.split(",")
                                           if env.strip()]}
    if repository_url:
        body["repository_url"] = repository_url
    created = session().call("POST", "/apps", json=body).body
    session().show(created, lambda a: click.echo(
        f"Created {a['name']} ({', '.join(e['name'] for e in a['environments'])})."))


@apps.command("add-env")
@click.argument("name")
@click.argument("environment")
@json_option
def add_environment(name: str, environment: str) -> None:
    """Add ENVIRONMENT to application NAME."""
    app = session().call("POST", f"/apps/{name}/environments", json={"name": environment}).body
    session().show(app, lambda a: click.echo(f"{a['name']} now has {environment}."))


def _print_result(result: dict) -> None:
    deployment = result["deployment"]
    request = deployment.get("request")
    if deployment["outcome"] == "proposed" and request:
        click.echo(f"Proposed {deployment['application']} for {deployment['environment']}: "
                   f"revision {deployment['revision']}, request {request['number']} "
                   f"({request['state']}): {request['url']}")
        return
    if result["changed"]:
        click.echo(f"Deployed {deployment['application']} to {deployment['environment']}: "
                   f"revision {deployment['revision']}, commit {result['commit_sha']}.")
    else:
        click.echo(f"No changes: {deployment['application']} in {deployment['environment']} "
                   "already has these values; nothing was committed.")
    if result["commit_url"]:
        click.echo(result["commit_url"])


@gitops.command("deploy")
@click.argument("app")
@click.argument("environment")
@click.option("--values", "values_file", required=True, metavar="FILE",
              help="The values (YAML) for the reference chart; - reads standard input.")
@click.option("--preview-hash", default=None,
              help="Insist on the change `gitops preview` showed (refused if it differs).")
@json_option
def deploy(app: str, environment: str, values_file: str, preview_hash: str | None) -> None:
    """Deploy APP to ENVIRONMENT from the reference chart with the values in FILE."""
    body = {"values": read_text(values_file)}
    if preview_hash:
        body["preview_hash"] = preview_hash
    result = session().call("POST", f"/apps/{app}/environments/{environment}/deploy",
                            json=body).body
    session().show(result, _print_result)


@gitops.command("chart-deploy")
@click.argument("app")
@click.argument("environment")
@click.option("--repository", required=True, help="Helm repository or oci:// registry.")
@click.option("--chart", required=True, help="The chart's name.")
@click.option("--version", "chart_version", required=True, help="The chart's version.")
@click.option("--values", "values_file", default=None, metavar="FILE",
              help="The chart's values (YAML); - reads standard input.")
@json_option
def chart_deploy(app: str, environment: str, repository: str, chart: str, chart_version: str,
                 values_file: str | None) -> None:
    """Deploy APP to ENVIRONMENT from a Helm chart."""
    body = {"repository": repository, "chart": chart, "version": chart_version,
            "values": read_text(values_file) if values_file else "{}\n"}
    result = session().call("POST", f"/apps/{app}/environments/{environment}/chart-deploy",
                            json=body).body
    session().show(result, _print_result)


@gitops.command("history")
@click.option("--app", default=None, help="Only this application's deploys.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@json_option
def history(app: str | None, limit: int) -> None:
    """The newest deploy attempts, newest first."""
    params = {"per_page": limit, **({"app": app} if app else {})}
    body = session().call("GET", "/deployments", params=params).body

    def human(listing):
        if not listing["items"]:
            click.echo("No deploys yet.")
        for d in listing["items"]:
            commit = (d["commit_sha"] or "")[:12]
            click.echo(f"{d['created_at']}  {d['application']}/{d['environment']}  "
                       f"r{d['revision']}  {d['outcome']:<9} {commit}  {d['actor'] or ''}")
    session().show(body, human)
