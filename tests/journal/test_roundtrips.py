"""Round trips on hand-computed journals: every number below is worked out in the comments."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from aicoach.journal.core.executions import Effect, ExecutionKind
from aicoach.journal.core.roundtrips import build_trades
from aicoach.journal.core.trades import (
    Direction,
    MissingMarkError,
    Origin,
    TradeStatus,
    WarningCode,
    unrealized,
)
from aicoach.options.core.strategies import StrategyName as N
from tests.journal.factory import MAY, D, acct, at, call, ex, put, stock

OPEN, C = Effect.OPEN, Effect.CLOSE


def test_vertical_opened_as_one_order_and_closed_as_one_order() -> None:
    # Sell 2 SPY 500P at 3.20, buy 2 490P at 1.10: credit 2·100·(3.20 − 1.10) = 420.
    # Close: buy 2 500P at 1.00, sell 2 490P at 0.30: debit 2·100·(1.00 − 0.30) = 140.
    # Costs: 4 rows × (1.30 commission + 0.04 fees) = 5.36. Net 420 − 140 − 5.36 = 274.64.
    rows = acct(
        ex(put(500), -2, "3.20", at(0), comm="1.30", fees="0.04", effect=OPEN, order="o1"),
        ex(put(490), 2, "1.10", at(0), comm="1.30", fees="0.04", effect=OPEN, order="o1"),
        ex(put(500), 2, "1.00", at(days=10), comm="1.30", fees="0.04", effect=C, order="o2"),
        ex(put(490), -2, "0.30", at(days=10), comm="1.30", fees="0.04", effect=C, order="o2"),
    )
    book = build_trades(rows)
    assert not book.warnings
    (t,) = book.trades
    assert t.strategy is N.BULL_PUT_SPREAD
    assert t.strategy_label == "2× Bull put spread 490/500 Apr 17"
    assert t.status is TradeStatus.CLOSED
    assert t.direction is Direction.CREDIT
    assert t.origin is Origin.ORDER
    assert t.order_ids == ("o1", "o2")
    assert (t.opened_at, t.closed_at) == (at(0), at(days=10))
    assert t.opening_gross == D("420")
    assert t.gross == D("280")
    assert t.costs == D("5.36")
    assert t.net == t.realized_net == D("274.64")
    assert t.open_cash == 0
    # per leg: 500P gross 640 − 200 = 440, 490P −220 + 60 = −160, each 2.68 of costs
    legs = {leg.instrument.strike: leg for leg in t.legs}
    assert legs[D(500)].gross == D("440") and legs[D(500)].net == D("437.32")
    assert legs[D(490)].gross == D("-160") and legs[D(490)].net == D("-162.68")
    # planned risk: width 10 · 100 · 2 − 420 = 1580; R = 274.64 / 1580 = 0.17382…
    assert t.planned_risk == D("1580.00")
    assert t.r_multiple == D("0.1738")


def _condor_rows() -> list[object]:
    # Open: buy 480P 0.80, sell 490P 1.50, sell 520C 1.40, buy 535C 0.60: credit 1.50 → 150.
    return [
        ex(put(480), 1, "0.80", at(0), comm="0.65", effect=OPEN, order="ic"),
        ex(put(490), -1, "1.50", at(0), comm="0.65", effect=OPEN, order="ic"),
        ex(call(520), -1, "1.40", at(0), comm="0.65", effect=OPEN, order="ic"),
        ex(call(535), 1, "0.60", at(0), comm="0.65", effect=OPEN, order="ic"),
        # Close the puts: buy 490P 0.40, sell 480P 0.10 → debit 30.
        ex(put(490), 1, "0.40", at(days=5), comm="0.65", effect=C, order="c1"),
        ex(put(480), -1, "0.10", at(days=5), comm="0.65", effect=C, order="c1"),
    ]


def test_iron_condor_closed_in_two_orders() -> None:
    first = build_trades(acct(*_condor_rows()))  # type: ignore[arg-type]
    (t,) = first.trades
    assert t.strategy is N.IRON_CONDOR
    assert t.status is TradeStatus.PARTIALLY_CLOSED and t.closed_at is None
    # realized on the put side: 150 − 80 (open) − 30 (close) ... per leg: 490P +150−40, 480P −80+10
    assert t.realized_gross == D("40")
    assert t.r_multiple is None  # not closed yet
    # planned risk: the wider wing (call, 15) · 100 − 150 credit = 1350
    assert t.planned_risk == D("1350.00")
    # still open: short 520C (+140) and long 535C (−60) → open cash 80 − 1.30 costs
    assert t.open_cash == D("78.70")
    marks = {call(520).key: D("0.50"), call(535).key: D("0.05")}
    # unrealized = (−1·0.50 + 1·0.05)·100 + 78.70 = 33.70
    assert unrealized(t, marks) == D("33.70")
    with pytest.raises(MissingMarkError):
        unrealized(t, {call(520).key: D("0.50")})

    # Close the calls later: buy 520C 2.00, sell 535C 0.50 → debit 150.
    rows = [
        *_condor_rows(),
        ex(call(520), 1, "2.00", at(days=9), comm="0.65", effect=C, order="c2"),
        ex(call(535), -1, "0.50", at(days=9), comm="0.65", effect=C, order="c2"),
    ]
    (t,) = build_trades(acct(*rows)).trades  # type: ignore[arg-type]
    # gross 150 − 30 − 150 = −30; costs 8 × 0.65 = 5.20; net −35.20; R = −35.20/1350
    assert t.status is TradeStatus.CLOSED and t.closed_at == at(days=9)
    assert t.net == t.realized_net == D("-35.20")
    assert t.r_multiple == D("-0.0261")
    assert unrealized(t, {}) == 0


def test_partial_closes_fifo_across_two_lots_at_different_prices() -> None:
    # Lot 1: buy 3 calls at 2.00 (cost 1.95); lot 2, another order: buy 2 at 2.50 (1.30).
    # Sell 2 at 3.00 (1.30): from lot 1 → +200.  Sell 3 at 1.80 (1.95 → 0.65 + 1.30):
    # 1 from lot 1 → −20, 2 from lot 2 → −140.
    rows = acct(
        ex(call(510), 3, "2.00", at(0), comm="1.95", order="b1"),
        ex(call(510), 2, "2.50", at(30), comm="1.30", order="b2"),
        ex(call(510), -2, "3.00", at(60), comm="1.30", order="s1"),
        ex(call(510), -3, "1.80", at(90), comm="1.95", order="s2"),
    )
    book = build_trades(rows)
    t1, t2 = book.trades
    assert [t.status for t in book.trades] == [TradeStatus.CLOSED, TradeStatus.CLOSED]
    (leg1,) = t1.legs
    assert [m.quantity for m in leg1.matches] == [D(2), D(1)]
    # lot 1's 1.95 of costs: 1.30 to the 2 closed first, the remaining 0.65 to the last one
    assert [m.open_costs for m in leg1.matches] == [D("1.30"), D("0.65")]
    assert [m.close_costs for m in leg1.matches] == [D("1.30"), D("0.65")]
    assert t1.realized_gross == D("180") and t1.net == D("176.10")
    assert t2.realized_gross == D("-140") and t2.net == D("-142.60")
    assert t1.closed_at == at(90) and t2.closed_at == at(90)
    # both trades take a part of the last sell
    assert [f.quantity for f in t2.legs[0].closing] == [D(-2)]
    total_cash = sum((a.execution.cash for a in rows), D(0))
    assert t1.net + t2.net == total_cash == D("33.50")


def test_partial_closes_open_five_close_two_close_three() -> None:
    # One order filled as 3 @ 1.00 and 2 @ 1.20; close 2 @ 1.50 then 3 @ 0.90.
    rows = acct(
        ex(put(495), 3, "1.00", at(0), order="b"),
        ex(put(495), 2, "1.20", at(0.1), order="b"),
        ex(put(495), -2, "1.50", at(days=1), order="s1"),
    )
    (t,) = build_trades(rows).trades
    assert t.status is TradeStatus.PARTIALLY_CLOSED
    assert t.legs[0].open_quantity == D(3)
    assert t.realized_gross == D("100")  # 2 · (1.50 − 1.00) · 100
    assert t.open_cash == D("-340")  # 1 @ 1.00 + 2 @ 1.20 still open
    rows.append(acct(ex(put(495), -3, "0.90", at(days=2), order="s2"))[0])
    (t,) = build_trades(rows).trades
    # second close: 1 @ (0.90 − 1.00) + 2 @ (0.90 − 1.20) = −10 − 60
    assert t.status is TradeStatus.CLOSED
    assert t.realized_gross == D("30")
    assert t.strategy is N.LONG_PUT and t.direction is Direction.DEBIT
    assert t.planned_risk == D("540.00")  # the debit: 300 + 240


def test_short_put_expires_at_zero() -> None:
    rows = acct(
        ex(put(200, und="AAPL"), -1, "2.35", at(0), comm="0.65", fees="0.02", effect=OPEN),
        ex(put(200, und="AAPL"), 1, "0", at(days=45), effect=C, kind=ExecutionKind.EXPIRATION),
    )
    (t,) = build_trades(rows).trades
    assert t.strategy is N.SHORT_PUT
    assert t.status is TradeStatus.CLOSED and t.closed_at == at(days=45)
    assert t.net == D("234.33")
    assert t.planned_risk is None and "naked" in t.planned_risk_note
    assert t.r_multiple is None


def test_expiration_signed_the_wrong_way_still_closes() -> None:
    rows = acct(
        ex(put(200, und="AAPL"), -1, "2.35", at(0), effect=OPEN),
        ex(put(200, und="AAPL"), -1, "0", at(days=45), kind=ExecutionKind.EXPIRATION),
    )
    book = build_trades(rows)
    assert book.trades[0].status is TradeStatus.CLOSED
    assert [w.code for w in book.warnings] == [WarningCode.REMOVAL_SIGN_CORRECTED]


def test_webull_fills_without_order_id_grouped_by_time_window() -> None:
    rows = acct(
        ex(call(600), 1, "5.00", at(0)),
        ex(call(610), -1, "2.00", at(0.5)),  # 30 s later: same trade
        ex(call(620), 1, "1.00", at(5)),  # 4.5 min later: a new trade
    )
    book = build_trades(rows)
    vertical, single = book.trades
    assert vertical.strategy is N.BULL_CALL_SPREAD and vertical.origin is Origin.TIME_WINDOW
    assert vertical.direction is Direction.DEBIT and vertical.planned_risk == D("300.00")
    assert single.strategy is N.LONG_CALL
    # a wider window joins the third too
    assert len(build_trades(rows, group_window=at(6) - at(0)).trades) == 1


def test_a_close_ends_the_time_window_group() -> None:
    rows = acct(
        ex(call(600), 1, "5.00", at(0)),
        ex(call(600), -1, "5.50", at(0.3)),  # a 20-second scalp
        ex(call(605), 1, "3.00", at(0.6)),  # 40 s after the first fill: a new trade all the same
    )
    scalp, other = build_trades(rows).trades
    assert scalp.is_closed and scalp.net == D("50")
    assert other.legs[0].instrument == call(605) and other.status is TradeStatus.OPEN


def test_unknown_effects_resolved_by_the_running_position() -> None:
    rows = acct(
        ex(stock(), 2, "100", at(0)),
        ex(stock(), -3, "101", at(10)),  # closes 2 (+2), flips to short 1
        ex(stock(), 1, "99", at(20)),  # closes the short (+2)
    )
    book = build_trades(rows)
    long_trade, short_trade = book.trades
    assert long_trade.realized_gross == D("2") and long_trade.is_closed
    assert short_trade.strategy is N.SHORT_STOCK and short_trade.realized_gross == D("2")
    assert short_trade.legs[0].opening[0].quantity == D(-1)


def test_unmatched_close_is_a_warning_with_the_row() -> None:
    row = ex(put(400), 1, "1.00", at(0), comm="0.65", effect=C, row=17)
    book = build_trades(acct(row))
    assert book.trades == ()
    (w,) = book.warnings
    assert w.code is WarningCode.UNMATCHED_CLOSE and w.execution == row
    assert w.quantity == D(1) and w.cash == D("-100.65") == book.unmatched_cash
    # a close larger than the position: the rest is unmatched, not a flip
    book = build_trades(
        acct(ex(put(400), -1, "2", at(0), effect=OPEN), ex(put(400), 3, "1", at(1), effect=C))
    )
    assert book.trades[0].is_closed and book.warnings[0].quantity == D(2)


def test_open_against_the_position_is_read_by_the_position() -> None:
    book = build_trades(
        acct(ex(stock(), 10, "5", at(0), effect=OPEN), ex(stock(), -10, "6", at(1), effect=OPEN))
    )
    assert book.trades[0].realized_gross == D("10")
    assert [w.code for w in book.warnings] == [WarningCode.OPEN_AGAINST_POSITION]


def test_stock_round_trip_with_partial_fills() -> None:
    # One buy order filled 40 @ 10.00 + 60 @ 10.02 (fees 0.01 each); sold 50 @ 10.50 and
    # 50 @ 10.40 (commission 1.00 each, fees 0.03). FIFO: 40 @ 10.00 + 10 @ 10.02 sold at
    # 10.50 → 20 + 4.80; 50 @ 10.02 sold at 10.40 → 19.00. Gross 43.80, costs 2.08.
    rows = acct(
        ex(stock("F"), 40, "10.00", at(0), fees="0.01", order="b"),
        ex(stock("F"), 60, "10.02", at(0.2), fees="0.01", order="b"),
        ex(stock("F"), -50, "10.50", at(60), comm="1.00", fees="0.03", order="s1"),
        ex(stock("F"), -50, "10.40", at(90), comm="1.00", fees="0.03", order="s2"),
    )
    (t,) = build_trades(rows).trades
    assert t.strategy is N.LONG_STOCK and t.strategy_label == "Long stock (100 sh)"
    assert t.realized_gross == D("43.80") and t.costs == D("2.08")
    assert t.net == D("41.72")
    assert [m.quantity for m in t.legs[0].matches] == [D(40), D(10), D(50)]
    assert t.planned_risk is None


def test_covered_call_bought_as_one_order() -> None:
    rows = acct(
        ex(stock(), 100, "590", at(0), order="bw"), ex(call(600), -1, "4", at(0), order="bw")
    )
    (t,) = build_trades(rows).trades
    assert t.strategy is N.COVERED_CALL and t.direction is Direction.DEBIT


@pytest.mark.parametrize(
    ("legs", "name"),
    [
        ([(call(600), -1), (call(600, MAY), 1)], N.CALENDAR_SPREAD),
        ([(call(600), 1), (put(600), 1)], N.LONG_STRADDLE),
    ],
)
def test_other_names(legs: list[tuple[object, int]], name: N) -> None:
    rows = acct(*(ex(ins, q, "2.00", at(0), order="x") for ins, q in legs))  # type: ignore[arg-type]
    (t,) = build_trades(rows).trades
    assert t.strategy is name


def test_calendar_risk_is_its_debit() -> None:
    rows = acct(
        ex(call(600), -1, "2.00", at(0), order="x"), ex(call(600, MAY), 1, "3.10", at(0), order="x")
    )
    assert build_trades(rows).trades[0].planned_risk == D("110.00")


def test_deterministic_whatever_the_input_order() -> None:
    rows = acct(*_condor_rows(), ex(stock(), 5, "1", at(1)), ex(stock(), -5, "2", at(2)))  # type: ignore[arg-type]
    rows += acct(ex(stock(), 7, "3", at(1)), account="B2")
    book = build_trades(rows)
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert build_trades(shuffled) == book
    assert len({t.id for t in book.trades}) == len(book.trades) == 3
    assert {t.account for t in book.trades} == {"A1", "B2"}


def test_accounts_do_not_share_lots() -> None:
    rows = acct(ex(stock(), 5, "10", at(0))) + acct(ex(stock(), -5, "11", at(1)), account="B")
    book = build_trades(rows)
    assert [t.strategy for t in book.trades] == [N.LONG_STOCK, N.SHORT_STOCK]
    assert not any(t.is_closed for t in book.trades)


def test_r_multiple_uses_net_after_costs() -> None:
    rows = acct(
        ex(call(600), 1, "1.00", at(0), comm="1", order="a"),
        ex(call(600), -1, "3.00", at(9), comm="1", order="b"),
    )
    (t,) = build_trades(rows).trades
    assert t.planned_risk == D("100.00") and t.r_multiple == Decimal("1.9800")


def test_a_repeated_fingerprint_is_refused() -> None:
    """Trade ids and FIFO lots are named by fingerprint: two rows with one must not merge."""
    from datetime import UTC, datetime
    from decimal import Decimal

    import pytest

    from aicoach.journal.core.executions import AssetKind, Execution, Instrument
    from aicoach.journal.core.roundtrips import AccountExecution, build_trades

    stock = Instrument(AssetKind.STOCK, "SPY")
    row = Execution(datetime(2025, 3, 3, 15, tzinfo=UTC), stock, Decimal(1), Decimal(500))
    with pytest.raises(ValueError, match="fingerprint repeated"):
        build_trades([AccountExecution("A", row), AccountExecution("A", row)])
    assert len(build_trades([AccountExecution("A", row), AccountExecution("B", row)]).trades) == 2
