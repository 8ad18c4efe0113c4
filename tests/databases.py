"""The database under test: a SQLite file by default, PostgreSQL too where a test asks.

A test marked `@pytest.mark.databases` runs once on each (ids `[sqlite]`, `[postgresql]`;
`databases("postgresql")` for a check only PostgreSQL can fail):
one parametrised `database` fixture, never a copy of the test. The PostgreSQL cluster
starts on first use, once a session, and is stopped and removed at the end, whatever
happened. If it cannot be had, its tests fail in CI (CI=true) and are skipped elsewhere,
with the reason. A test also parametrised by provider runs on PostgreSQL with GitHub's
simulator only. The summary says how many tests ran on each database.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass

import pytest

from tests.postgres import Cluster, Unavailable

DATABASES = ("sqlite", "postgresql")
TEMPLATE = "gitops_template"
POSTGRES_PROVIDER = "github"


@dataclass(frozen=True)
class Database:
    """A fresh database of one test: which kind, and its SQLAlchemy URL."""

    kind: str
    url: str


_DATABASE = pytest.StashKey[str | None]()
# (database, outcome) -> how many tests; one pytest process, one count.
_COUNTS: Counter = Counter()


def pytest_configure(config):
    config.addinivalue_line("markers", "databases(*names): run the test on SQLite and on "
                                       "PostgreSQL (or on the databases named)")


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("databases")
    if marker and "database" in metafunc.fixturenames:
        metafunc.parametrize("database", marker.args or DATABASES, indirect=True)


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL cluster, with a migrated template database to copy."""
    try:
        cluster = Cluster()
    except Unavailable as reason:
        _unavailable(str(reason))
    try:
        cluster.start()
        _make_template(cluster)
    except Unavailable as reason:
        cluster.stop()
        _unavailable(str(reason))
    except BaseException:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


def _unavailable(reason: str):
    message = f"PostgreSQL is not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must run the PostgreSQL half)", pytrace=False)
    pytest.skip(message)


def _make_template(cluster: Cluster) -> None:
    """Migrate a database once and add the test accounts; every test gets a copy of it."""
    from tests.conftest import seed_accounts
    cluster.execute(f"CREATE DATABASE {TEMPLATE}")
    seed_accounts(cluster.url(TEMPLATE))


@pytest.fixture
def database(request, tmp_path, migrated_database) -> Database:
    """A fresh, migrated database with the test accounts (SQLite unless parametrised)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        shutil.copy(migrated_database, tmp_path / "gitops.db")
        yield Database("sqlite", f"sqlite:///{tmp_path / 'gitops.db'}")
        return
    cluster = request.getfixturevalue("postgres")
    name = cluster.create_database(template=TEMPLATE)
    yield Database("postgresql", cluster.url(name))
    cluster.drop_database(name)


def database_of(item) -> str | None:
    """Which database a collected test runs on, if any."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "database" in callspec.params:
        return callspec.params["database"]
    names = set(getattr(item, "fixturenames", ()))
    if "postgres" in names:
        return "postgresql"
    if names & {"database", "migrated_database"}:
        return "sqlite"
    return None


def pytest_collection_modifyitems(config, items):
    # What these tests check of the database does not depend on the git provider: on
    # PostgreSQL they run with one provider (SQLite still runs all four), to keep time.
    extra = [item for item in items if database_of(item) == "postgresql"
             and getattr(item, "callspec", None) is not None
             and item.callspec.params.get("harness", POSTGRES_PROVIDER) != POSTGRES_PROVIDER]
    if extra:
        config.hook.pytest_deselected(items=extra)
        dropped = set(map(id, extra))
        items[:] = [item for item in items if id(item) not in dropped]
    for item in items:
        item.stash[_DATABASE] = database_of(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    database = item.stash.get(_DATABASE, None)
    if database is not None:  # user_properties travel from xdist's workers to the summary
        report.user_properties.append(("database", database))
    return report


def pytest_runtest_logreport(report):
    database = dict(report.user_properties).get("database")
    if database is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _COUNTS.update([(database, report.outcome)])


def pytest_terminal_summary(terminalreporter):
    if not _COUNTS:
        return
    parts = []
    for database in DATABASES:
        outcomes = {outcome: n for (kind, outcome), n in sorted(_COUNTS.items())
                    if kind == database}
        total = sum(outcomes.values())
        detail = ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items())
        parts.append(f"{total} on {database}" + (f" ({detail})" if detail else ""))
    terminalreporter.write_line("tests per database: " + "; ".join(parts))
