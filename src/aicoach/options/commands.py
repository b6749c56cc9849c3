"""``aicoach chain SYMBOL`` and ``aicoach analyze LEGS.json``: the options engine in a terminal.

* ``chain`` prints calls and puts around the money for one expiration (default: the nearest
  monthly at least a week out): bid, ask, IV and Greeks, computed exactly as the API does;
* ``analyze`` reads a legs file (format in ``docs/analyze-legs.md``: the body of
  ``POST /api/options/analyze`` with ``legs``) and prints the structure, max gain and loss,
  breakevens, probability of profit and the Greeks in dollars; ``--json`` prints the API payload.

Both use the configured market data (simulated by default). Errors print and exit 1 (2 for a
malformed file).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aicoach.config import Settings
from aicoach.errors import AICoachError
from aicoach.levels.service import LevelsService
from aicoach.marketdata.service import MarketDataService
from aicoach.options.analysis_schemas import (
    AnalysisRead,
    AnalyzeRequest,
    analysis_read,
    leg_specs,
    to_scenario,
)
from aicoach.options.chain import ChainService, ChainTable, ExpirationCycle
from aicoach.options.schemas import ChainRead, ContractRead
from aicoach.options.service import AnalysisService
from aicoach.plugin import CommandKit


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _side(c: ContractRead | None) -> list[str]:
    if c is None:
        return ["—"] * 5
    return [_num(c.bid), _num(c.ask), _pct(c.iv), _num(c.delta, 3), _num(c.theta_per_day, 3)]


async def _pick_chain(
    market: MarketDataService, settings: Settings, symbol: str, expiration: date | None
) -> ChainTable:
    chains = ChainService(market, settings.risk_free_rate)
    if expiration is None:
        listed = (await chains.expirations(symbol))[0]
        if not listed:
            raise AICoachError(f"{symbol.upper()} lists no expirations.")
        monthly = [
            e for e in listed if e.cycle is ExpirationCycle.MONTHLY and e.days_to_expiry >= 7
        ]
        expiration = (monthly or listed)[0].expiration
    return await chains.chain(symbol, expiration)


def chain_table(body: ChainRead, strikes: int) -> Table:
    """``strikes`` rows nearest the underlying price, calls left and puts right."""
    s = body.underlying_price
    rows = sorted(sorted(body.strikes, key=lambda r: abs(r.strike - s))[:strikes],
                  key=lambda r: r.strike)  # fmt: skip
    table = Table(
        title=f"{body.symbol} {body.expiration} ({body.days_to_expiry}d)  spot {s:,.2f}  "
        f"r {body.r * 100:.2f}%  q {body.q * 100:.2f}%  ({body.source}, {body.model})",
    )
    for name in ("Call bid", "Call ask", "Call IV", "Call Δ", "Call Θ/day"):
        table.add_column(name, justify="right")
    table.add_column("Strike", justify="center", style="bold")
    for name in ("Put bid", "Put ask", "Put IV", "Put Δ", "Put Θ/day"):
        table.add_column(name, justify="right")
    for row in rows:
        atm = row.call is not None and row.call.moneyness.value == "ATM"
        strike = f"{row.strike:,.2f}" + (" ◀" if atm else "")
        table.add_row(*_side(row.call), strike, *_side(row.put))
    return table


def print_analysis(console: Console, a: AnalysisRead) -> None:
    ex, prob, g = a.expiry, a.probability, a.greeks
    gain = "unlimited" if ex.max_gain_unlimited else f"${_num(ex.max_gain)}"
    loss = "unlimited" if ex.max_loss_unlimited else f"${_num(ex.max_loss)}"
    console.print(f"[bold]{escape(a.strategy.label)}[/bold]  ({a.strategy.name}) on {a.symbol} at "
                  f"{a.spot:,.2f}  ({a.source})")  # fmt: skip
    table = Table(show_header=False)
    table.add_column("What")
    table.add_column("Value", justify="right")
    table.add_row("Entry cost (debit + / credit -)", f"${_num(a.entry_cost)}")
    table.add_row("P&L now", f"${_num(a.pnl_now)}")
    table.add_row("Max gain", gain)
    table.add_row("Max loss", loss)
    table.add_row("Breakevens", ", ".join(f"{b:,.2f}" for b in ex.breakevens) or "none")
    table.add_row("Probability of profit", f"{prob.pop * 100:.1f}%")
    table.add_row("Expected move (1σ)", f"±{prob.expected_move:,.2f}")
    table.add_row("Delta (shares / $)", f"{_num(g.delta_shares)} / ${_num(g.delta_dollars)}")
    table.add_row("Gamma (shares per $1)", _num(g.gamma_shares_per_dollar, 3))
    table.add_row("Theta ($/day)", _num(g.theta_dollars_per_day))
    table.add_row("Vega ($/vol point)", _num(g.vega_dollars_per_vol_point))
    table.add_row("Models", ", ".join(a.models))
    console.print(table)
    for phrase in a.phrases.values():
        console.print(f"• {escape(phrase)}")
    console.print(f"PoP model: {escape(prob.model)}")
    for warning in a.warnings:
        console.print(f"[yellow]Warning:[/yellow] {escape(warning)}")


def register(app: typer.Typer, kit: CommandKit) -> None:
    @app.command("chain")
    def chain_command(
        symbol: Annotated[str, typer.Argument(help="Underlying, e.g. SPY.")],
        expiration: Annotated[
            str | None,
            typer.Option(help="YYYY-MM-DD; default: the nearest monthly a week or more out."),
        ] = None,
        strikes: Annotated[int, typer.Option(min=1, max=500, help="Strikes around spot.")] = 10,
    ) -> None:
        """Option chain with IV and Greeks around the money."""
        settings = kit.load_settings()
        try:
            exp = date.fromisoformat(expiration) if expiration else None
        except ValueError as exc:
            typer.echo(f"Error: --expiration must be YYYY-MM-DD, got {expiration!r}", err=True)
            raise typer.Exit(2) from exc
        table = kit.run_with_market(lambda m: _pick_chain(m, settings, symbol, exp), settings)
        Console(width=160).print(chain_table(ChainRead.of(table), strikes))

    @app.command("analyze")
    def analyze_command(
        legs_file: Annotated[Path, typer.Argument(help="JSON legs file (docs/analyze-legs.md).")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the API payload.")] = False,
    ) -> None:
        """Max gain/loss, breakevens, PoP and Greeks of the legs in a file."""
        settings = kit.load_settings()
        try:
            raw = json.loads(legs_file.read_text(encoding="utf-8"))
            request = AnalyzeRequest.model_validate({"legs": raw} if isinstance(raw, list) else raw)
        except (OSError, ValueError) as exc:
            detail = exc if not isinstance(exc, ValidationError) else _errors(exc)
            typer.echo(f"Error: {legs_file}: {detail}", err=True)
            raise typer.Exit(2) from exc
        if request.legs is None:
            typer.echo("Error: the file must give legs (position_ids need the API).", err=True)
            raise typer.Exit(2)
        legs = request.legs

        async def run(market: MarketDataService) -> AnalysisRead:
            service = AnalysisService(
                market,
                ChainService(market, settings.risk_free_rate),
                LevelsService(market),
                settings.risk_free_rate,
            )
            outcome = await service.analyze(
                leg_specs(legs), to_scenario(request.scenario, service.close_of)
            )
            return analysis_read(outcome)

        result = kit.run_with_market(run, settings)
        if as_json:
            typer.echo(result.model_dump_json(indent=1))
        else:
            print_analysis(Console(width=120), result)


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()[:5]
    )
