"""Campaigns on hand-computed journals: assignment, exercise, rolls, the wheel, breakevens."""

from __future__ import annotations

from aicoach.journal.core.executions import Effect, ExecutionKind
from aicoach.journal.core.roundtrips import build_trades
from aicoach.journal.core.trades import Origin, TradeStatus, WarningCode
from aicoach.options.core.strategies import StrategyName as N
from tests.journal.factory import MAY, D, acct, at, call, ex, put, stock
from tests.journal.test_roundtrips import _condor_rows

OPEN, C = Effect.OPEN, Effect.CLOSE


def test_short_put_assigned_then_shares_sold_is_one_campaign() -> None:
    aapl_put = put(200, und="AAPL")
    assigned = ExecutionKind.ASSIGNMENT
    rows = acct(
        ex(aapl_put, -1, "3.00", at(0), comm="0.65", effect=OPEN, order="sp"),
        ex(aapl_put, 1, "0", at(days=30), effect=C, kind=assigned),
        ex(stock("AAPL"), 100, "200", at(days=30), effect=OPEN, kind=assigned),
    )
    book = build_trades(rows)
    assert not book.warnings
    opt, shares = book.trades
    assert opt.net == D("299.35") and opt.is_closed
    assert shares.origin is Origin.ASSIGNMENT and shares.strategy is N.LONG_STOCK
    assert shares.status is TradeStatus.OPEN
    assert opt.campaign_id == shares.campaign_id == opt.id
    (camp,) = book.campaigns
    assert [lk.kind.value for lk in camp.links] == ["assignment"]
    # cumulative 299.35 − 20000 = −19700.65 → breakeven 197.0065 per share
    assert camp.cumulative_net == (D("299.35"), D("-19700.65"))
    assert camp.breakeven.price == D("197.0065")

    rows += acct(ex(stock("AAPL"), -100, "205", at(days=40), fees="0.05", order="sell"))
    book = build_trades(rows)
    opt, shares = book.trades
    assert shares.net == D("499.95")  # 20500 − 20000 − 0.05
    (camp,) = book.campaigns
    assert camp.is_closed and camp.realized_net == camp.net == D("799.30")
    assert camp.breakeven.price is None


def test_exercise_links_the_stock_trade() -> None:
    ex_kind = ExecutionKind.EXERCISE
    rows = acct(
        ex(call(100, und="XYZ"), 2, "1.50", at(0), order="lc"),
        ex(call(100, und="XYZ"), -2, "0", at(days=20), kind=ex_kind),
        ex(stock("XYZ"), 200, "100", at(days=20), kind=ex_kind),
    )
    book = build_trades(rows)
    (camp,) = book.campaigns
    assert [lk.kind.value for lk in camp.links] == ["exercise"]
    # 200 shares, cumulative −300 − 20000 → breakeven 101.50
    assert camp.breakeven.price == D("101.5000")


def test_unlinked_assignment_is_a_warning() -> None:
    rows = acct(ex(stock("XYZ"), 100, "50", at(0), kind=ExecutionKind.ASSIGNMENT))
    book = build_trades(rows)
    assert [w.code for w in book.warnings] == [WarningCode.ASSIGNMENT_UNLINKED]
    assert book.trades[0].origin is Origin.ASSIGNMENT


