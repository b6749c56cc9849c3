"""Strategy recognition: every named structure, any leg order, ratios, and what is NOT a match."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from aicoach.errors import ValidationFailedError
from aicoach.options.core.legs import (
    Leg,
    LegArrays,
    LegKind,
    MissingExpirationError,
    MissingStrikeError,
    MixedUnderlyingsError,
    NonPositivePriceError,
    ZeroQuantityError,
)
from aicoach.options.core.strategies import StrategyName as N
from aicoach.options.core.strategies import format_strike, recognize

DEC = date(2025, 12, 19)
JAN = date(2026, 1, 16)
C, P, S = LegKind.CALL, LegKind.PUT, LegKind.STOCK


def o(kind: LegKind, qty: int, strike: float, price: float = 1.0, exp: date = DEC) -> Leg:
    return Leg(kind, qty, strike, exp, price, 0.2, "SPY")


def stock(qty: int, price: float = 598.0) -> Leg:
    return Leg(S, qty, None, None, price, None, "SPY")


NAMED: list[tuple[list[Leg], N, str]] = [
    ([o(C, 1, 600, 8.5)], N.LONG_CALL, "Long call 600 Dec 19"),
    ([o(C, -1, 600)], N.SHORT_CALL, "Short call 600 Dec 19"),
    ([o(P, 1, 590)], N.LONG_PUT, "Long put 590 Dec 19"),
    ([o(P, -1, 582.5)], N.SHORT_PUT, "Short put 582.5 Dec 19"),
    ([o(C, 1, 590, 14), o(C, -1, 610, 5)], N.BULL_CALL_SPREAD, "Bull call spread 590/610 Dec 19"),
    ([o(C, -1, 590, 14), o(C, 1, 610, 5)], N.BEAR_CALL_SPREAD, "Bear call spread 590/610 Dec 19"),
    ([o(P, 1, 580, 4), o(P, -1, 600, 9)], N.BULL_PUT_SPREAD, "Bull put spread 580/600 Dec 19"),
    ([o(P, -1, 580, 4), o(P, 1, 600, 9)], N.BEAR_PUT_SPREAD, "Bear put spread 580/600 Dec 19"),
    ([o(P, 1, 580), o(P, -1, 585), o(C, -1, 610), o(C, 1, 615)], N.IRON_CONDOR,
     "Iron condor 580/585/610/615 Dec 19"),
    ([o(P, -1, 580), o(P, 1, 585), o(C, 1, 610), o(C, -1, 615)], N.IRON_CONDOR,
     "Reverse iron condor 580/585/610/615 Dec 19"),
    ([o(P, 1, 580), o(P, -1, 600), o(C, -1, 600), o(C, 1, 620)], N.IRON_BUTTERFLY,
     "Iron butterfly 580/600/620 Dec 19"),
    ([o(C, 1, 600), o(P, 1, 600)], N.LONG_STRADDLE, "Long straddle 600 Dec 19"),
    ([o(C, -1, 600), o(P, -1, 600)], N.SHORT_STRADDLE, "Short straddle 600 Dec 19"),
    ([o(C, 1, 610), o(P, 1, 585)], N.LONG_STRANGLE, "Long strangle 585/610 Dec 19"),
    ([o(C, -1, 610), o(P, -1, 585)], N.SHORT_STRANGLE, "Short strangle 585/610 Dec 19"),
    ([o(C, -1, 600), o(C, 1, 600, exp=JAN)], N.CALENDAR_SPREAD, "Call calendar 600 Dec 19/Jan 16"),
    ([o(P, -1, 595), o(P, 1, 595, exp=JAN)], N.CALENDAR_SPREAD, "Put calendar 595 Dec 19/Jan 16"),
    ([o(C, -1, 610), o(C, 1, 600, exp=JAN)], N.DIAGONAL_SPREAD,
     "Call diagonal 610/600 Dec 19/Jan 16"),
    ([o(C, 1, 590), o(C, -2, 600), o(C, 1, 610)], N.CALL_BUTTERFLY,
     "Long call butterfly 590/600/610 Dec 19"),
    ([o(P, -1, 590), o(P, 2, 600), o(P, -1, 610)], N.PUT_BUTTERFLY,
     "Short put butterfly 590/600/610 Dec 19"),
    ([o(C, 1, 590), o(C, -2, 600), o(C, 1, 615)], N.CALL_BUTTERFLY,
     "Long broken-wing call butterfly 590/600/615 Dec 19"),
    ([stock(100), o(C, -1, 610)], N.COVERED_CALL, "Covered call 610 Dec 19"),
    ([stock(100), o(P, 1, 580)], N.PROTECTIVE_PUT, "Protective put 580 Dec 19"),
    ([stock(100), o(P, 1, 585), o(C, -1, 615)], N.COLLAR, "Collar 585/615 Dec 19"),
    ([stock(300)], N.LONG_STOCK, "Long stock (300 sh)"),
]  # fmt: skip


@pytest.mark.parametrize(("legs", "name", "label"), NAMED, ids=[n[2] for n in NAMED])
def test_every_structure_in_every_leg_order(legs: list[Leg], name: N, label: str) -> None:
    for order in itertools.permutations(legs):
        got = recognize(list(order))
        assert got.name is name
        assert got.label == label
        assert got.count == 1


def test_vertical_debit_credit_and_long_flag() -> None:
    bull_call = recognize([o(C, 1, 590, 14), o(C, -1, 610, 5)])
    assert bull_call.is_long is True and not bull_call.is_credit
    assert bull_call.premium_per_unit == pytest.approx(9.0)
    bull_put = recognize([o(P, 1, 580, 4), o(P, -1, 600, 9)])
    assert bull_put.is_long is False and bull_put.is_credit
    assert bull_put.premium_per_unit == pytest.approx(-5.0)


def test_multiples_and_split_lines_are_netted() -> None:
    two = recognize([o(P, 2, 580), o(P, -2, 585), o(C, -2, 610), o(C, 2, 615)])
    assert two.name is N.IRON_CONDOR and two.count == 2
    assert two.label == "2× Iron condor 580/585/610/615 Dec 19"
    # The body of a 1:2:1 entered as two separate -1 lines.
    fly = recognize([o(C, -1, 600), o(C, 1, 590), o(C, -1, 600), o(C, 1, 610)])
    assert fly.name is N.CALL_BUTTERFLY and fly.count == 1
    big = recognize([stock(200), o(C, -2, 610)])
    assert big.name is N.COVERED_CALL and big.count == 2


def test_cash_secured_put_rule() -> None:
    put = [o(P, -2, 580, 4.0)]
    assert recognize(put).name is N.SHORT_PUT
    assert recognize(put, cash_collateral=580 * 100 * 2 - 1).name is N.SHORT_PUT
    csp = recognize(put, cash_collateral=580 * 100 * 2)
    assert csp.name is N.CASH_SECURED_PUT
    assert csp.label == "2× Cash-secured put 580 Dec 19"


NEGATIVE: list[tuple[str, list[Leg]]] = [
    ("1x2 ratio call spread", [o(C, 1, 600), o(C, -2, 610)]),
    ("1:3:1 not a butterfly", [o(C, 1, 590), o(C, -3, 600), o(C, 1, 610)]),
    ("butterfly across expiries", [o(C, 1, 590), o(C, -2, 600), o(C, 1, 610, exp=JAN)]),
    ("mixed-right three legs", [o(C, 1, 590), o(P, -2, 600), o(C, 1, 610)]),
    ("guts (put above call)", [o(C, 1, 590), o(P, 1, 610)]),
    ("straddle with unequal sizes", [o(C, 1, 600), o(P, 2, 600)]),
    ("call + put opposite signs (synthetic)", [o(C, 1, 600), o(P, -1, 600)]),
    ("two long calls", [o(C, 1, 600), o(C, 1, 610)]),
    ("condor with wrong signs", [o(P, 1, 580), o(P, -1, 585), o(C, 1, 610), o(C, -1, 615)]),
    ("condor overlapping wings", [o(P, 1, 580), o(P, -1, 615), o(C, -1, 590), o(C, 1, 620)]),
    ("calendar with unequal sizes", [o(C, -1, 600), o(C, 2, 600, exp=JAN)]),
    ("covered call short on shares", [stock(50), o(C, -1, 610)]),
    ("covered call with long call", [stock(100), o(C, 1, 610)]),
    ("collar with put above call", [stock(100), o(P, 1, 620), o(C, -1, 600)]),
    ("short stock with short call", [stock(-100), o(C, -1, 610)]),
    ("five legs", [o(P, 1, 570), o(P, 1, 580), o(P, -1, 585), o(C, -1, 610), o(C, 1, 615)]),
]


@pytest.mark.parametrize(("why", "legs"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_near_misses_are_custom(why: str, legs: list[Leg]) -> None:
    got = recognize(legs)
    assert got.name is N.CUSTOM, why
    assert got.label.startswith("Custom (")


def test_legs_that_cancel_out() -> None:
    got = recognize([o(C, 1, 600), o(C, -1, 600)])
    assert got.name is N.CUSTOM
    # The cancelled pair does not hide a real structure next to it.
    got = recognize([o(C, 1, 600), o(C, -1, 600), o(P, 1, 590)])
    assert got.name is N.LONG_PUT


def test_format_strike() -> None:
    assert format_strike(580.0) == "580"
    assert format_strike(582.5) == "582.5"
    assert format_strike(0.25) == "0.25"


def test_leg_validation_messages() -> None:
    with pytest.raises(ZeroQuantityError, match="non-zero"):
        o(C, 0, 600)
    with pytest.raises(MissingStrikeError, match="needs a strike"):
        Leg(C, 1, None, DEC, 1.0, 0.2, "SPY")
    with pytest.raises(MissingExpirationError):
        Leg(P, 1, 600, None, 1.0, 0.2, "SPY")
    with pytest.raises(NonPositivePriceError, match="positive"):
        o(C, 1, 600, price=0.0)
    with pytest.raises(NonPositivePriceError):
        o(C, 1, 600, price=float("nan"))
    with pytest.raises(ValidationFailedError, match="strike must be positive"):
        o(C, 1, -5)
    with pytest.raises(ValidationFailedError, match="no strike or expiration"):
        Leg(S, 100, 600, None, 598.0, None, "SPY")
    with pytest.raises(ValidationFailedError, match="implied volatility"):
        Leg(C, 1, 600, DEC, 1.0, -0.1, "SPY")
    with pytest.raises(MixedUnderlyingsError):
        recognize([o(C, 1, 600), Leg(C, -1, 610, DEC, 1.0, 0.2, "QQQ")])
    assert ZeroQuantityError.status_code == 422


def test_leg_arrays() -> None:
    arr = LegArrays.from_legs([stock(100), o(C, -1, 610, 4.0, JAN), o(P, 2, 580, 3.0)])
    assert arr.units.tolist() == [100.0, -100.0, 200.0]
    assert arr.expirations == (DEC, JAN)
    assert arr.expiry_index.tolist() == [-1, 1, 0]
    assert not arr.single_expiry
    assert arr.entry_cost == pytest.approx(100 * 598 - 100 * 4 + 200 * 3)
    values = arr.intrinsic([570.0, 620.0])
    assert values.tolist() == [[570.0, 620.0], [0.0, 10.0], [10.0, 0.0]]
