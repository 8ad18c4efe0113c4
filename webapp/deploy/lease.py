"""One deploy of an application at a time, across every worker process.

A thread lock only orders the deploys of one process; gunicorn runs several. The lease is
a row-level compare-and-set on the application (works the same on SQLite and PostgreSQL):
whoever sets it first deploys, the others wait a bounded time. It expires on its own, so a
worker killed mid-deploy blocks the application for minutes, not forever; the provider's
own check (the branch must not have moved) still guards a deploy that outlives it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import OperationalError

from webapp.extensions import db
from webapp.models import Application, utcnow

POLL_SECONDS = 0.05
RELEASE_TRIES = 5
log = logging.getLogger(__name__)


class DeployBusy(Exception):
    """Another deploy of the application held the lease for longer than we may wait."""


@dataclass
class Lease:
    """A held lease. The deploy may give it back inside its own closing transaction
    (release_in_transaction): one commit, not two, and never an outcome without it."""

    application_id: int
    token: str
    started: object = None  # what the acquiring transaction also wrote (see deploy_lease)
    released: bool = False

    def release_in_transaction(self) -> None:
        """Add the release to the session's open transaction; the caller commits, then
        calls released_by_commit()."""
        db.session.execute(_release_statement(self.application_id, self.token))

    def released_by_commit(self) -> None:
        self.released = True


@contextmanager
def deploy_lease(application_id: int, name: str, *, hold_seconds: float,
                 wait_seconds: float, starting: Callable[[], object] | None = None
                 ) -> Iterator[Lease]:
    """Hold the application's deploy lease for the block (at most hold_seconds).

    starting, when given, writes in the transaction that takes the lease (its result is
    lease.started): the deploy's first record costs no commit of its own.
    """
    lease = _acquire(application_id, name, hold_seconds, wait_seconds, starting)
    try:
        yield lease
    finally:
        if not lease.released:
            _release(application_id, lease.token)


def _release_statement(application_id: int, token: str):
    return (update(Application)
            .where(Application.id == application_id, Application.deploy_lease == token)
            .values(deploy_lease=None, deploy_lease_until=None)
            .execution_options(synchronize_session=False))


def _release(application_id: int, token: str) -> None:
    """Give the lease back; never raises, so the deploy's own outcome is what the user sees."""
    for attempt in range(RELEASE_TRIES):
        db.session.rollback()
        try:
            db.session.execute(_release_statement(application_id, token))
            db.session.commit()
            return
        except OperationalError:  # busy or disconnected: try again, then let it expire
            db.session.rollback()
            time.sleep(POLL_SECONDS * (attempt + 1))
    log.warning("could not release the deploy lease of application %s; it expires on its "
                "own", application_id)


def _acquire(application_id: int, name: str, hold_seconds: float, wait_seconds: float,
             starting: Callable[[], object] | None) -> Lease:
    lease = Lease(application_id, secrets.token_hex(16))
    give_up = time.monotonic() + wait_seconds
    while True:
        now = utcnow()
        try:
            taken = db.session.execute(
                update(Application)
                .where(Application.id == application_id,
                       or_(Application.deploy_lease_until.is_(None),
                           Application.deploy_lease_until < now))
                .values(deploy_lease=lease.token,
                        deploy_lease_until=now + timedelta(seconds=hold_seconds))
                # No in-Python evaluation against loaded rows: SQLite gives them back
                # without a time zone, and the database alone decides who holds the lease.
                .execution_options(synchronize_session=False))
            if taken.rowcount == 1:
                lease.started = starting() if starting is not None else None
                db.session.commit()
                return lease
            db.session.rollback()
        except OperationalError:  # SQLite busy: another writer; try again like a held lease
            db.session.rollback()
        if time.monotonic() >= give_up:
            raise DeployBusy(f"Another deploy of {name} is still running. Nothing was sent: "
                             "deploy again once it has finished (the history shows it).")
        time.sleep(POLL_SECONDS)