def test_roll_of_a_short_put_spread() -> None:
    # Open 500/490 bull put for 2.00 credit; roll in one order: close it for 3.00 debit and
    # open 480/470 May for 3.50 credit. Costs 0.65 per contract row.
    # Old trade: 200 − 300 − 4 × 0.65 = −102.60; new: 350 − 2 × 0.65 = 348.70; cumulative 246.10.
    rows = acct(
        ex(put(500), -1, "2.50", at(0), comm="0.65", effect=OPEN, order="o"),
        ex(put(490), 1, "0.50", at(0), comm="0.65", effect=OPEN, order="o"),
        ex(put(500), 1, "4.00", at(days=20), comm="0.65", effect=C, order="roll"),
        ex(put(490), -1, "1.00", at(days=20), comm="0.65", effect=C, order="roll"),
        ex(put(480, MAY), -1, "5.00", at(days=20), comm="0.65", effect=OPEN, order="roll"),
        ex(put(470, MAY), 1, "1.50", at(days=20), comm="0.65", effect=OPEN, order="roll"),
    )
    book = build_trades(rows)
    old, new = book.trades
    assert old.net == D("-102.60")
    assert new.net == D("348.70")
    assert old.campaign_id == new.campaign_id == old.id
    (camp,) = book.campaigns
    assert [(lk.kind.value, lk.from_trade, lk.to_trade) for lk in camp.links] == [
        ("roll", old.id, new.id)
    ]
    assert camp.cumulative_net == (D("-102.60"), D("246.10"))
    # true breakeven: short strike 480 − 246.10 / 100 = 477.539
    assert camp.breakeven.price == D("477.5390")


def test_roll_without_order_ids_within_the_roll_window() -> None:
    rows = acct(
        ex(put(450), -1, "3.00", at(0)),
        ex(put(450), 1, "1.00", at(days=7)),
        ex(put(440, MAY), -1, "2.40", at(days=7, minutes=3)),
        ex(put(430, MAY), -1, "2.00", at(days=9)),  # a new, unrelated position
    )
    book = build_trades(rows)
    first, second, third = book.trades
    assert first.campaign_id == second.campaign_id != third.campaign_id
    camp = book.campaign(first.campaign_id)
    assert camp.net == D("440")  # 300 − 100 + 240
    assert camp.breakeven.price == D("435.6000")  # 440 − 4.40
    # too far apart: not a roll
    late = build_trades(
        acct(
            ex(put(450), -1, "3", at(0)),
            ex(put(450), 1, "1", at(days=7)),
            ex(put(440, MAY), -1, "2.4", at(days=7, minutes=6)),
        )
    )
    assert len(late.campaigns) == 2


def test_a_different_structure_is_not_a_roll() -> None:
    rows = acct(
        ex(put(450), -1, "3.00", at(0), order="a"),
        ex(put(450), 1, "1.00", at(days=7), order="b"),
        ex(put(440), -2, "2.40", at(days=7), order="b"),  # twice the size
    )
    assert len(build_trades(rows).campaigns) == 2


def test_the_wheel_is_one_campaign() -> None:
    aapl_put, aapl_call, shares = put(200, und="AAPL"), call(205, MAY, "AAPL"), stock("AAPL")
    assigned = ExecutionKind.ASSIGNMENT
    rows = acct(
        ex(aapl_put, -1, "3.00", at(0), effect=OPEN, order="p"),
        ex(aapl_put, 1, "0", at(days=30), effect=C, kind=assigned),
        ex(shares, 100, "200", at(days=30), kind=assigned),
        ex(aapl_call, -1, "2.00", at(days=31), effect=OPEN, order="c"),
        ex(aapl_call, 1, "0", at(days=60), effect=C, kind=assigned),
        ex(shares, -100, "205", at(days=60), kind=assigned),
    )
    book = build_trades(rows)
    assert not book.warnings
    put_trade, stock_trade, call_trade = book.trades
    (camp,) = book.campaigns
    assert camp.trade_ids == (put_trade.id, stock_trade.id, call_trade.id)
    assert [(lk.from_trade, lk.to_trade) for lk in camp.links] == [
        (put_trade.id, stock_trade.id),
        (call_trade.id, stock_trade.id),
    ]
    assert (put_trade.net, stock_trade.net, call_trade.net) == (D(300), D(500), D(200))
    assert camp.is_closed and camp.net == camp.realized_net == D(1000)
    assert camp.breakeven.price is None and "closed" in (camp.breakeven.reason or "")


def test_breakeven_is_unavailable_for_a_condor() -> None:
    (camp,) = build_trades(acct(*_condor_rows()[:4])).campaigns  # type: ignore[arg-type]
    assert camp.breakeven.price is None
    assert "only defined for one option, a vertical or stock" in (camp.breakeven.reason or "")
