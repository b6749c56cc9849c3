"""Sniffing picks the right importer for every fixture, from the content alone; unknown, empty
and binary files are refused with a trader-readable error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aicoach.journal.importers._text import decode_export, read_limited
from aicoach.journal.importers.errors import (
    BinaryFileError,
    EmptyFileError,
    FileTooLargeError,
    UnknownFormatError,
)
from aicoach.journal.importers.generic import GenericCsvImporter
from aicoach.journal.importers.ibkr import IbkrActivityImporter
from aicoach.journal.importers.ibkr_flex import IbkrFlexImporter
from aicoach.journal.importers.registry import ImporterRegistry
from aicoach.journal.importers.robinhood import RobinhoodImporter
from aicoach.journal.importers.schwab import SchwabImporter
from aicoach.journal.importers.tastytrade import TastytradeImporter
from aicoach.journal.importers.thinkorswim import ThinkorswimImporter
from aicoach.journal.importers.webull import WebullImporter
from tests.journal.importers_helpers import FIXTURES

REGISTRY = ImporterRegistry(
    [
        TastytradeImporter(),
        ThinkorswimImporter(),
        IbkrActivityImporter(),
        IbkrFlexImporter(),
        SchwabImporter(),
        RobinhoodImporter(),
        WebullImporter(),
        GenericCsvImporter(),
    ]
)
FILES = sorted(
    p
    for p in FIXTURES.rglob("*")
    if p.suffix in (".csv", ".xml") and p.parent.name not in ("generic", "unknown")
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sniff_picks_the_folder_importer(path: Path) -> None:
    head = decode_export(path.read_bytes())[:16_384]
    assert REGISTRY.detect(head).name == path.parent.name
    # and the choice is clear: no other importer is nearly as sure
    (best, _), (second, _) = REGISTRY.scores(head)[:2]
    assert best - second >= 0.2


def test_the_file_name_does_not_matter() -> None:
    text = decode_export((FIXTURES / "webull" / "Webull_Orders_Records.csv").read_bytes())
    assert REGISTRY.detect(text).name == "webull"  # nothing but the text is passed


def test_an_unknown_csv_is_refused_naming_the_formats() -> None:
    text = decode_export((FIXTURES / "generic" / "fills.csv").read_bytes())
    with pytest.raises(UnknownFormatError) as caught:
        REGISTRY.detect(text)
    message = caught.value.message
    assert message.startswith("This file isn't a broker export I know. I can read: ")
    assert "tastytrade transactions CSV" in message and "Webull orders records CSV" in message
    assert caught.value.status_code == 422


def test_empty_files_are_refused() -> None:
    for data in (b"", b"\xef\xbb\xbf", b"  \r\n\n"):
        with pytest.raises(EmptyFileError, match="empty"):
            decode_export(data)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        bytes(range(1, 32)) * 50,
    ],
    ids=["xlsx", "png", "control-noise"],
)
def test_binary_files_are_refused(data: bytes) -> None:
    with pytest.raises(BinaryFileError, match="binary file, not a CSV export"):
        decode_export(data)


def test_encodings_and_line_endings() -> None:
    text = "Date,Action\r\n03/04/2024,Buy\r\n"
    assert decode_export(text.encode("utf-16")) == "Date,Action\n03/04/2024,Buy\n"
    assert decode_export(b"\xef\xbb\xbfA,B\r\n") == "A,B\n"
    assert decode_export("Descripción,€\n".encode("cp1252")) == "Descripción,€\n"


class _Endless(io.RawIOBase):
    """A 200 MB upload that is never materialised: counts what is read."""

    def __init__(self, size: int) -> None:
        self.size, self.served = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.size - self.served)
        buffer[:n] = b"a" * n
        self.served += n
        return n


def test_a_200_mb_file_is_refused_before_it_is_read() -> None:
    stream = _Endless(200_000_000)
    with pytest.raises(FileTooLargeError, match="50 MB") as caught:
        read_limited(stream, 50_000_000)
    assert stream.served <= 50_000_001
    assert caught.value.status_code == 413


def test_a_file_under_the_limit_is_read_whole() -> None:
    assert read_limited(io.BytesIO(b"x" * 1000), 1000) == b"x" * 1000
