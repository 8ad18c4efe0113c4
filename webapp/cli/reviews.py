"""gitops preview | rollback | request | apps delete | apps delete-env."""

from __future__ import annotations

import sys

import click

from webapp.cli.commands import gitops, json_option, read_text, session
from webapp.cli.deploys import _print_result, apps


def _print_preview(preview: dict) -> None:
    if preview["unchanged"]:
        click.echo(f"No changes: {preview['branch']} already holds exactly these files.")
    else:
        if preview["new_repository"]:
            click.echo("The first deploy creates the repository; every file is new.")
        for item in preview["files"]:
            click.echo(item["diff"], nl=False)
        click.echo(preview["summary"])
    click.echo(f"preview_hash: {preview['preview_hash']}")


@gitops.command("preview")
@click.argument("app")
@click.argument("environment")
@click.option("--values", "values_file", required=True, metavar="FILE",
              help="The values (YAML) for the reference chart; - reads standard input.")
@json_option
def preview(app: str, environment: str, values_file: str) -> None:
    """The exact diff a deploy of these values would make (nothing is committed); deploy
    it with --preview-hash to insist on exactly this change."""
    body = session().call("POST", f"/apps/{app}/environments/{environment}/preview",
                          json={"values": read_text(values_file)}).body
    session().show(body, _print_preview)


@gitops.command("rollback")
@click.argument("app")
@click.argument("environment")
@click.argument("revision", type=click.IntRange(1, 2**31 - 1))
@click.option("--preview", "only_preview", is_flag=True,
              help="Only show the diff of the rollback; commit nothing.")
@click.option("--preview-hash", default=None, help="Insist on the change a preview showed.")
@json_option
def rollback(app: str, environment: str, revision: int, only_preview: bool,
             preview_hash: str | None) -> None:
    """Commit (or propose) REVISION's files again, as a new revision."""
    body: dict = {"revision": revision}
    if preview_hash:
        body["preview_hash"] = preview_hash
    path = f"/apps/{app}/environments/{environment}/rollback"
    if only_preview:
        shown = session().call("POST", path + "-preview", json=body).body
        session().show(shown, _print_preview)
        return
    session().show(session().call("POST", path, json=body).body, _print_result)


@gitops.command("request")
@click.argument("deployment_id", type=click.IntRange(1))
@json_option
def request_state(deployment_id: int) -> None:
    """Ask the provider for the state of a deploy's pull/merge request (exit 1 if closed)."""
    deployment = session().call("POST", f"/deployments/{deployment_id}/refresh").body
    request = deployment["request"] or {}
    session().show(deployment, lambda d: click.echo(
        f"{request.get('url')}: {request.get('state')}"))
    if request.get("state") == "closed":
        sys.exit(1)


@apps.command("delete")
@click.argument("name")
@click.option("--delete-repository", is_flag=True,
              help="Delete its repository on the provider too (the token must be allowed).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def delete_app(name: str, delete_repository: bool, yes: bool) -> None:
    """Delete application NAME (its deploys stay in the history)."""
    if not yes:
        what = f"{name} and its repository" if delete_repository else name
        click.confirm(f"Delete {what}?", abort=True, err=True)
    params = {"delete_repository": "true"} if delete_repository else {}
    body = session().call("DELETE", f"/apps/{name}", params=params).body
    session().show(body, lambda b: click.echo(
        f"Deleted {name}" + (" and its repository." if b["repository_deleted"] else ".")))


@apps.command("delete-env")
@click.argument("name")
@click.argument("environment")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def delete_environment(name: str, environment: str, yes: bool) -> None:
    """Remove ENVIRONMENT's files from NAME's repository (one commit), then the environment."""
    if not yes:
        click.confirm(f"Delete {name} in {environment} and its files?", abort=True, err=True)
    body = session().call("DELETE", f"/apps/{name}/environments/{environment}").body
    session().show(body, lambda b: click.echo(
        f"Removed {len(b['removed'])} files; {environment} is gone."))
