"""A real PostgreSQL server for the tests: Debian's binaries, a temporary data directory, a unix socket.

PostgreSQL refuses to run as root, and CI runs as root: there the server runs as the `postgres` user
(`runuser`). It listens on no TCP port, only on a socket in its temporary directory. Where the server's
binaries are missing, the tests that need it are skipped with that reason, never faked.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

PORT = 5433  # any: no TCP listener is opened, the number only names the socket file


def server_binaries() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_ctl").exists() and Path(candidate, "initdb").exists():
            return Path(candidate)
    return None


@dataclass
class Server:
    directory: Path
    binaries: Path

    @property
    def socket_dir(self) -> str:
        return str(self.directory)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database on this server; returns its SQLAlchemy URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=self.socket_dir, port=PORT, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def restart(self) -> None:
        """Stop the server (disconnecting every client) and start it again on the same data and socket."""
        _as_server_user([str(self.binaries / "pg_ctl"), "-D", str(self.directory / "data"), "-l", str(self.directory / "log"),
                        "-m", "fast", "-w", "restart"])

    def terminate_clients(self, database: str) -> int:
        """End every other session on `database`, as an administrator or a network fault would."""
        import psycopg

        with psycopg.connect(host=self.socket_dir, port=PORT, user="postgres", dbname="postgres", autocommit=True) as conn:
            return len(conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall())

    def stop(self) -> None:
        _as_server_user([str(self.binaries / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.directory, ignore_errors=True)


def _as_server_user(command: list[str]) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def start() -> Server:
    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL's server binaries are not installed (Debian package postgresql)")
    directory = Path(tempfile.mkdtemp(prefix="tf-pg-", dir="/tmp"))  # short: a socket path must fit in 107 bytes
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    os.chmod(directory, 0o700)
    server = Server(directory, binaries)
    try:
        _as_server_user([str(binaries / "initdb"), "-D", str(directory / "data"), "-U", "postgres", "--auth=trust",
                         "--no-sync", "-E", "UTF8", "--locale=C"])
        options = f"-p {PORT} -k {directory} -c listen_addresses='' -c fsync=off -c max_connections=100"
        _as_server_user([str(binaries / "pg_ctl"), "-D", str(directory / "data"), "-l", str(directory / "log"),
                         "-w", "-o", options, "start"])
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr or exc.stdout}") from None
    return server
