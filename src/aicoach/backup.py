"""``aicoach db backup FILE`` and ``aicoach db restore FILE``: a consistent copy of the database.

* **SQLite** — SQLite's online backup API (``sqlite3.Connection.backup``): a page-by-page copy
  that is consistent even while the app writes (it restarts on a concurrent write), into a plain
  SQLite file. Restore copies the backup's pages over the live database the same way, so open
  connections see the restored data on their next transaction.
* **PostgreSQL** — ``pg_dump --format=custom`` (consistent by MVCC snapshot, no lock on writers)
  and ``pg_restore --clean --if-exists --single-transaction``: a failed restore changes nothing.
  The client programs must be installed (Debian: ``postgresql-client``) and no older than the
  server; the password, if any, comes from the URL into ``PGPASSWORD``, never onto the command
  line.

A backup records the schema revision it was taken at (SQLite: in the file; PostgreSQL: in the
dump), and restore runs the migrations up to head afterwards, so an older backup restores into a
newer release.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from aicoach.config import Settings
from aicoach.errors import AICoachError


class BackupError(AICoachError):
    status_code = 500
    code = "backup_failed"


def _sqlite_path(url: str) -> Path:
    # sqlite+aiosqlite:///absolute/path.db (three slashes, then the path)
    return Path(url.split(":///", 1)[1])


def _pg_env_and_dsn(url: str) -> tuple[dict[str, str], str]:
    """The libpq environment and connection string for ``url`` (the password stays in the env)."""
    parts = urlsplit(url.replace("+asyncpg", "", 1))
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    user = f"{unquote(parts.username)}@" if parts.username else ""
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return env, f"postgresql://{user}{host}{port}{parts.path}"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; on Debian: apt-get install postgresql-client")
    return found


def backup(settings: Settings, target: Path) -> Path:
    """Write a consistent copy of the configured database to ``target``; returns the path."""
    url = settings.effective_database_url
    target = target.expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"There is no database at {source} yet (run `aicoach db upgrade`).")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return target
    env, dsn = _pg_env_and_dsn(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", dsn], env)
    return target


def restore(settings: Settings, source: Path) -> None:
    """Replace the configured database's contents with the backup at ``source``."""
    url = settings.effective_database_url
    source = source.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if url.startswith("sqlite"):
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with sqlite3.connect(source) as src:
                if src.execute("PRAGMA quick_check").fetchone() != ("ok",):
                    raise BackupError(f"{source} is not a sound SQLite database.")
                with sqlite3.connect(target) as dst:
                    src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not an SQLite backup ({exc}).") from exc
        return
    env, dsn = _pg_env_and_dsn(url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={dsn}",
            str(source),
        ],
        env,
    )


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise BackupError(f"{Path(command[0]).name} failed: {last[0]}")
