"""A throw-away PostgreSQL cluster for the tests: Debian's binaries, a temporary folder,
a free loopback port, stopped and removed afterwards.

initdb refuses to run as root, so as root the cluster runs as the `postgres` system user
that Debian's package creates, in a folder handed over to it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

SUPERUSER = "gitops"
# Durability is worthless for a cluster that lives for one test run; speed is not.
SERVER_OPTIONS = ["-c", "fsync=off", "-c", "synchronous_commit=off",
                  "-c", "full_page_writes=off", "-c", "max_connections=300",
                  "-c", "listen_addresses=127.0.0.1"]


class Unavailable(Exception):
    """No PostgreSQL server could be had; the message says why and how to get one."""


def find_bindir() -> Path:
    """The newest Debian PostgreSQL bin folder with initdb and pg_ctl."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    if not found:
        raise Unavailable("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                          "run 'sudo apt-get install postgresql', or `make test` as root")
    return found[-1].parent


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """One initdb'd cluster: start() it, make databases, stop() removes every trace."""

    def __init__(self) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise Unavailable("the driver is missing: pip install -e '.[postgres]'") from None
        self.bindir = find_bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="gitops-pg-"))
        self.data = self.folder / "data"
        self.port = 0
        self._started = False
        self._owner = None
        if os.geteuid() == 0:
            try:
                self._owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root, but there is no 'postgres' user to run "
                                  "the cluster as (Debian's postgresql package makes it)") from None
            os.chown(self.folder, self._owner.pw_uid, self._owner.pw_gid)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._owner else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True,
                                timeout=120, check=False)
        if result.returncode != 0:
            raise Unavailable(f"{Path(command[0]).name} failed: "
                              f"{(result.stderr or result.stdout).strip()[-800:]}")

    def start(self) -> Cluster:
        """initdb, then start the server on a free loopback port; wait until it answers."""
        atexit.register(self.stop)  # should the session end without its teardown
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
        for _attempt in range(3):  # the free port may be taken before the server binds it
            self.port = free_port()
            options = " ".join([f"-p {self.port}", f"-k {self.folder}", *SERVER_OPTIONS])
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                          "-l", str(self.folder / "server.log"), "-o", options, "start")
            except Unavailable:
                continue
            self._started = True
            return self
        raise Unavailable("the server did not start: " + self.log_tail())

    def log_tail(self) -> str:
        """The end of the server's log, for error messages."""
        with contextlib.suppress(OSError):
            return (self.folder / "server.log").read_text()[-800:]
        return "(no log)"

    def stop(self) -> None:
        """Stop the server (no shutdown checkpoint: nothing here is kept) and remove it all."""
        try:
            if self._started:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")
                self._started = False
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database of this cluster."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def execute(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE and DROP DATABASE need that)."""
        import psycopg
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(statement)

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of template); its name."""
        name = "t_" + uuid.uuid4().hex[:16]
        # FILE_COPY: with fsync off, copying the files beats writing them through the WAL.
        self.execute(f"CREATE DATABASE {name}"
                     + (f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, ending whatever still holds a connection to it."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
