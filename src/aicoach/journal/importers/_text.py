"""Reading an export safely and its cells as numbers: the quirks every broker file has.

* ``read_limited`` refuses a file over ``max_bytes`` after reading at most ``max_bytes + 1``.
* ``decode_export``: UTF-8 (BOM or not), UTF-16 with BOM (Excel "Unicode text"), Windows-1252
  for Excel re-saves; NUL bytes or control-character noise → ``BinaryFileError``; nothing →
  ``EmptyFileError``.
* ``csv_rows`` yields ``(line number, cells, raw text)`` per record; quoted multi-line cells stay
  one record (its line number is where it starts), cells are stripped (Excel's trailing spaces).
* ``number``: ``(1,234.56)``, ``-$1,234.56``, ``$1.90 ``, ``.43``, ``+2``, ``1,000``; ``--``, ``-``,
  ``N/A`` and empty mean "no value". A cell that starts with ``= + - @`` (or a tab/CR) and is not a
  number is a spreadsheet formula: refused with a row error, never evaluated or passed on.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import BinaryIO

from aicoach.journal.importers.errors import BinaryFileError, EmptyFileError, FileTooLargeError

_CHUNK = 1 << 16
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_EMPTY = frozenset({"", "--", "-", "N/A", "n/a", "NA", "<empty>", "~"})
_FORMULA_START = ("=", "+", "-", "@")
_EMPTY_SIGNS = frozenset({"+", "@"})


class RowProblem(Exception):
    """Raised while reading one row; the adapter turns it into a ``RowError``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read the whole stream, refusing it as soon as it exceeds ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            mb = max_bytes / 1_000_000
            raise FileTooLargeError(f"This file is larger than the {mb:g} MB an import may be.")
    return b"".join(parts)


def decode_export(data: bytes) -> str:
    """Bytes of an export → text without BOM, line endings normalised to ``\\n``."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise EmptyFileError("This file is empty.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(data, "utf-16")
    else:
        if b"\x00" in data[:_CHUNK]:
            raise BinaryFileError("This looks like a binary file, not a CSV export.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode(data, "cp1252")
    sample = text[:_CHUNK]
    noise = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    if noise > max(2, len(sample) // 100):
        raise BinaryFileError("This looks like a binary file, not a CSV export.")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyFileError("This file is empty.")
    return text


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise BinaryFileError("This looks like a binary file, not a CSV export.") from None


def first_lines(text: str, n: int = 5) -> list[str]:
    return text.lstrip("\ufeff").split("\n", n)[:n]


def csv_rows(text: str) -> Iterator[tuple[int, list[str], str]]:
    """Every record as ``(1-based start line, space-stripped cells, raw text)``; blanks skipped."""
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text), strict=False)
    end = 0
    for cells in reader:
        start = end + 1
        end = reader.line_num
        if not cells or not any(c.strip() for c in cells):
            continue
        yield start, [c.strip(" ") for c in cells], "\n".join(lines[start - 1 : end])


def is_formula(raw: str) -> bool:
    """A cell a spreadsheet would execute: starts with ``= + - @``/tab/CR and is not a number."""
    if not (raw.startswith(("\t", "\r")) or raw.lstrip(" ").startswith(_FORMULA_START)):
        return False
    return raw.strip() in _EMPTY_SIGNS or _parse_number(raw) is None


def text_cell(raw: str, what: str) -> str:
    """A cell that must be a symbol/word: refuse formulas."""
    if is_formula(raw):
        raise RowProblem(f"the {what} '{raw.strip()}' looks like a spreadsheet formula")
    return raw.strip()


def _parse_number(raw: str) -> Decimal | None:
    s = raw.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s[:1] in ("+", "-"):
        negative ^= s[0] == "-"
        s = s[1:].strip()
    if s[:1] == "$":
        s = s[1:].strip()
        if s[:1] == "-":
            negative, s = not negative, s[1:]
    s = s.replace(",", "")
    if not _NUMBER.fullmatch(s):
        return None
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        return None
    return -value if negative else value


def number(raw: str, what: str) -> Decimal | None:
    """A money/quantity cell → ``Decimal``, or ``None`` when the cell says "no value"."""
    s = raw.strip()
    if s in _EMPTY:
        return None
    value = _parse_number(s)
    if value is None:
        if is_formula(raw):
            raise RowProblem(f"the {what} '{s}' looks like a spreadsheet formula, not a number")
        raise RowProblem(f"the {what} '{s}' is not a number")
    return value


def need_number(raw: str, what: str) -> Decimal:
    value = number(raw, what)
    if value is None:
        raise RowProblem(f"the {what} is missing")
    return value


def cost(raw: str, what: str) -> Decimal:
    """A commission/fee cell as written (paid is usually negative); empty → 0."""
    value = number(raw, what)
    return Decimal(0) if value is None else value


def split_costs(commission_paid: Decimal, fees_paid: Decimal) -> tuple[Decimal, Decimal]:
    """Paid amounts (positive = paid) → (commission ≥ 0, fees); a rebate lands in fees."""
    if commission_paid < 0:
        return Decimal(0), fees_paid + commission_paid
    return commission_paid, fees_paid


class Columns:
    """A header row → lookup of cells by column name (case/space-insensitive)."""

    __slots__ = ("index", "names")

    def __init__(self, header: list[str]) -> None:
        self.names = [h.strip() for h in header]
        self.index: dict[str, int] = {}
        for i, name in enumerate(self.names):
            self.index.setdefault(_key(name), i)

    def has(self, *names: str) -> bool:
        return all(_key(n) in self.index for n in names)

    def missing(self, *names: str) -> list[str]:
        return [n for n in names if _key(n) not in self.index]

    def get(self, cells: list[str], name: str) -> str:
        i = self.index.get(_key(name))
        if i is None or i >= len(cells):
            return ""
        return cells[i]


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())
