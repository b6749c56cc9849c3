"""``aicoach journal import FILE --account NAME`` and ``aicoach journal enrich``.

``import`` runs the same preview and commit as the Journal tab, on the configured database, for
the user named by ``--email`` (optional when the instance has one user): it prints what the
file holds (rows read, duplicates, unreadable rows with their numbers), then commits in one
transaction with a progress bar — a large file too, in this process (no job queue). The
account is created when it does not exist. ``--dry-run`` stops after the preview.

``enrich`` recomputes the entry enrichment (DTE, underlying price, IV, delta, expected move,
level context) of every trade — of one user with ``--email``, one account with ``--account``.

Errors (unknown format, empty or binary file, unknown user) print their message and exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.accounts.models import User
from aicoach.config import Settings
from aicoach.db import create_engine, session_factory, transaction
from aicoach.errors import NotFoundError
from aicoach.journal.importers._text import read_limited
from aicoach.journal.models import BrokerAccount
from aicoach.journal.repository import JournalRepository
from aicoach.journal.schemas import ImportRead
from aicoach.journal.service.accounts import AccountService
from aicoach.journal.service.enrichment import Enricher
from aicoach.journal.service.imports import MAX_IMPORT_BYTES, ImportService
from aicoach.journal.service.ledger import Ledger
from aicoach.marketdata.service import MarketDataService
from aicoach.plugin import CommandKit


class UserNotFoundError(NotFoundError):
    code = "journal_user_not_found"


async def find_user(session: AsyncSession, email: str | None) -> User:
    """The user with ``email``; without one, the instance's only user."""
    if email is not None:
        user = await session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None:
            raise UserNotFoundError(f"There is no user with the email {email}.")
        return user
    users = list(await session.scalars(select(User).order_by(User.id).limit(2)))
    if len(users) != 1:
        raise UserNotFoundError(
            "Say whose journal this is with --email (this instance has "
            + ("no users yet)." if not users else "several users).")
        )
    return users[0]


def _service(session: AsyncSession, settings: Settings, market: MarketDataService) -> ImportService:
    repo = JournalRepository(session)
    enricher = Enricher(market, risk_free_rate=settings.risk_free_rate)
    return ImportService(repo, Ledger(repo, enricher), data_dir=settings.data_dir)


def preview_table(shown: ImportRead) -> Table:
    rows = shown.rows
    table = Table(title=f"{shown.file_name} · {shown.format_label}", header_style="bold")
    table.add_column("")
    table.add_column("", justify="right")
    for label, n in (("rows read", rows.total), ("executions", rows.parsed),
                     ("already in the journal", rows.duplicates), ("unreadable rows", rows.errors),
                     ("not executions (skipped)", rows.skipped),
                     ("trades they form", shown.trades.count)):  # fmt: skip
        table.add_row(label, f"{n:,}")
    table.add_row("realized P&L of those trades", f"${shown.trades.realized_net}")
    return table


async def import_file(
    settings: Settings, market: MarketDataService, path: Path, account: str, *,
    format: str | None, email: str | None, dry_run: bool, console: Console,
) -> ImportRead:  # fmt: skip
    engine = create_engine(settings)
    sessions = session_factory(engine)
    try:
        with path.open("rb") as stream:
            data = read_limited(stream, MAX_IMPORT_BYTES)
        async with transaction(sessions) as session:
            user = await find_user(session, email)
            target = await AccountService(
                JournalRepository(session), settings.data_dir
            ).get_or_create(user.id, account)
            shown = await _service(session, settings, market).preview(
                user.id, target.id, file_name=path.name, data=data, format=format
            )
            user_id = user.id
        console.print(preview_table(shown))
        for err in shown.errors[:20]:
            console.print(f"  row {err.row}: {err.reason}", style="yellow")
        if len(shown.errors) > 20:
            console.print(
                f"  … and {len(shown.errors) - 20:,} more unreadable rows", style="yellow"
            )
        if dry_run:
            console.print("Dry run: nothing was added.")
            return shown
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("committing", total=max(1, shown.progress.total))

            async def advance(done: int, total: int, phase: str) -> None:
                bar.update(task, completed=done, total=max(1, total), description=phase)

            async with transaction(sessions) as session:
                done = await _service(session, settings, market).commit(
                    user_id, shown.id, inline=True, progress=advance
                )
            bar.update(task, completed=max(1, shown.progress.total), description="done")
        console.print(f"Added {done.added:,} executions to '{account}'.")
        return done
    finally:
        await engine.dispose()


