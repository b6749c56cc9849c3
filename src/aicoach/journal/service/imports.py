"""Importing a broker file: preview, then commit.

**Preview** (nothing enters the journal): decode the upload (empty and binary files refused),
pick the importer (by content, or the one named), parse — every unreadable row is listed with
its number and reason, formula-looking cells among them — mark the executions the account
already has (same content fingerprint), and build the round trips the new ones form together
with the account's existing executions. The decoded file is kept under the data dir so the
commit parses exactly what was previewed.

**Commit**: every accepted row in ONE transaction, or nothing. The account is locked first
(``bump_revision``), the executions inserted (a fingerprint the account already has is skipped
by the unique constraint, so an overlapping or repeated file adds nothing twice), the account's
trades rebuilt and the import marked committed, all in that transaction. Large files (over
``BACKGROUND_ROWS`` new rows) commit in a background job (``journal.commit_import``): the job
parses, matches and enriches *before* its write transaction, reporting progress in short
transactions of their own as it goes, then writes everything in one transaction. Work done
before the lock is checked against the account's revision: when another commit landed in
between, the matching is redone inside the lock.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.journal.core.executions import Execution
from aicoach.journal.core.trades import TradeBook, TradeStatus, WarningCode
from aicoach.journal.errors import (
    AccountNotFoundError,
    ImportNotFoundError,
    ImportStateError,
    JournalInputError,
)
from aicoach.journal.importers._text import decode_export
from aicoach.journal.importers.errors import ColumnMappingError
from aicoach.journal.importers.generic import GenericCsvImporter
from aicoach.journal.importers.ibkr import IbkrActivityImporter
from aicoach.journal.importers.ibkr_flex import IbkrFlexImporter
from aicoach.journal.importers.mapping import ColumnMapping
from aicoach.journal.importers.ports import BrokerImporter, ParseOptions, ParseResult
from aicoach.journal.importers.registry import HEAD_CHARS, ImporterRegistry
from aicoach.journal.importers.robinhood import RobinhoodImporter
from aicoach.journal.importers.schwab import SchwabImporter
from aicoach.journal.importers.tastytrade import TastytradeImporter
from aicoach.journal.importers.thinkorswim import ThinkorswimImporter
from aicoach.journal.importers.webull import WebullImporter
from aicoach.journal.models import JournalImport
from aicoach.journal.repository import JournalRepository
from aicoach.journal.schemas import ImportItem, ImportRead, Progress, RowCounts
from aicoach.journal.service.accounts import remove_files
from aicoach.journal.service.codec import (
    StoredExecution,
    execution_values,
    money,
    price_text,
    qty_text,
)
from aicoach.journal.service.cpu import run_cpu
from aicoach.journal.service.hooks import after_commit
from aicoach.journal.service.ledger import Derived, Ledger
from aicoach.kit.orm import utcnow

#: Every broker format the journal reads; detection is by the file's content.
IMPORTERS = ImporterRegistry([
    TastytradeImporter(), ThinkorswimImporter(), IbkrActivityImporter(), IbkrFlexImporter(),
    SchwabImporter(), RobinhoodImporter(), WebullImporter(), GenericCsvImporter(),
])  # fmt: skip
#: New rows above which a commit runs as a background job (the page polls its progress).
BACKGROUND_ROWS = 5_000
#: The largest file an import takes (checked while it is read).
MAX_IMPORT_BYTES = 50_000_000
PREVIEW_EXECUTIONS = 200
MAX_WARNINGS = 100
UPLOADS = Path("journal") / "uploads"
#: Where the job's progress stands after each phase (fractions of the rows).
PHASES = {"reading": 0.0, "matching": 0.3, "enriching": 0.4, "writing": 0.9, "done": 1.0}


@dataclass(slots=True)
class Staged:
    """A preview's parse and build, kept for the commit that usually follows in seconds."""

    stored_path: str
    revision: int
    new: list[Execution]
    stored: list[StoredExecution]
    book: TradeBook
    at: float = field(default_factory=time.monotonic)


class StagedPreviews:
    """The last few previews' work, in this process (module docstring). A commit uses it only
    for the same upload and the same account revision — the executions it was built from are
    then exactly the ones the commit would read — else parses and builds again."""

    def __init__(self, size: int = 2, ttl: float = 900.0) -> None:
        self.size = size
        self.ttl = ttl
        self._kept: OrderedDict[int, Staged] = OrderedDict()
        self._lock = threading.Lock()  # the in-process job consumer runs on its own thread

    def keep(self, import_id: int, staged: Staged) -> None:
        with self._lock:
            self._kept[import_id] = staged
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def take(self, import_id: int, stored_path: str, revision: int) -> Staged | None:
        with self._lock:
            staged = self._kept.pop(import_id, None)
        if staged is None or time.monotonic() - staged.at > self.ttl:
            return None
        if staged.stored_path != stored_path or staged.revision != revision:
            return None
        return staged


