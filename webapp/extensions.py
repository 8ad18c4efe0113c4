"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that migrations can alter them on every database (SQLite included).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
migrate = Migrate()


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic; tune SQLite connections for a small multi-threaded server."""
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
            event.listen(engine, "connect",
                         lambda connection, _record: _tune_sqlite(connection, busy_timeout))


def _tune_sqlite(connection, busy_timeout_ms: int) -> None:
    """WAL lets readers run beside a writer; the busy timeout makes writers queue, not fail."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
