"""Start PostgreSQL and Redis when a newcomer's machine has them installed but not running.

Nothing is skipped silently: if a service cannot be reached after trying, the tests that need it
fail with the reason.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.2)
    return False


def ensure_postgres(host: str = "127.0.0.1", port: int = 5432) -> None:
    if port_open(host, port):
        return
    if shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        for version in sorted(p.name for p in Path("/etc/postgresql").iterdir()):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False,
                capture_output=True,
            )
    if not _wait(host, port, 20):
        raise RuntimeError(
            f"PostgreSQL is not reachable on {host}:{port}; run `.ci/run` once (it installs and "
            "starts it) or start it yourself."
        )


def ensure_redis(host: str = "127.0.0.1", port: int = 6379) -> None:
    if port_open(host, port):
        return
    if shutil.which("redis-server"):
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", host, "--port", str(port),
             "--save", "", "--appendonly", "no"],
            check=False,
            capture_output=True,
        )  # fmt: skip
    if not _wait(host, port, 10):
        raise RuntimeError(f"Redis is not reachable on {host}:{port}; install redis-server.")
