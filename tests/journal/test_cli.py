"""``aicoach journal import`` and ``aicoach journal enrich`` on the test database: the same
preview and commit as the API, a progress bar, readable errors."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from aicoach.cli import app as cli
from aicoach.config import Settings
from tests.helpers.users import UserClient
from tests.journal.api import fixture, realized_by_underlying, trades

runner = CliRunner()


def env(settings: Settings) -> dict[str, str]:
    return {
        "AICOACH_ENV": "test", "AICOACH_DATABASE_URL": settings.effective_database_url,
        "AICOACH_DATA_DIR": str(settings.data_dir), "AICOACH_SECRET_KEY": "x" * 48,
        "AICOACH_MARKET_DATA_PROVIDER": "simulated",
    }  # fmt: skip


async def run(settings: Settings, *args: str) -> Result:
    # The command runs its own event loop (asyncio.run), so it gets a thread of its own.
    return await asyncio.to_thread(runner.invoke, cli, ["journal", *args], env=env(settings))


async def test_import_then_reimport_then_enrich(settings: Settings, alice: UserClient) -> None:
    path = str(fixture("tastytrade/transactions_2024.csv"))
    first = await run(settings, "import", path, "--account", "Tasty", "--email", alice.email)
    assert first.exit_code == 0, first.output
    assert "tastytrade" in first.output and "16/16" in first.output  # the progress bar
    assert "Added 16 executions to 'Tasty'" in first.output
    listed = await trades(alice)
    assert realized_by_underlying(listed)["SPY"] == (Decimal("150.00"), Decimal("145.19"))
    assert {t["account"] for t in listed} == {"Tasty"} and len(listed) == 6
    again = await run(settings, "import", path, "--account", "Tasty", "--email", alice.email)
    assert again.exit_code == 0 and "Added 0 executions" in again.output
    enriched = await run(settings, "enrich", "--email", alice.email)
    assert enriched.exit_code == 0, enriched.output
    assert "Enriched 6 trades" in enriched.output


async def test_a_dry_run_adds_nothing_and_lists_bad_rows(
    settings: Settings, alice: UserClient
) -> None:
    path = str(fixture("tastytrade/broken_rows.csv"))
    result = await run(settings, "import", path, "--account", "A", "--dry-run")
    assert result.exit_code == 0, result.output  # the only user: no --email needed
    assert "row 2: the quantity '2O' is not a number" in result.output
    assert "Dry run: nothing was added." in result.output
    assert await trades(alice) == []


async def test_errors_are_said_plainly(
    settings: Settings, alice: UserClient, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    cases: list[tuple[list[str], str]] = [
        (["import", str(junk), "--account", "A"], "isn't a broker export I know"),
        (["import", str(fixture("tastytrade/transactions_2024.csv")), "--account", "A",
          "--email", "nobody@example.com"], "no user with the email"),
        (["import", str(fixture("tastytrade/transactions_2024.csv")), "--account", "A",
          "--format", "etrade"], "no importer called 'etrade'"),
    ]  # fmt: skip
    for args, words in cases:
        result: Any = await run(settings, *args)
        assert result.exit_code == 1, result.output
        assert words in result.output
