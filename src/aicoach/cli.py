"""The ``aicoach`` command: serve, worker, db, create-admin (slices add their own commands)."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from aicoach import __version__
from aicoach.config import Settings, format_settings_error

app = typer.Typer(help="AI Coach — an AI coach for options traders.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        typer.echo(format_settings_error(exc), err=True)
        raise typer.Exit(2) from exc


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aicoach {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """AI Coach."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
    migrate: Annotated[bool, typer.Option(help="Run migrations before serving.")] = True,
) -> None:
    """Serve the web app (migrates the database first unless told not to)."""
    import uvicorn

    settings = load_settings()
    if migrate:
        from aicoach.migrations.runner import upgrade_to_head

        asyncio.run(upgrade_to_head(settings))
    if workers > 1 and settings.jobs_in_process and settings.is_sqlite:
        typer.echo(
            "Note: several workers on SQLite each consume jobs; use Redis at scale.", err=True
        )
    display = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"AI Coach {__version__} on http://{display}:{port}  (Ctrl+C to stop)")
    # Migrations already ran above; the app must not repeat them in every worker.
    import os

    os.environ["AICOACH_MIGRATE_ON_START"] = "false"
    uvicorn.run(
        "aicoach.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        proxy_headers=True,
        log_config=None,
        server_header=False,
    )


@app.command()
def worker(
    workers: Annotated[int, typer.Option(min=1, help="Worker threads.")] = 2,
) -> None:
    """Consume background jobs and relay the outbox (Redis storage when REDIS_URL is set, else
    the SQLite queue). INT stops gracefully (running jobs finish), TERM at once."""
    from aicoach.container import build_container
    from aicoach.main import SLICES
    from aicoach.observability.logging import configure_logging
    from aicoach.observability.sentry import init_sentry
    from aicoach.worker.consumer import run_worker

    settings = load_settings()
    configure_logging(settings)
    init_sentry(settings)
    typer.echo(f"AI Coach worker: {workers} threads")
    run_worker(lambda: build_container(settings, slices=SLICES), workers=workers)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database to the latest (or a given) revision."""
    from aicoach.migrations.runner import upgrade_to_head

    asyncio.run(upgrade_to_head(load_settings(), revision))
    typer.echo(f"Database upgraded to {revision}.")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current revision and whether it is at head."""
    from aicoach.migrations.runner import current, head_revision

    rev = asyncio.run(current(load_settings()))
    head = head_revision()
    typer.echo(
        f"current: {rev or '(empty database)'}  head: {head}  {'✓' if rev == head else 'behind'}"
    )


@db_app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help="File to write (e.g. backups/aicoach.dump).")],
) -> None:
    """Write a consistent copy of the database (SQLite online backup, or pg_dump)."""
    from aicoach.backup import backup
    from aicoach.errors import AICoachError

    try:
        written = backup(load_settings(), target)
    except AICoachError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Backup written: {written} ({written.stat().st_size:,} bytes)")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="A file written by `aicoach db backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database's contents with a backup, then migrate it to this release."""
    from aicoach.backup import restore
    from aicoach.errors import AICoachError
    from aicoach.migrations.runner import upgrade_to_head

    settings = load_settings()
    if not yes and not typer.confirm("This replaces every row in the database. Go on?"):
        raise typer.Exit(1)
    try:
        restore(settings, source)
    except AICoachError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    asyncio.run(upgrade_to_head(settings))
    typer.echo(f"Restored from {source} and migrated to the latest schema.")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Argument(help="Email of the admin account.")],
    password: Annotated[
        str | None, typer.Option(help="Password (prompted when omitted; avoid shell history).")
    ] = None,
) -> None:
    """Create an administrator, or promote an existing account and reset its password."""
    from aicoach.accounts.service import AccountService
    from aicoach.db import create_engine, session_factory, transaction
    from aicoach.errors import AICoachError
    from aicoach.migrations.runner import upgrade_to_head

    settings = load_settings()
    if password is None:
        password = (
            getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
        )

    async def _run() -> str:
        await upgrade_to_head(settings)
        engine = create_engine(settings)
        try:
            async with transaction(session_factory(engine)) as session:
                user = await AccountService(session, settings).create_admin(email, password)
                return user.email
        finally:
            await engine.dispose()

    try:
        typer.echo(f"Admin ready: {asyncio.run(_run())}")
    except AICoachError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from exc


def _register_slice_commands() -> None:
    """Each slice's commands, from its manifest (``levels``, ``bars``, ``chain`` ...)."""
    from aicoach.main import SLICES
    from aicoach.market_providers import run_with_market
    from aicoach.plugin import CommandKit

    kit = CommandKit(load_settings, run_with_market)
    for manifest in SLICES:
        for register in manifest.commands:
            register(app, kit)


_register_slice_commands()