async def enrich(
    settings: Settings, market: MarketDataService, *, email: str | None, account: str | None,
    console: Console,
) -> int:  # fmt: skip
    engine = create_engine(settings)
    sessions = session_factory(engine)
    total = 0
    try:
        async with transaction(sessions) as session:
            user = await find_user(session, email) if email or account else None
            q = select(BrokerAccount.id, BrokerAccount.name).order_by(BrokerAccount.id)
            if user is not None:
                q = q.where(BrokerAccount.user_id == user.id)
            if account is not None:
                q = q.where(BrokerAccount.name == account)
            accounts = list((await session.execute(q)).all())
        if account is not None and not accounts:
            raise NotFoundError(f"There is no account named '{account}'.")
        enricher = Enricher(market, risk_free_rate=settings.risk_free_rate)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as bar:  # fmt: skip
            for account_id, name in accounts:
                async with transaction(sessions) as session:
                    repo = JournalRepository(session)
                    rows = await repo.trade_entries(None, account_id)
                    task = bar.add_task(name, total=max(1, len(rows)))

                    async def advance(done: int, _task: TaskID = task) -> None:
                        bar.update(_task, completed=done)

                    total += await Ledger(repo, enricher).enrich_all(
                        [(r.id, r.underlying, r.opened_at, r.legs) for r in rows], advance
                    )
                    await repo.bump_revision(account_id)  # the analytics read new columns
                    bar.update(task, completed=max(1, len(rows)))
        console.print(f"Enriched {total:,} trades.")
        return total
    finally:
        await engine.dispose()


def register(app: typer.Typer, kit: CommandKit) -> None:
    """Add ``journal import`` and ``journal enrich`` to the ``aicoach`` command."""
    journal_app = typer.Typer(
        help="Your trade journal: import broker files, recompute enrichment.", no_args_is_help=True
    )

    @journal_app.command("import")
    def import_command(
        file: Annotated[
            Path,
            typer.Argument(help="The broker export.", exists=True, dir_okay=False, readable=True),
        ],
        account: Annotated[str, typer.Option(help="Account name (created when missing).")],
        format: Annotated[
            str | None, typer.Option(help="Importer name; default: detected.")
        ] = None,
        email: Annotated[
            str | None, typer.Option(help="Whose journal (default: the only user).")
        ] = None,
        dry_run: Annotated[bool, typer.Option(help="Preview only: add nothing.")] = False,
    ) -> None:
        """Import FILE into ACCOUNT: preview, then commit every row in one transaction."""
        settings = kit.load_settings()
        kit.run_with_market(
            lambda m: import_file(settings, m, file, account.strip(), format=format, email=email,
                                  dry_run=dry_run, console=Console()),
            settings,
        )  # fmt: skip

    @journal_app.command("enrich")
    def enrich_command(
        email: Annotated[str | None, typer.Option(help="Only this user's trades.")] = None,
        account: Annotated[str | None, typer.Option(help="Only this account's trades.")] = None,
    ) -> None:
        """Recompute the entry enrichment of the journal's trades."""
        settings = kit.load_settings()
        kit.run_with_market(
            lambda m: enrich(settings, m, email=email, account=account, console=Console()),
            settings,
        )

    app.add_typer(journal_app, name="journal")
