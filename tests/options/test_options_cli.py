"""``aicoach chain`` and ``aicoach analyze`` through Typer's CliRunner on the simulated market."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicoach.cli import app
from aicoach.marketdata.calendar import MarketCalendar

runner = CliRunner()
CAL = MarketCalendar()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOACH_DATA_DIR", str(tmp_path))
    for name in ("MARKET_DATA_PROVIDER", "AICOACH_MARKET_DATA_PROVIDER", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


def _chain_json(expiration: str | None = None) -> tuple[str, dict[str, object]]:
    """The expiration the CLI picks by default, read back from its title."""
    args = ["chain", "SPY", "--strikes", "8"] + (["--expiration", expiration] if expiration else [])
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    m = re.search(r"SPY (\d{4}-\d\d-\d\d) \((\d+)d\)\s+spot ([\d,.]+)", result.output)
    assert m is not None, result.output
    return result.output, {"expiration": m.group(1), "days": int(m.group(2)),
                           "spot": float(m.group(3).replace(",", ""))}  # fmt: skip


def test_chain_prints_strikes_around_spot_for_the_nearest_monthly() -> None:
    out, info = _chain_json()
    exp = date.fromisoformat(str(info["expiration"]))
    assert CAL.is_monthly_expiration(exp) and int(str(info["days"])) >= 7
    rows = [line.split("│") for line in out.splitlines() if line.count("│") == 12]
    strikes = [float(cells[6].replace("◀", "").replace(",", "")) for cells in rows]
    assert len(strikes) == 8 and strikes == sorted(strikes)
    spot = float(str(info["spot"]))
    assert min(strikes) <= spot <= max(strikes)
    assert "◀" in out and "%" in out  # the ATM marker and IVs


def test_chain_with_an_expired_expiration_exits_1_naming_listed_ones() -> None:
    result = runner.invoke(app, ["chain", "SPY", "--expiration", "2020-01-17"])
    assert result.exit_code == 1
    assert "expired" in result.output and "Nearest listed" in result.output
    bad = runner.invoke(app, ["chain", "SPY", "--expiration", "soon"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def _condor_file(tmp_path: Path) -> tuple[Path, list[dict[str, object]]]:
    _, info = _chain_json()
    exp, spot = str(info["expiration"]), float(str(info["spot"]))
    k = round(spot)
    legs: list[dict[str, object]] = [
        {"symbol": "SPY", "kind": "put", "strike": k - 40, "expiration": exp, "quantity": 1,
         "entry_price": 1.0},
        {"symbol": "SPY", "kind": "put", "strike": k - 20, "expiration": exp, "quantity": -1,
         "entry_price": 3.0},
        {"symbol": "SPY", "kind": "call", "strike": k + 20, "expiration": exp, "quantity": -1,
         "entry_price": 2.5},
        {"symbol": "SPY", "kind": "call", "strike": k + 40, "expiration": exp, "quantity": 1,
         "entry_price": 0.5},
    ]  # fmt: skip
    path = tmp_path / "legs.json"
    path.write_text(json.dumps({"legs": legs}))
    return path, legs


def test_analyze_prints_the_figures(tmp_path: Path) -> None:
    path, _ = _condor_file(tmp_path)
    result = runner.invoke(app, ["analyze", str(path)], terminal_width=160)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "iron_condor" in out
    # Credit 4.00 x 100 = $400 max gain; wings 20 wide: max loss 2000 - 400.
    assert re.search(r"Max gain\s+│\s+\$400\.00", out), out
    assert re.search(r"Max loss\s+│\s+\$-1,600\.00", out), out
    assert "Probability of profit" in out and "a day" in out and "PoP model: lognormal" in out


def test_analyze_json_matches_the_legs(tmp_path: Path) -> None:
    path, legs = _condor_file(tmp_path)
    path.write_text(json.dumps(legs))  # a bare list of legs is accepted too
    result = runner.invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    strikes = sorted(float(str(leg["strike"])) for leg in legs)
    be = body["expiry"]["breakevens"]
    assert be == pytest.approx([strikes[1] - 4.0, strikes[2] + 4.0])
    assert body["expiry"]["max_gain"] == pytest.approx(400.0)


def test_analyze_rejects_malformed_files(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"symbol": "SPY", "kind": "call", "quantity": 0,
                                 "entry_price": 1}]))  # fmt: skip
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 2 and "non-zero" in result.output
    path.write_text("{not json")
    assert runner.invoke(app, ["analyze", str(path)]).exit_code == 2
    missing = runner.invoke(app, ["analyze", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
