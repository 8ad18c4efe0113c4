"""The schema: one active row enforced by the database, migrations matching the models."""

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from webapp.extensions import db
from webapp.models import GitOpsConfig


def config(kind: str, active: bool) -> GitOpsConfig:
    return GitOpsConfig(kind=kind, host="https://example.com", username="u",
                        token_ciphertext="x", active=active)


@pytest.mark.databases
def test_the_database_refuses_a_second_active_row(app):
    with app.app_context():
        db.session.add(config("github", True))
        db.session.commit()
        db.session.add(config("gitlab", True))
        with pytest.raises(IntegrityError, match=r"(?i)unique"):
            db.session.commit()
        db.session.rollback()

        # The same through raw SQL: the index, not the ORM, refuses it.
        with pytest.raises(IntegrityError, match=r"uq_gitops_config_one_active|UNIQUE"):
            db.session.execute(text(
                "INSERT INTO gitops_config (kind, username, token_ciphertext, active, version, "
                "created_at, updated_at) VALUES ('gitlab', 'u', 'x', TRUE, 1, '2026-01-01', "
                "'2026-01-01')"))
        db.session.rollback()


@pytest.mark.databases
def test_any_number_of_inactive_rows_may_exist(app):
    with app.app_context():
        db.session.add_all([config("github", False), config("gitlab", False),
                            config("azure_devops", True)])
        db.session.commit()
        active = db.session.scalars(select(GitOpsConfig.active)).all()
    assert sorted(active) == [False, False, True]


@pytest.mark.databases
def test_the_database_refuses_an_unknown_provider_kind(app):
    with app.app_context():
        db.session.add(config("sourceforge", False))
        with pytest.raises(IntegrityError, match=r"(?i)check"):
            db.session.commit()


@pytest.mark.databases
def test_the_migrations_produce_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


@pytest.mark.databases
def test_every_migration_downgrades_to_nothing_and_upgrades_again(app):
    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as connection:
            assert inspect(connection).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            # The audit log's append-only trigger came back with its table.
            connection.execute(text("INSERT INTO audit_event (at, action) "
                                    "VALUES (CURRENT_TIMESTAMP, 'probe')"))
            with pytest.raises(DatabaseError, match="append-only"):
                connection.execute(text("DELETE FROM audit_event"))
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
