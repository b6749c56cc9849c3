"""Outages: the database or Redis away is a 503 with Retry-After (never a 500), ``/readyz`` says
which part is down, and ``serve`` waits for the database with one readable line per try."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy.exc
from fastapi import FastAPI

from aicoach.main import create_app
from aicoach.web.handlers import is_outage
from tests.conftest import make_settings
from tests.helpers.threaded_server import free_port

CLOSED_PG = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"


async def _serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture(params=["postgresql", "sqlite"])
async def down(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database is not there: a closed PostgreSQL port, or an SQLite file in a
    directory that does not exist."""
    url = CLOSED_PG if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/no/db"
    async for client in _serve(create_app(make_settings(url, tmp_path))):
        yield client


async def test_database_down_is_a_503_with_retry_after(down: httpx.AsyncClient) -> None:
    bearer = {"Authorization": "Bearer aic_" + "x" * 40}
    cookie = {"Cookie": "aicoach_session=abc"}
    responses = {
        "api": await down.get("/api/me", headers=bearer),
        "api write": await down.post("/api/positions", json={}, headers=bearer),
        "page": await down.get("/", headers={**cookie, "accept": "text/html"}),
    }
    for name, response in responses.items():
        assert response.status_code == 503, (name, response.text[:200])
        assert int(response.headers["retry-after"]) >= 1, name
    body = responses["api"].json()["error"]
    assert body["code"] == "database_unavailable" and "database" in body["message"]
    assert "try again" in responses["page"].text.lower()
    ready = await down.get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"].startswith("error")


@pytest.mark.parametrize(
    "exc",
    [
        sqlalchemy.exc.TimeoutError("QueuePool limit of size 8 overflow 0 reached"),
        ConnectionRefusedError(111, "Connect call failed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("database is locked")),
        sqlalchemy.exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_connection_errors_count_as_outages(exc: BaseException) -> None:
    assert is_outage(exc)
    wrapped = sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("wrapped"))
    wrapped.__cause__ = exc
    assert is_outage(wrapped)


def test_a_data_error_or_a_bug_is_not_an_outage() -> None:
    assert not is_outage(sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("UNIQUE")))
    syntax = sqlalchemy.exc.OperationalError("SELEC", {}, Exception('near "SELEC": syntax error'))
    assert not is_outage(syntax)
    assert not is_outage(ValueError("no"))


async def test_readyz_says_503_when_redis_is_configured_but_closed(settings: Any) -> None:
    closed = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    async for client in _serve(create_app(closed)):
        ready = await client.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["database"] == "ok" and ready.json()["redis"].startswith("error")


async def test_readyz_checks_a_working_redis(settings: Any, redis_url: str) -> None:
    async for client in _serve(create_app(settings.model_copy(update={"redis_url": redis_url}))):
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["redis"] == "ok", ready.text


def test_serve_waits_for_the_database_then_says_so_in_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("aicoach")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AICOACH_DATABASE_URL": CLOSED_PG,
        "AICOACH_DATA_DIR": str(tmp_path),
        "AICOACH_LOG_JSON": "false",
    }
    done = subprocess.run(
        [str(exe), "serve", "--port", str(free_port()), "--db-wait", "2"],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    print(f"serve against a closed database: exit {done.returncode}, {len(lines)} lines")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(lines) <= 12, done.stderr
    assert "database" in lines[-1].lower() and "127.0.0.1" in lines[-1]
    assert "retrying" in done.stderr
