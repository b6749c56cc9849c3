"""Shared fixtures: settings on a real database (SQLite, or PostgreSQL with
``AICOACH_TEST_DB=postgresql``), the app with its lifespan, HTTP clients, signed-up users.

Each test starts from empty tables: rows are deleted after every test that used the database.
Under PostgreSQL only the tests that touch the database run (pure cores already ran on SQLite).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from aicoach.config import Settings
from aicoach.main import create_app
from aicoach.migrations.runner import upgrade_to_head
from aicoach.models import metadata
from tests.factories import client_for, signed_up
from tests.helpers.services import ensure_postgres, ensure_redis
from tests.helpers.users import UserClient

TEST_DB = os.environ.get("AICOACH_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "AICOACH_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
DB_FIXTURES = {"database_url", "settings", "app", "client", "live_url"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DB != "postgresql":
        return
    selected = [i for i in items if DB_FIXTURES & set(getattr(i, "fixturenames", ()))]
    deselected = [i for i in items if i not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The probes' counts (``tests/probes``: fuzzing, cross-user, CSRF, races), one line each."""
    lines = [
        f"[{os.environ.get('AICOACH_TEST_DB', 'sqlite')}] {value}"
        for reports in terminalreporter.stats.values()
        for r in reports
        for key, value in getattr(r, "user_properties", ())
        if key == "probe" and getattr(r, "when", "call") == "call"
    ]
    if lines:
        terminalreporter.section("probe counts")
        for line in lines:
            terminalreporter.write_line(line)


def xdist_worker_index() -> int:
    """0, 1, ... for the pytest-xdist worker running this process (``gw0``, ``gw1``, ...); 0
    without xdist. Each worker is its own process with its own session fixtures."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis database of this worker's own (1-15, never 0, which a developer's own `aicoach
    worker` uses): keys with fixed names (Huey's queue) and flushes never meet another worker's."""
    ensure_redis()
    return f"redis://127.0.0.1:6379/{1 + xdist_worker_index() % 15}"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if TEST_DB == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        await _migrate(url, path.parent)
        yield url
        return
    ensure_postgres()
    name = f"aicoach_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await _migrate(url, tmp_path_factory.mktemp("data"))
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _migrate(url: str, data_dir: Path) -> None:
    await upgrade_to_head(make_settings(url, data_dir))


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        "data_dir": data_dir,
        "database_url": database_url,
        "migrate_on_start": False,
        "run_jobs_in_process": False,
        "log_json": True,
        "login_lockout_base_seconds": 30.0,
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture
async def settings(database_url: str, tmp_path: Path) -> AsyncIterator[Settings]:
    yield make_settings(database_url, tmp_path)
    await _empty_tables(database_url)


async def _empty_tables(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            tables = list(reversed(metadata.sorted_tables))
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    await conn.execute(table.delete())
    finally:
        await engine.dispose()


@pytest.fixture
def app_factory(settings: Settings) -> Any:
    """Build apps with setting overrides: ``app_factory(invite_only=True)``."""

    def build(**overrides: Any) -> FastAPI:
        merged = settings.model_copy(update=overrides) if overrides else settings
        return create_app(merged)

    return build


@pytest.fixture
async def app(app_factory: Any) -> AsyncIterator[FastAPI]:
    application: FastAPI = app_factory()
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
async def alice(app: FastAPI) -> AsyncIterator[UserClient]:
    """The first account (so an admin), logged in through the real sign-up form."""
    async with signed_up(app, "alice@example.com", "correct horse battery") as user:
        yield user


@pytest.fixture
async def bob(app: FastAPI, alice: UserClient) -> AsyncIterator[UserClient]:
    """A second, ordinary account."""
    async with signed_up(app, "bob@example.com", "another good passphrase") as user:
        yield user


@pytest.fixture
def live_url(app_factory: Any) -> Iterator[str]:
    """The app served by uvicorn on a free port (its own event loop, its own lifespan)."""
    from tests.helpers.live import live_server

    with live_server(app_factory()) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    from tests.helpers.live import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per session)
        raise RuntimeError(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does it)")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Any, live_url: str) -> AsyncIterator[Any]:
    from tests.helpers.live import browser_page

    async with browser_page(browser, live_url, timeout_ms=15_000) as pg:
        yield pg


SCREENSHOTS = Path(__file__).parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Any:
    """``await screenshot(page, "name")`` saves test-artifacts/screenshots/<test>-<name>.png."""

    async def take(pg: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        await pg.screenshot(path=str(path), full_page=False)
        return path

    return take
