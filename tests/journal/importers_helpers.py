"""Loads a broker fixture and its hand-computed expected file, and compares every field."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicoach.journal.importers._text import decode_export
from aicoach.journal.importers.ports import BrokerImporter, ParseOptions, ParseResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"


def load(path: Path) -> str:
    return decode_export(path.read_bytes())


def check(
    importer: BrokerImporter, fixture: Path, options: ParseOptions | None = None
) -> ParseResult:
    """Parse ``fixture`` and compare with ``<name>.expected.json`` beside it, field by field."""
    expected: dict[str, Any] = json.loads(fixture.with_suffix(".expected.json").read_text())
    text = load(fixture)
    lines = text.split("\n")
    result = importer.parse(text, options=options)
    assert result.format == expected["format"]
    assert result.account == expected.get("account")
    time_known = expected.get("time_known", True)
    multipliers: dict[str, int] = expected.get("multipliers", {})
    got = sorted(result.executions, key=lambda e: e.row)
    rows = [e.row for e in got]
    want_rows = [w[0] for w in expected["executions"]]
    assert rows == want_rows, f"rows {rows} != {want_rows}; errors {result.errors}"
    for e, w in zip(got, expected["executions"], strict=True):
        row, at, key, qty, price, commission, fees, effect, kind, order_id = w[:10]
        known = w[10] if len(w) > 10 else time_known
        where = f"row {row}"
        assert e.executed_at == datetime.fromisoformat(at), where
        assert e.instrument.key == key, where
        default_mult = 100 if e.instrument.is_option else 1
        assert e.instrument.multiplier == multipliers.get(key, default_mult), where
        assert e.quantity == Decimal(qty), where
        assert e.price == Decimal(price), (where, e.price)
        assert e.commission == Decimal(commission), (where, e.commission)
        assert e.fees == Decimal(fees), (where, e.fees)
        assert e.effect.value == effect, where
        assert e.kind.value == kind, where
        assert e.order_id == order_id, where
        assert e.time_known is known, where
        assert e.raw.split("\n")[0] == lines[row - 1], where
        assert (
            e.executed_at.utcoffset() is not None and e.executed_at.utcoffset().total_seconds() == 0
        )
    assert [s.row for s in result.skipped] == expected["skipped"], result.skipped
    errors = [(r.row, r.reason) for r in result.errors]
    assert len(errors) == len(expected["errors"]), errors
    for (row, reason), (want_row, want) in zip(errors, expected["errors"], strict=True):
        assert row == want_row and want in reason, (row, reason)
    for r in result.errors:
        assert r.message.startswith(f"row {r.row}: ")
        assert r.raw.split("\n")[0] == lines[r.row - 1]
    assert len({e.fingerprint for e in result.executions}) == len(result.executions)
    return result
