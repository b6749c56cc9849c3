"""The importer port: what every broker adapter offers and what a parse returns.

An adapter is pure: ``parse`` takes the whole file as text (already size-checked and decoded by
``_text.read_limited`` / ``_text.decode_export``) and never raises for a bad row — bad rows become
``errors``, rows that are not executions (cash movements, dividends, cancelled orders, totals,
disclaimers) become ``skipped``. Only a file that cannot be read at all raises an
``ImportFileError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from aicoach.journal.core.executions import Execution

if TYPE_CHECKING:
    from aicoach.journal.importers.mapping import ColumnMapping


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that should have been an execution but could not be read."""

    row: int  # 1-based line number where the row starts
    raw: str  # the row's text as in the file
    reason: str  # in a trader's words, e.g. "the strike '45O' is not a number"

    @property
    def message(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row that is deliberately not an execution (counted, not an error)."""

    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What the user may tell the parser. ``time_zone`` overrides the zone an export's naive
    times are read in (e.g. a thinkorswim set to Chicago); ``mapping`` is required by the generic
    CSV importer only."""

    time_zone: str | None = None
    mapping: ColumnMapping | None = None


@dataclass(slots=True)
class ParseResult:
    format: str  # the importer's ``name``
    executions: list[Execution] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    account: str | None = None  # account id/label when the file names one
    time_zone: str = "UTC"  # the zone naive times were read in, or "offsets in the file"


class BrokerImporter(Protocol):
    """One broker export format."""

    @property
    def name(self) -> str:
        """Stable id, e.g. ``"tastytrade"``."""
        ...

    @property
    def label(self) -> str:
        """What a trader calls the file, e.g. ``"tastytrade transactions CSV"``."""
        ...

    def sniff(self, head: str) -> float:
        """Confidence 0..1 that ``head`` (the file's first few KB of text) is this format,
        judged from the content only, never the file name."""
        ...

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult: ...
