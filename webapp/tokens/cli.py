"""`flask --app wsgi tokens …`: API tokens from the server's shell (e.g. to bootstrap CI)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ApiToken
from webapp.tokens import service

tokens = AppGroup("tokens", help="Make, list and revoke API tokens.")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(tokens)


@tokens.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(service.ROLES), default="viewer", show_default=True)
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day (UTC) it stops working, YYYY-MM-DD; none by default.")
def create(name: str, role: str, expires: datetime | None) -> None:
    """Make a token and print its secret, this once (nothing else does)."""
    try:
        made = service.create(name, role, expires.replace(tzinfo=UTC) if expires else None,
                              "cli")
    except service.TokenError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(made.secret)


@tokens.command("list")
def list_tokens() -> None:
    """Every token: name, role, expiry, last use, revoked or not."""
    for token in service.all_tokens():
        state = "revoked" if token.revoked_at else "live"
        expires = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "never"
        used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never"
        click.echo(f"{token.name}\t{token.role}\t{state}\texpires {expires}\tused {used}")


@tokens.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the token of that name at once."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise click.ClickException(f"There is no token {name}.")
    service.revoke(token.id, "cli")
    click.echo(f"Revoked {name}.")
