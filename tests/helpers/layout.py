"""The production layout of ``deploy/`` brought up on loopback for a test: real nginx (with the
repo's ``deploy/nginx/aicoach.conf``, only its ports changed) in front of two ``aicoach serve``
instances and an ``aicoach worker``, on a fresh PostgreSQL database and a Redis database of
their own — the processes of ``deploy/Procfile``, started as it starts them."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.services import ensure_postgres, ensure_redis, port_open
from tests.helpers.threaded_server import free_port

DEPLOY = Path(__file__).parents[2] / "deploy"
BIN = Path(sys.executable).parent
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c"]
LAYOUT_REDIS_DB = 15  # the xdist workers use 1, 2, …


@dataclass
class Instance:
    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def served(self, path: str) -> int:
        """How many access-log lines of this instance name ``path`` (a route template)."""
        return sum(1 for line in self.log.read_text().splitlines() if f'"{path}"' in line)


@dataclass
class Layout:
    url: str  # nginx
    web: list[Instance]
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kill(self, instance: Instance, sig: int = signal.SIGKILL) -> int:
        assert instance.process is not None
        instance.process.send_signal(sig)
        return instance.process.wait(timeout=60)

    def start(self, instance: Instance) -> None:
        """(Re)start ``instance`` with its ``deploy/Procfile`` line (on its own port)."""
        cmd = procfile(instance.name)
        cmd[cmd.index("--port") + 1] = str(instance.port)
        instance.process = _start(cmd, self.env, instance.log)
        self.processes.append(instance.process)

    def wait_ready(self, instance: Instance) -> None:
        assert instance.process is not None
        _wait_for(instance.port, instance.process, instance.log)


def procfile(name: str) -> list[str]:
    """The command of process ``name`` in ``deploy/Procfile``, run from this virtualenv."""
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        key, sep, command = line.partition(":")
        if sep and key.strip() == name and not line.startswith("#"):
            program, *args = command.split()
            return [str(BIN / program), *args]
    raise KeyError(f"deploy/Procfile has no {name!r} process")


def _nginx_conf(tmp: Path, listen: int, upstreams: list[int]) -> Path:
    site = (DEPLOY / "nginx" / "aicoach.conf").read_text()
    site = site.replace("listen 8000;", f"listen 127.0.0.1:{listen};")
    for default, port in zip((8001, 8002), upstreams, strict=True):
        site = re.sub(rf"server 127\.0\.0\.1:{default}\b", f"server 127.0.0.1:{port}", site)
    temp = tmp / "nginx-temp"
    temp.mkdir()
    main = f"""
user root;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    {site}
}}
"""
    path = tmp / "nginx.conf"
    path.write_text(main)
    return path


def _database() -> tuple[str, str]:
    ensure_postgres()
    name = f"aicoach_layout_{os.getpid()}_{secrets.token_hex(3)}"
    subprocess.run([*PSQL, f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
    return name, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def _drop(name: str) -> None:
    subprocess.run([*PSQL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False,
                   capture_output=True)  # fmt: skip


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not port_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{log.name} did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def production_layout(tmp: Path, **extra_env: str) -> Iterator[Layout]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is missing: `apt-get install nginx-light` (.ci/run does it)")
    ensure_redis()
    db_name, db_url = _database()
    listen, ports = free_port(), [free_port(), free_port()]
    env = {
        **os.environ,
        "AICOACH_DATABASE_URL": db_url,
        "AICOACH_REDIS_URL": f"redis://127.0.0.1:6379/{LAYOUT_REDIS_DB}",
        "AICOACH_RUN_JOBS_IN_PROCESS": "false",
        "AICOACH_SECRET_KEY": secrets.token_urlsafe(48),
        "AICOACH_DATA_DIR": str(tmp / "data"),  # one host: the instances share the uploads
        "AICOACH_BASE_URL": f"http://127.0.0.1:{listen}",
        "AICOACH_LOG_JSON": "true",
        **extra_env,
    }
    subprocess.run(procfile("release"), env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(["redis-cli", "-n", str(LAYOUT_REDIS_DB), "FLUSHDB"], check=False,
                   capture_output=True)  # fmt: skip
    web = [Instance(f"web{i + 1}", port, tmp / f"web{i + 1}.log") for i, port in enumerate(ports)]
    layout = Layout(f"http://127.0.0.1:{listen}", web, env)
    try:
        for instance in web:
            layout.start(instance)
        worker_log = tmp / "worker.log"
        layout.processes.append(_start(procfile("worker"), env, worker_log))
        conf = _nginx_conf(tmp, listen, ports)
        proxy = _start([nginx, "-c", str(conf), "-g", "daemon off;"], env, tmp / "nginx.out")
        layout.processes.append(proxy)
        for instance in web:
            layout.wait_ready(instance)
        _wait_for(listen, proxy, tmp / "nginx-error.log")
        yield layout
    finally:
        for process in layout.processes:
            if process.poll() is None:
                process.terminate()
        for process in layout.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _drop(db_name)


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
