"""Journal import end to end, and the journal API on 10,000 trades.

1. **Import** 10,000 and 100,000 generated tastytrade executions through the journal's own
   services on a migrated SQLite database: preview (decode, detect, parse, duplicates, round
   trips with the account's executions) then commit (one transaction: re-parse the stored file,
   build the trades, enrich the new ones at entry against the simulated market, insert the
   executions and the derived trades). Baseline in the same run: the importer's parse alone on
   the same text — the floor every import pays. Goals: 100k < 20 s; linear (100k ≤ 12× 10k).
2. **API** on a 10,000-trade journal over HTTP (ASGI, logged-in client): the Journal tab's first
   page (``GET /api/journal/trades?limit=50``) and the dashboard (``GET /api/journal/stats``);
   baseline: the smallest authenticated journal read (``GET /api/journal/accounts``).

The file (``tasty_file``): option round trips on 8 symbols over 2023–2024, singles and
verticals under one order id, each opened and closed on a later session; 4 rows of 5 open
a vertical, so round trips ≈ executions / 3.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from aicoach.accounts.models import User
from aicoach.config import Settings
from aicoach.container import Overrides
from aicoach.db import create_engine, session_factory, transaction
from aicoach.journal.importers.tastytrade import TastytradeImporter
from aicoach.journal.models import BrokerAccount
from aicoach.journal.repository import JournalRepository
from aicoach.journal.service.enrichment import Enricher
from aicoach.journal.service.imports import ImportService
from aicoach.journal.service.ledger import Ledger
from aicoach.journal.tasks import commit_import
from aicoach.kit.clock import fixed_clock
from aicoach.main import create_app
from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.service import MarketDataService
from aicoach.migrations.runner import upgrade_to_head
from aicoach.simulation.provider import SimulatedMarketData
from aicoach.worker.jobs import JobContext
from bench.harness import Report, best_seconds
from tests.helpers.users import signup_user

SIZES = (10_000, 100_000)
API_TRADES = 10_000
API_SAMPLES = 40
SYMBOLS = ("SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMD")
HEADER = (
    "Date,Type,Sub Type,Action,Symbol,Instrument Type,Description,Value,Quantity,Average Price,"
    "Commissions,Fees,Multiplier,Root Symbol,Underlying Symbol,Expiration Date,Strike Price,"
    "Call or Put,Order #,Currency"
)
CAL = MarketCalendar()
NOW = datetime(2024, 12, 31, 21, 0, tzinfo=UTC)


def _sessions() -> list[date]:
    return [s.date for s in CAL.sessions_in_range(date(2023, 1, 3), date(2024, 12, 20))]


def _row(at: datetime, action: str, occ: str, qty: int, price: float, und: str, exp: date,
         strike: int, right: str, order: int) -> str:  # fmt: skip
    sign = 1 if action.startswith("SELL") else -1
    value = sign * qty * price * 100
    return (
        f"{at.strftime('%Y-%m-%dT%H:%M:%S')}+0000,Trade,x,{action},{occ},Equity Option,leg,"
        f"{value:.2f},{qty},{value / qty:.2f},-0.65,-0.14,100,{und},{und},"
        f"{exp.month}/{exp.day}/{exp:%y},{strike},{right},{order},USD"
    )


def tasty_file(n: int) -> str:
    """About ``n`` executions of round trips (module docstring)."""
    days = _sessions()
    rows = [HEADER]
    i = 0
    while len(rows) - 1 < n:
        und = SYMBOLS[i % len(SYMBOLS)]
        day = days[(i * 7) % (len(days) - 12)]
        exp = days[min(len(days) - 1, (i * 7) % (len(days) - 12) + 10)]
        strike = 100 + (i * 13) % 400
        opened = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            hours=15, minutes=i % 300, seconds=i % 60
        )
        closed = opened + timedelta(days=2 + i % 5, minutes=7)
        legs = [("P", strike, 1)] if i % 5 else [("P", strike, -1), ("P", strike - 5, 1)]
        for right, k, side in legs:
            occ = f"{und:<6}{exp:%y%m%d}{right}{k * 1000:08d}"
            opening = "SELL_TO_OPEN" if side > 0 else "BUY_TO_OPEN"
            closing = "BUY_TO_CLOSE" if side > 0 else "SELL_TO_CLOSE"
            price = 1.0 + (i % 90) / 20
            rows.append(_row(opened, opening, occ, 1, price, und, exp, k, "PUT", 10 * i + 1))
            rows.append(_row(closed, closing, occ, 1, price * 0.6, und, exp, k, "PUT", 10 * i + 2))
        i += 1
    return "\n".join(rows[: n + 1]) + "\n"


def _settings(workdir: Path) -> Settings:
    return Settings.model_validate({
        "env": "test", "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
        "data_dir": workdir, "database_url": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "migrate_on_start": False, "run_jobs_in_process": False, "log_level": "WARNING",
        "max_body_bytes": 60_000_000,
    })  # fmt: skip


def _market() -> MarketDataService:
    return MarketDataService(SimulatedMarketData(7, CAL, now=fixed_clock(NOW)), CAL)


async def _import(workdir: Path, text: str) -> tuple[float, int, dict[str, float]]:
    """Seconds for preview + commit of ``text``, the trades made, and the split."""
    settings = _settings(workdir)
    await upgrade_to_head(settings)
    engine = create_engine(settings)
    sessions = session_factory(engine)
    market = _market()
    try:
        async with transaction(sessions) as session:
            user = User(email=f"bench-{workdir.name}@example.com", password_hash="x")
            session.add(user)
            await session.flush()
            account = BrokerAccount(user_id=user.id, name="Bench", broker="tastytrade")
            session.add(account)
            await session.flush()
            user_id, account_id = user.id, account.id

        def service(session: Any) -> ImportService:
            repo = JournalRepository(session)
            enricher = Enricher(market, risk_free_rate=settings.risk_free_rate)
            return ImportService(repo, Ledger(repo, enricher), data_dir=workdir)

        t0 = time.perf_counter()
        async with transaction(sessions) as session:
            shown = await service(session).preview(
                user_id, account_id, file_name="bench.csv", data=text.encode()
            )
        t1 = time.perf_counter()
        async with transaction(sessions) as session:
            done = await service(session).commit(user_id, shown.id, inline=True)
        t2 = time.perf_counter()
        assert done.added == shown.rows.parsed, (done.added, shown.rows)
        async with transaction(sessions) as session:
            trades, _ = await JournalRepository(session).account_counts(account_id)
        return t2 - t0, trades, {"preview": t1 - t0, "commit": t2 - t1}
    finally:
        await market.provider.aclose()
        await engine.dispose()


async def _api(workdir: Path) -> tuple[list[float], list[float], list[float], list[float], int]:
    settings = _settings(workdir)
    await upgrade_to_head(settings)
    app = create_app(settings, overrides=Overrides(market=_market()))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                     timeout=600) as http:  # fmt: skip
            user = await signup_user(http, "api-bench@example.com", "a long bench passphrase")
            account = (await user.post("/api/journal/accounts", json={"name": "Bench"})).json()
            body = tasty_file(3 * API_TRADES).encode()
            files = {"file": ("bench.csv", body, "text/csv")}
            shown = await user.post("/api/journal/imports", files=files,
                                    data={"account_id": str(account["id"])})  # fmt: skip
            assert shown.status_code == 201, shown.text[:300]
            committed = await user.post(f"/api/journal/imports/{shown.json()['id']}/commit")
            assert committed.status_code == 200, committed.text[:300]
            if committed.json()["status"] == "committing":  # over the background threshold
                async with transaction(app.state.container.sessions) as session:
                    await commit_import(
                        JobContext(app.state.container, session), shown.json()["id"]
                    )
            total = (await user.get("/api/journal/trades?limit=1")).json()["total"]

            async def sample(url: str | list[str]) -> list[float]:
                out = []
                for i in range(API_SAMPLES):
                    t0 = time.perf_counter()
                    response = await user.get(url if isinstance(url, str) else url[i])
                    out.append(time.perf_counter() - t0)
                    assert response.status_code == 200, response.text[:200]
                return out

            await sample("/api/journal/stats")  # warm-up (imports, caches)
            page = await sample("/api/journal/trades?limit=50")
            warm = await sample("/api/journal/stats")
            # A filter never asked before misses the analytics cache: the first load after a
            # change costs this (all but a few trades kept, so the same work as unfiltered).
            cold = await sample(
                [
                    f"/api/journal/stats?to=2025-01-{1 + i % 28:02d}&from=2022-{1 + i // 28:02d}-01"
                    for i in range(API_SAMPLES)
                ]
            )
            base = await sample("/api/journal/accounts")
            return page, warm, cold, base, int(total)


def run(report: Report) -> None:
    parse = TastytradeImporter().parse
    seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            text = tasty_file(n)
            floor = best_seconds(lambda text=text: parse(text), repeat=1)
            work = Path(tmp) / f"import_{n}"
            work.mkdir()
            took, trades, split = asyncio.run(_import(work, text))
            seconds[n] = took
            report.ratio(f"journal.import_e2e.{n // 1000}k", took, floor, "parse only",
                         goal="< 20 s for 100k" if n == SIZES[-1] else "")  # fmt: skip
            report.figure(
                f"journal.import_e2e.{n // 1000}k.detail",
                f"{n:,} executions → {trades:,} trades: preview {split['preview']:.2f} s, "
                f"commit {split['commit']:.2f} s ({n / took:,.0f} executions/s)",
            )
        small, large = SIZES
        report.figure(
            "journal.import_e2e.linearity",
            f"{large // small}× the rows took {seconds[large] / seconds[small]:.1f}× the time  "
            f"goal: ≤ {1.2 * large / small:.0f}×",
        )
        work = Path(tmp) / "api"
        work.mkdir()
        page, warm, cold, base, total = asyncio.run(_api(work))
    report.latency(f"journal.api.trades_first_page ({total:,} trades)", page)
    report.latency(f"journal.api.stats ({total:,} trades, cached)", warm)
    report.latency(f"journal.api.stats ({total:,} trades, first read)", cold)
    report.latency("journal.api.accounts (baseline)", base)

    def p50(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2]

    report.ratio("journal.api.first_page", p50(page), p50(base), "accounts read",
                 goal="< 50 ms")  # fmt: skip
    report.ratio("journal.api.stats.first_read", p50(cold), p50(base), "accounts read",
                 goal="< 500 ms")  # fmt: skip


if __name__ == "__main__":
    run(Report())
