"""gitops status | list | show | set | validate | activate | delete."""

from __future__ import annotations

import sys

import click

from webapp.cli.commands import NOT_CONFIGURED, fail, gitops, json_option, read_text, session
from webapp.providers import KINDS, NAMESPACE_FIELDS

KIND = click.Choice(sorted(KINDS))


@gitops.command("status")
@json_option
def status() -> None:
    """Is GitOps configured? Exit 0 if a provider is active, 3 if not."""
    body = session().call("GET", "/gitops/status").body

    def human(state):
        if not state["configured"]:
            click.echo("GitOps is not configured: no provider is active.")
            return
        checked = "validated" if state["validated"] else "not validated"
        click.echo(f"GitOps is configured: {KINDS[state['active_kind']].label} is active "
                   f"({checked}).")
    session().show(body, human)
    sys.exit(0 if body["configured"] else NOT_CONFIGURED)


@gitops.command("list")
@json_option
def list_configs() -> None:
    """The saved provider configurations."""
    body = session().call("GET", "/gitops/configs").body

    def human(listing):
        if not listing["items"]:
            click.echo("No provider configuration is saved.")
        for config in listing["items"]:
            mark = "active" if config["active"] else "saved"
            outcome = (config.get("validation") or {}).get("outcome", "not validated")
            click.echo(f"{config['kind']:<16}{mark:<8}{outcome:<15}v{config['version']}")
    session().show(body, human)


def _print_config(config: dict) -> None:
    for key in ("kind", "active", "version", "host", *NAMESPACE_FIELDS, "username",
                "credential_type", "branch", "repository_prefix", "repositories_precreated",
                "validation_repository", "verify_tls", "has_token", "has_ca_bundle",
                "validated_at"):
        if key in config:
            click.echo(f"{key}: {config[key]}")
    validation = config.get("validation")
    if validation:
        click.echo(f"validation: {validation['outcome']}")


@gitops.command("show")
@click.argument("kind", type=KIND)
@json_option
def show(kind: str) -> None:
    """One provider's saved configuration (never its token)."""
    session().show(session().call("GET", f"/gitops/configs/{kind}").body, _print_config)


def _namespace_options(function):
    for name in reversed(NAMESPACE_FIELDS):
        function = click.option(f"--{name.replace('_', '-')}", name, default=None,
                                help=f"The {name.replace('_', ' ')} (see the settings page).")(
            function)
    return function


@gitops.command("set")
@click.argument("kind", type=KIND)
@click.option("--host", default=None, help="The provider's host (blank: its public one).")
@click.option("--username", default=None)
@_namespace_options
@click.option("--credential-type", default=None, help="Bitbucket: api_token or app_password.")
@click.option("--branch", default=None, help="Where deploys commit (default main).")
@click.option("--repository-prefix", default=None)
@click.option("--repositories-precreated/--repositories-created", default=None,
              help="Whether an administrator makes each application's repository.")
@click.option("--validation-repository", default=None)
@click.option("--ca-bundle-file", type=click.Path(dir_okay=False), default=None,
              help="PEM certificates of a private certificate authority.")
@click.option("--remove-ca-bundle", is_flag=True, default=False)
@click.option("--verify-tls/--no-verify-tls", default=None,
              help="--no-verify-tls for labs only: anyone on the path could read the token.")
@click.option("--token-stdin", is_flag=True, help="Read the token from standard input.")
@click.option("--token-file", type=click.Path(dir_okay=False), default=None,
              help="Read the token from this file.")
@click.option("--pull-requests/--no-pull-requests", default=None,
              help="Deploy through pull (merge) requests instead of direct commits.")
@click.option("--require-preview/--no-require-preview", default=None,
              help="Refuse deploys that do not carry the preview of their exact change.")
@click.option("--token-expires", "token_expires_on", default=None, metavar="YYYY-MM-DD",
              help="When the token expires, for providers that do not say (Azure DevOps, "
                   "Bitbucket Cloud).")
@click.option("--validate/--no-validate", default=True,
              help="Validate against the provider before saving (default).")
@json_option
def set_config(kind: str, token_stdin: bool, token_file: str | None, validate: bool,
               ca_bundle_file: str | None, remove_ca_bundle: bool, **options) -> None:
    """Save KIND's configuration and make it active; options left out keep the saved values.

    The token is read from standard input or a file, never from the command line. Left
    out, the saved token is kept (unless the host or namespace change).
    """
    if token_stdin and token_file:
        fail("use --token-stdin or --token-file, not both.", 2)
    current = session().client.call("GET", f"/gitops/configs/{kind}")
    body: dict = {}
    if current.ok:
        saved = current.body
        body = {key: saved.get(key) for key in _fields_of(kind) if key in saved}
        body["version"] = saved["version"]
        if "token_expires_on" in _fields_of(kind) and saved.get("token_expires_at"):
            body["token_expires_on"] = saved["token_expires_at"][:10]
    elif current.status != 404:
        session().call("GET", f"/gitops/configs/{kind}")  # reports the error and exits
    body.update({key: value for key, value in options.items()
                 if value is not None and key in _fields_of(kind)})
    if token_stdin or token_file:
        token = read_text(token_file or "-").strip()
        if not token:
            fail("the token read is empty.", 2)
        body["token"] = token
    if ca_bundle_file:
        body["ca_bundle"] = read_text(ca_bundle_file)
    if remove_ca_bundle:
        body["remove_ca_bundle"] = True
    body["validate"] = validate
    answer = session().call("PUT", f"/gitops/configs/{kind}", json=body)

    def human(config):
        state = "validated" if config.get("validation") else "saved without validating"
        click.echo(f"Saved {config['label']} ({state}); it is the active provider.")
    session().show(answer.body, human)


def _fields_of(kind: str) -> set[str]:
    spec = KINDS[kind]
    names = {field.name for field in spec.fields if field.kind != "secret"}
    if spec.credential_types:
        names.add("credential_type")
    if not spec.reports_token_expiry:
        names.add("token_expires_on")
    return names | {"branch", "repository_prefix", "repositories_precreated",
                    "validation_repository", "verify_tls", "pull_requests", "require_preview"}


def _print_report(report: dict) -> None:
    for stage in report["stages"]:
        click.echo(f"{stage['status']:>7}  {stage['label']}: {stage['message']}")
    click.echo(f"outcome: {report['outcome']} ({report['requests']} requests)")


@gitops.command("validate")
@click.argument("kind", type=KIND)
@json_option
def validate(kind: str) -> None:
    """Validate KIND's saved configuration again; exit 1 if a stage failed."""
    report = session().call("POST", f"/gitops/configs/{kind}/validate").body
    session().show(report, _print_report)
    if report["outcome"] == "failed":
        sys.exit(1)


@gitops.command("activate")
@click.argument("kind", type=KIND)
@json_option
def activate(kind: str) -> None:
    """Make KIND's saved configuration the active provider."""
    config = session().call("POST", f"/gitops/configs/{kind}/activate").body
    session().show(config, lambda c: click.echo(f"{c['label']} is the active provider."))


@gitops.command("delete")
@click.argument("kind", type=KIND)
@click.option("--leave-unconfigured", is_flag=True,
              help="Needed to delete the active provider: deploys stop until another is set.")
@json_option
def delete(kind: str, leave_unconfigured: bool) -> None:
    """Delete KIND's saved configuration."""
    params = {"leave_unconfigured": "true"} if leave_unconfigured else {}
    session().call("DELETE", f"/gitops/configs/{kind}", params=params)
    session().show({"deleted": kind}, lambda _b: click.echo(f"Deleted {KINDS[kind].label}."))