#: This process's staged previews.
PREVIEWS = StagedPreviews()


class ProgressSink(Protocol):
    async def __call__(self, done: int, total: int, phase: str) -> None: ...


#: Hands an import to the background commit in the caller's transaction.
Background = Callable[[AsyncSession, int], Awaitable[None]]


@dataclass(slots=True)
class Parsed:
    importer: BrokerImporter
    result: ParseResult


@dataclass(slots=True)
class Prepared:
    """The work a commit does before its write transaction (module docstring)."""

    revision: int
    new: list[Execution]
    derived: Derived


def accepted_rows(imp: JournalImport) -> int:
    return max(0, imp.rows_parsed - imp.rows_duplicate)


def _counts(imp: JournalImport) -> RowCounts:
    return RowCounts(total=imp.rows_total, parsed=imp.rows_parsed, duplicates=imp.rows_duplicate,
                     errors=imp.rows_error, skipped=imp.rows_skipped)  # fmt: skip


def import_item(imp: JournalImport) -> ImportItem:
    return ImportItem(
        id=imp.id, status=imp.status, file_name=imp.file_name, format=imp.format,  # type: ignore[arg-type]
        format_label=imp.format_label, account_id=imp.account_id, rows=_counts(imp),
        progress=Progress(done=imp.progress_done, total=imp.progress_total,
                          phase=imp.progress_phase),
        added=imp.rows_added, error=imp.error, created_at=imp.created_at,
        committed_at=imp.committed_at,
    )  # fmt: skip


def import_read(imp: JournalImport) -> ImportRead:
    preview = imp.preview or {}
    empty = {"count": 0, "open": 0, "closed": 0, "by_strategy": {}, "realized_net": "0.00"}
    return ImportRead.model_validate({
        **import_item(imp).model_dump(),
        "errors": preview.get("errors", []),
        "executions": preview.get("executions", []),
        "trades": preview.get("trades", empty),
        "warnings": preview.get("warnings", []),
    })  # fmt: skip


def _preview_execution(e: Execution, duplicate: bool) -> dict[str, Any]:
    return {
        "row": e.row, "executed_at": e.executed_at.isoformat(), "symbol": e.instrument.underlying,
        "instrument": e.instrument.key, "quantity": qty_text(e.quantity),
        "price": price_text(e.price), "commission": money(e.commission), "fees": money(e.fees),
        "kind": e.kind.value, "effect": e.effect.value, "order_id": e.order_id,
        "duplicate": duplicate,
    }  # fmt: skip


