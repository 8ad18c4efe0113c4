"""`flask --app wsgi users …`: accounts from the command line, and the first admin."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.audit import record
from webapp.auth.service import AccountError, create_user, set_password, user_count
from webapp.extensions import db
from webapp.models import User

users = AppGroup("users", help="Create and manage accounts.")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(users)


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"There is no user {username}.")
    return user


def _create(username: str, password: str, role: str) -> None:
    try:
        create_user(username, password, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    record("user_created", username, {"role": role, "by": "cli"}, actor="cli")
    click.echo(f"Created the {role} {username}.")


@users.command("create-admin")
@click.option("--username", default="admin", show_default=True)
@click.password_option(help="Prompted for (twice) when not given.")
def create_admin(username: str, password: str) -> None:
    """Create an admin account."""
    _create(username, password, "admin")


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["viewer", "admin"]), default="viewer",
              show_default=True)
@click.password_option(help="Prompted for (twice) when not given.")
def create(username: str, role: str, password: str) -> None:
    """Create an account (a viewer unless --role admin)."""
    _create(username, password, role)


@users.command("set-password")
@click.argument("username")
@click.password_option(help="Prompted for (twice) when not given.")
def change_password(username: str, password: str) -> None:
    """Set a user's password; their sessions end."""
    user = _user(username)
    try:
        set_password(user, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    record("password_changed", username, {"by": "cli"}, actor="cli")
    click.echo(f"Changed the password of {username}.")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["viewer", "admin"]))
def set_role(username: str, role: str) -> None:
    """Make a user an admin or a viewer."""
    user = _user(username)
    user.role = role
    user.session_epoch += 1  # sessions restart with the new rights
    db.session.commit()
    record("role_changed", username, {"role": role, "by": "cli"}, actor="cli")
    click.echo(f"{username} is now a {role}.")


@users.command("list")
def list_users() -> None:
    """List the accounts."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{user.role}\t{user.source}")


@users.command("delete")
@click.argument("username")
def delete(username: str) -> None:
    """Delete an account."""
    db.session.delete(_user(username))
    db.session.commit()
    record("user_deleted", username, {"by": "cli"}, actor="cli")
    click.echo(f"Deleted {username}.")


@users.command("bootstrap")
def bootstrap() -> None:
    """On a fresh installation (no accounts), create `admin` and print its password once."""
    if user_count():
        return
    password = secrets.token_urlsafe(18)
    create_user("admin", password, "admin")
    record("user_created", "admin", {"role": "admin", "by": "first start"}, actor="cli")
    click.echo("\n" + "=" * 72)
    click.echo("First start: sign in as  admin  with the password")
    click.echo(f"    {password}")
    click.echo("It is shown only this once; change it under Account once signed in.")
    click.echo("=" * 72 + "\n")
