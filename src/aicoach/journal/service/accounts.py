"""Broker accounts and saved column mappings: the small use cases."""

from __future__ import annotations

import contextlib
from pathlib import Path

from pydantic import ValidationError

from aicoach.journal.errors import (
    AccountNameTakenError,
    AccountNotFoundError,
    JournalInputError,
    MappingNameTakenError,
    MappingNotFoundError,
)
from aicoach.journal.importers.mapping import ColumnMapping
from aicoach.journal.models import BrokerAccount, SavedMapping
from aicoach.journal.repository import JournalRepository
from aicoach.journal.schemas import AccountCreate, AccountRead, MappingCreate, MappingRead
from aicoach.journal.service.hooks import after_commit


def account_read(a: BrokerAccount, trades: int, executions: int) -> AccountRead:
    return AccountRead(id=a.id, name=a.name, broker=a.broker, created_at=a.created_at,
                       trades=trades, executions=executions)  # fmt: skip


def mapping_read(m: SavedMapping) -> MappingRead:
    return MappingRead(id=m.id, name=m.name, mapping=m.mapping, created_at=m.created_at)


def remove_files(data_dir: Path, relative: list[str]) -> None:
    """Delete stored uploads (after the transaction that forgot them has committed)."""
    for rel in relative:
        with contextlib.suppress(OSError):
            (data_dir / rel).unlink(missing_ok=True)


def mapping_problem(exc: ValidationError) -> str:
    """A column mapping's validation error in a trader's words."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "The column mapping is not usable — " + "; ".join(parts)


class AccountService:
    def __init__(self, repo: JournalRepository, data_dir: Path) -> None:
        self.repo = repo
        self.data_dir = data_dir

    async def accounts(self, user_id: int) -> list[AccountRead]:
        return [account_read(a, t, e) for a, t, e in await self.repo.accounts(user_id)]

    async def get(self, user_id: int, account_id: int) -> BrokerAccount:
        account = await self.repo.account(user_id, account_id)
        if account is None:
            raise AccountNotFoundError("There is no such broker account in your journal.")
        return account

    async def read(self, user_id: int, account_id: int) -> AccountRead:
        account = await self.get(user_id, account_id)
        return account_read(account, *await self.repo.account_counts(account.id))

    async def create(self, user_id: int, body: AccountCreate) -> AccountRead:
        taken = AccountNameTakenError(f"You already have an account named '{body.name}'.")
        if await self.repo.account_named(user_id, body.name) is not None:
            raise taken
        account = BrokerAccount(user_id=user_id, name=body.name, broker=body.broker.strip())
        if not await self.repo.add_unless_taken(account):
            raise taken
        return account_read(account, 0, 0)

    async def get_or_create(self, user_id: int, name: str) -> BrokerAccount:
        """For the CLI: the account named ``name``, created when missing."""
        found = await self.repo.account_named(user_id, name)
        if found is not None:
            return found
        account = BrokerAccount(user_id=user_id, name=name, broker="")
        await self.repo.add(account)
        return account

    async def delete(self, user_id: int, account_id: int) -> None:
        account = await self.get(user_id, account_id)
        files = await self.repo.upload_paths(account.id)
        await self.repo.delete_account(account.id)
        after_commit(self.repo.session, lambda: remove_files(self.data_dir, files))


class MappingService:
    def __init__(self, repo: JournalRepository) -> None:
        self.repo = repo

    async def mappings(self, user_id: int) -> list[MappingRead]:
        return [mapping_read(m) for m in await self.repo.mappings(user_id)]

    async def get(self, user_id: int, mapping_id: int) -> SavedMapping:
        found = await self.repo.mapping(user_id, mapping_id)
        if found is None:
            raise MappingNotFoundError("There is no such saved column mapping.")
        return found

    async def read(self, user_id: int, mapping_id: int) -> MappingRead:
        return mapping_read(await self.get(user_id, mapping_id))

    async def column_mapping(self, user_id: int, mapping_id: int) -> ColumnMapping:
        saved = await self.get(user_id, mapping_id)
        try:
            return ColumnMapping.model_validate(saved.mapping)
        except ValidationError as exc:
            raise JournalInputError(mapping_problem(exc)) from None

    async def create(self, user_id: int, body: MappingCreate) -> MappingRead:
        taken = MappingNameTakenError(f"You already have a mapping named '{body.name}'.")
        if await self.repo.mapping_named(user_id, body.name) is not None:
            raise taken
        saved = SavedMapping(
            user_id=user_id, name=body.name, mapping=body.mapping.model_dump(mode="json")
        )
        if not await self.repo.add_unless_taken(saved):
            raise taken
        return mapping_read(saved)

    async def delete(self, user_id: int, mapping_id: int) -> None:
        await self.repo.delete(await self.get(user_id, mapping_id))