def trade_summary(book: TradeBook, new: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The trades (and builder warnings) that involve at least one of the ``new`` fingerprints."""
    touched = [
        t for t in book.trades
        if any(f.fingerprint in new for leg in t.legs for f in (*leg.opening, *leg.closing))
    ]  # fmt: skip
    by_strategy: dict[str, int] = {}
    for t in touched:
        by_strategy[t.strategy.value] = by_strategy.get(t.strategy.value, 0) + 1
    closed = sum(1 for t in touched if t.status is TradeStatus.CLOSED)
    ids = {t.id for t in touched}
    warnings = [
        w.message for w in book.warnings
        if (w.execution is not None and w.execution.fingerprint in new)
        or (w.code is WarningCode.UNRECOGNISED_LEGS and any(i in w.message for i in ids))
    ]  # fmt: skip
    summary = {
        "count": len(touched), "open": len(touched) - closed, "closed": closed,
        "by_strategy": dict(sorted(by_strategy.items())),
        "realized_net": money(sum((t.realized_net for t in touched), Decimal(0))),
    }  # fmt: skip
    return summary, warnings[:MAX_WARNINGS]


class ImportService:
    def __init__(
        self, repo: JournalRepository, ledger: Ledger, *, data_dir: Path,
        background: Background | None = None, background_rows: int = BACKGROUND_ROWS,
    ) -> None:  # fmt: skip
        self.repo = repo
        self.ledger = ledger
        self.data_dir = data_dir
        self.background = background
        self.background_rows = background_rows

    # --- reading -------------------------------------------------------------------------------

    async def _get(self, user_id: int, import_id: int) -> JournalImport:
        imp = await self.repo.import_(user_id, import_id)
        if imp is None:
            raise ImportNotFoundError("There is no such import in your journal.")
        return imp

    async def get(self, user_id: int, import_id: int) -> ImportRead:
        return import_read(await self._get(user_id, import_id))

    async def items(self, user_id: int) -> list[ImportItem]:
        return [import_item(i) for i in await self.repo.imports(user_id)]

    # --- preview -------------------------------------------------------------------------------

    def _importer(
        self, text: str, format: str | None, mapping: ColumnMapping | None
    ) -> BrokerImporter:
        if format:
            importer = IMPORTERS.get(format)
        elif mapping is not None:
            importer = IMPORTERS.get("generic")
        else:
            importer = IMPORTERS.detect(text[:HEAD_CHARS])
        if importer.name == "generic" and mapping is None:
            raise ColumnMappingError(
                "A generic CSV needs a column mapping: save one (which column holds the time, "
                "symbol, quantity, price …) and choose it for this import."
            )
        return importer

    async def _parse(self, text: str, format: str | None, options: dict[str, Any]) -> Parsed:
        mapping = (
            ColumnMapping.model_validate(options["mapping"]) if options.get("mapping") else None
        )
        importer = self._importer(text, format, mapping)
        parse_options = ParseOptions(mapping=mapping)
        result = await run_cpu(importer.parse, text, options=parse_options)
        return Parsed(importer, result)

    async def preview(
        self, user_id: int, account_id: int, *, file_name: str, data: bytes,
        format: str | None = None, mapping: ColumnMapping | None = None,
    ) -> ImportRead:  # fmt: skip
        account = await self.repo.account(user_id, account_id)
        if account is None:
            raise AccountNotFoundError("There is no such broker account in your journal.")
        text = decode_export(data)
        options: dict[str, Any] = {"mapping": mapping.model_dump(mode="json")} if mapping else {}
        parsed = await self._parse(text, format, options)
        result = parsed.result
        fingerprints = [e.fingerprint for e in result.executions]
        known = await self.repo.known_fingerprints(account.id, fingerprints)
        new = [e for e in result.executions if e.fingerprint not in known]
        revision = await self.repo.revision(account.id)
        stored = await self.ledger.load(account.id)
        book = await self.ledger.book(
            account.id, [*stored, *(StoredExecution(e, None) for e in new)]
        )
        trades, warnings = trade_summary(book, {e.fingerprint for e in new})
        ordered = sorted(result.executions, key=lambda e: e.row)
        path = await asyncio.to_thread(self._store, text)  # up to 50 MB: off the loop
        imp = JournalImport(
            user_id=user_id, account_id=account.id, file_name=(file_name or "upload")[:255],
            format=parsed.importer.name, format_label=parsed.importer.label, status="previewed",
            rows_total=len(result.executions) + len(result.errors) + len(result.skipped),
            rows_parsed=len(result.executions), rows_duplicate=len(known),
            rows_error=len(result.errors), rows_skipped=len(result.skipped),
            progress_done=0, progress_total=len(new), progress_phase="",
            stored_path=str(path), options={"format": parsed.importer.name, **options},
            preview={
                "errors": [{"row": r.row, "reason": r.reason, "raw": r.raw[:2000]}
                           for r in result.errors],
                "executions": [_preview_execution(e, e.fingerprint in known)
                               for e in ordered[:PREVIEW_EXECUTIONS]],
                "trades": trades,
                "warnings": warnings,
            },
        )  # fmt: skip
        await self.repo.add(imp)
        PREVIEWS.keep(imp.id, Staged(str(path), revision, new, stored, book))
        return import_read(imp)

    def _store(self, text: str) -> Path:
        """Keep the decoded upload for the commit; returns its path relative to the data dir."""
        rel = UPLOADS / f"{secrets.token_hex(12)}.txt"
        full = self.data_dir / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text, encoding="utf-8")
        return rel

    def _stored_text(self, imp: JournalImport) -> str:
        if not imp.stored_path:
            raise ImportStateError("This import's file is no longer kept; upload it again.")
        try:
            return (self.data_dir / imp.stored_path).read_text(encoding="utf-8")
        except OSError:
            raise JournalInputError(
                "The uploaded file is no longer on the server; upload it again."
            ) from None

    # --- commit --------------------------------------------------------------------------------

    @staticmethod
    def _check_previewed(imp: JournalImport) -> None:
        if imp.status == "previewed":
            return
        said = {
            "committing": "This import is being committed already.",
            "committed": "This import is already committed.",
            "failed": f"This import failed: {imp.error or 'unknown error'}. Upload the file again.",
        }
        raise ImportStateError(said.get(imp.status, "This import cannot be committed."))

    async def commit(
        self, user_id: int, import_id: int, *, inline: bool = False,
        progress: ProgressSink | None = None,
    ) -> ImportRead:  # fmt: skip
        """Commit a previewed import (module docstring); ``inline`` never hands it to the job
        (the CLI, which shows its own progress)."""
        imp = await self._get(user_id, import_id)
        self._check_previewed(imp)
        total = accepted_rows(imp)
        if not inline and self.background is not None and total > self.background_rows:
            if not await self.repo.claim_import(
                imp.id, from_status="previewed", to_status="committing"
            ):
                raise ImportStateError("This import is being committed already.")
            await self.repo.set_import(imp.id, progress_done=0, progress_total=total,
                                       progress_phase="queued")  # fmt: skip
            await self.background(self.repo.session, imp.id)
            await self.repo.session.refresh(imp)
            return import_read(imp)
        prepared = await self._prepare(imp, progress)
        # The first write of this transaction: a second commit of the same import stops here.
        if not await self.repo.claim_import(
            imp.id, from_status="previewed", to_status="committing"
        ):
            raise ImportStateError("This import is being committed already.")
        await self._apply(imp, prepared)
        await self.repo.session.refresh(imp)
        return import_read(imp)

    async def run_background(self, import_id: int, progress: ProgressSink) -> bool:
        """The job's commit of an import claimed by :meth:`commit`; ``False`` when there is
        nothing to do (already committed: a re-delivered job)."""
        imp = await self.repo.import_by_id(import_id)
        if imp is None or imp.status != "committing":
            return False
        prepared = await self._prepare(imp, progress)
        await self._apply(imp, prepared)
        return True

    async def _prepare(self, imp: JournalImport, progress: ProgressSink | None) -> Prepared:
        total = accepted_rows(imp)

        async def report(phase: str, within: float = 0.0) -> None:
            if progress is not None:
                names = list(PHASES)
                start = PHASES[phase]
                end = PHASES[names[min(names.index(phase) + 1, len(names) - 1)]]
                await progress(int(total * (start + (end - start) * within)), total, phase)

        await report("reading")
        revision = await self.repo.revision(imp.account_id)
        staged = PREVIEWS.take(imp.id, imp.stored_path or "", revision)
        book: TradeBook | None = None
        if staged is not None:  # this process previewed it and the account has not changed
            new, stored, book = staged.new, staged.stored, staged.book
        else:
            text = await asyncio.to_thread(self._stored_text, imp)
            parsed = await self._parse(text, imp.options.get("format") or imp.format, imp.options)
            new, stored = await self._match(imp, parsed.result.executions)
        await report("matching")
        await report("enriching")
        n_new = max(1, len(new))

        async def enriched(done: int) -> None:
            await report("enriching", min(1.0, done / n_new))

        derived = await self.ledger.derive(
            [*stored, *(StoredExecution(e, imp.id) for e in new)],
            user_id=imp.user_id, account_id=imp.account_id, progress=enriched, book=book,
        )  # fmt: skip
        await report("writing")
        return Prepared(revision, new, derived)

    async def _match(
        self, imp: JournalImport, executions: Sequence[Execution]
    ) -> tuple[list[Execution], list[StoredExecution]]:
        # "New" is decided against the very rows loaded: a commit of the same file finishing
        # between two separate reads would otherwise count its rows both stored and new.
        stored = await self.ledger.load(imp.account_id)
        known = {s.execution.fingerprint for s in stored}
        return [e for e in executions if e.fingerprint not in known], stored

    async def _apply(self, imp: JournalImport, prepared: Prepared) -> None:
        """The write transaction of a commit (module docstring). No progress is reported from
        here: the transaction holds the write lock, and its result shows when it commits."""
        before = await self.repo.bump_revision(imp.account_id)
        if before != prepared.revision:  # another commit landed since the matching: redo it
            new, stored = await self._match(imp, prepared.new)
            derived = await self.ledger.derive(
                [*stored, *(StoredExecution(e, imp.id) for e in new)],
                user_id=imp.user_id, account_id=imp.account_id, enrich=False,
            )  # fmt: skip
            # Still valid: a trade's enrichment depends on its entry only.
            derived.enrichment = prepared.derived.enrichment
            prepared = Prepared(before, new, derived)
        values = [
            execution_values(e, user_id=imp.user_id, account_id=imp.account_id, import_id=imp.id)
            for e in prepared.new
        ]
        await self.repo.insert_executions(values)
        await self.ledger.write(imp.account_id, prepared.derived)
        added = await self.repo.count_import_executions(imp.id)
        total = accepted_rows(imp)
        path = imp.stored_path
        await self.repo.set_import(
            imp.id, status="committed", rows_added=added, committed_at=utcnow(),
            progress_done=total, progress_total=total, progress_phase="done", stored_path=None,
        )  # fmt: skip
        if path:
            after_commit(self.repo.session, lambda: remove_files(self.data_dir, [path]))
