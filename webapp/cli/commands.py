"""The `gitops` command group: every command is one or two API calls and their output.

Exit codes: 0 done; 1 the operation failed (provider, conflict, busy, server); 2 bad input;
3 GitOps is not configured; 4 not allowed (token missing, wrong or a viewer's); 5 not found.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.cli.client import Answer, Client, LocalClient, RemoteClient

NOT_CONFIGURED = 3
EXIT_CODES = {400: 2, 413: 2, 415: 2, 422: 2, 401: 4, 403: 4, 404: 5}
TOKEN_VARIABLE = "GITOPS_API_TOKEN"  # noqa: S105  (the name of a variable)



class Session:
    """What every command needs: the client and whether to print JSON."""

    def __init__(self, url: str | None, as_json: bool) -> None:
        self.url, self.as_json = url, as_json
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        """The local API, or the remote one named by --url (token from the environment)."""
        if self._client is None:
            if self.url:
                token = os.environ.get(TOKEN_VARIABLE, "").strip()
                if not token:
                    fail(f"--url needs an API token in {TOKEN_VARIABLE} (never on the "
                         "command line, where other users and the shell history see it).", 2)
                self._client = RemoteClient(self.url, token)
            else:
                self._client = LocalClient(current_app._get_current_object())
        return self._client

    def call(self, method: str, path: str, **kwargs) -> Answer:
        """One API call; an error is printed on stderr and exits with its code."""
        answer = self.client.call(method, path, **kwargs)
        if not answer.ok:
            report_error(answer)
        return answer

    def show(self, body: Any, human: Callable[[Any], None]) -> None:
        """Print body as JSON with --json, else as text for people."""
        if self.as_json:
            click.echo(json.dumps(body, indent=2, sort_keys=True))
        else:
            human(body)


def fail(message: str, code: int = 1) -> None:
    """Print message on stderr and exit with code."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def report_error(answer: Answer) -> None:
    """Print an API error (and its field errors, stage results) and exit with its code."""
    error = (answer.body or {}).get("error") or {}
    click.echo(f"error: {error.get('message') or f'the API answered {answer.status}'}",
               err=True)
    for field, problems in (error.get("fields") or {}).items():
        click.echo(f"  {field}: {' '.join(problems)}", err=True)
    for stage in (error.get("validation") or {}).get("stages", []):
        click.echo(f"  {stage['status']:>7}  {stage['label']}: {stage['message']}", err=True)
    code = EXIT_CODES.get(answer.status, 1)
    if error.get("code") == "gate_closed":
        code = NOT_CONFIGURED
    sys.exit(code)


@click.group("gitops", cls=AppGroup, help=__doc__)
@click.option("--url", metavar="URL", help="A remote GitOps Console (its base URL); the token "
              f"comes from {TOKEN_VARIABLE}. Without it: this installation.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answers.")
@click.pass_context
def gitops(context: click.Context, url: str | None, as_json: bool) -> None:
    """Remember the options for the command that follows."""
    context.obj = Session(url, as_json)


def session() -> Session:
    """The Session the group made for this invocation."""
    return click.get_current_context().find_object(Session)


def json_option(function):
    """--json on every command."""
    def store(context, _param, value):
        if value:
            context.find_object(Session).as_json = True
        return value
    return click.option("--json", "as_json", is_flag=True, expose_value=False,
                        callback=store, help="Print the API's JSON answer.")(function)


def init_app(app) -> None:
    """Register the group (commands are in webapp.cli.configs and webapp.cli.deploys)."""
    from webapp.cli import configs, deploys, reviews  # noqa: F401  (commands register)
    app.cli.add_command(gitops)


def read_text(path: str) -> str:
    """A file's text, or standard input for '-'; exit 2 when it cannot be read."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {path}: {error.strerror if isinstance(error, OSError) else error}",
             2)
    return ""


