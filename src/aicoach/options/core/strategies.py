"""Recognise and name the structure of a set of legs opened together.

Legs are first netted: legs with the same kind, strike, expiration and multiplier are summed (so a
1:2:1 butterfly entered as four lines with the body twice is still a butterfly) and legs that net
to zero are dropped. The option quantities are divided by their greatest common divisor ``count``;
the structure is then matched on the reduced ratios, so a 2:4:2 butterfly is ``count = 2`` of a
1:2:1 butterfly while a 1:3:2 is ``CUSTOM``. Leg order never matters.

Rules, all legs on one underlying (``r`` = reduced signed ratio):

* one option: long/short call/put. A lone short put is ``SHORT_PUT`` unless the caller states the
  cash set aside for it and that cash covers assignment, ``cash_collateral >= K * multiplier * n``
  (dollars); then it is ``CASH_SECURED_PUT``. A broker flag maps onto this by passing the cash
  the broker holds against the put.
* two options, same expiry: same right with ``r = +1/-1`` is a vertical (call: long the lower
  strike = bull call (debit), short the lower = bear call (credit); put: long the higher = bear
  put (debit), short the higher = bull put (credit)); a call and a put with the same sign and
  ``|r| = 1`` are a straddle (same strike) or strangle (put strike below call strike).
* two options, two expiries, same right, ``r = +1/-1``: calendar (same strike) or diagonal.
* three options of one right and expiry, strikes ``K1 < K2 < K3`` with ``r = (1, -2, 1)`` (long)
  or ``(-1, 2, -1)`` (short): butterfly; ``broken_wing`` when ``K2 - K1 != K3 - K2``.
* four options of one expiry, puts ``P1 < P2`` and calls ``C1 < C2`` with ``P2 <= C1`` and
  ``r = (+1, -1, -1, +1)``: iron condor (``P2 < C1``) or iron butterfly (``P2 = C1``); the
  opposite signs are the "reverse" (long) versions, same name.
* long stock of ``n * multiplier`` shares with options of one expiry: ``-n`` calls = covered
  call, ``+n`` puts = protective put, ``+n`` puts and ``-n`` calls (put strike below call
  strike) = collar. Stock alone is long/short stock.
* anything else: ``CUSTOM``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from aicoach.options.core.legs import Leg, LegKind, validate_position


class StrategyName(StrEnum):
    LONG_STOCK = "long_stock"
    SHORT_STOCK = "short_stock"
    LONG_CALL = "long_call"
    SHORT_CALL = "short_call"
    LONG_PUT = "long_put"
    SHORT_PUT = "short_put"
    CASH_SECURED_PUT = "cash_secured_put"
    BULL_CALL_SPREAD = "bull_call_spread"
    BEAR_CALL_SPREAD = "bear_call_spread"
    BULL_PUT_SPREAD = "bull_put_spread"
    BEAR_PUT_SPREAD = "bear_put_spread"
    LONG_STRADDLE = "long_straddle"
    SHORT_STRADDLE = "short_straddle"
    LONG_STRANGLE = "long_strangle"
    SHORT_STRANGLE = "short_strangle"
    CALENDAR_SPREAD = "calendar_spread"
    DIAGONAL_SPREAD = "diagonal_spread"
    CALL_BUTTERFLY = "call_butterfly"
    PUT_BUTTERFLY = "put_butterfly"
    IRON_CONDOR = "iron_condor"
    IRON_BUTTERFLY = "iron_butterfly"
    COVERED_CALL = "covered_call"
    PROTECTIVE_PUT = "protective_put"
    COLLAR = "collar"
    CUSTOM = "custom"


_TITLES: dict[StrategyName, str] = {
    StrategyName.CASH_SECURED_PUT: "Cash-secured put",
    StrategyName.CALENDAR_SPREAD: "calendar",
    StrategyName.DIAGONAL_SPREAD: "diagonal",
}


@dataclass(frozen=True, slots=True)
class _Net:
    kind: LegKind
    strike: float
    expiration: date
    quantity: int
    multiplier: int


@dataclass(frozen=True, slots=True)
class StrategyRecognition:
    """What the legs are: ``name`` (closed set), ``label`` for people, and the facts behind it.

    ``count`` is how many units of the structure (the GCD of the netted quantities);
    ``premium_per_unit`` is the option premium per share of one unit, ``> 0`` paid (debit),
    ``< 0`` received (credit); ``is_long`` says the long (debit-paying) variant where that
    distinction exists (``None`` otherwise).
    """

    name: StrategyName
    label: str
    underlying: str
    count: int
    strikes: tuple[float, ...]
    expirations: tuple[date, ...]
    premium_per_unit: float
    is_credit: bool
    is_long: bool | None
    broken_wing: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name.value,
            "label": self.label,
            "underlying": self.underlying,
            "count": self.count,
            "strikes": list(self.strikes),
            "expirations": [d.isoformat() for d in self.expirations],
            "premium_per_unit": self.premium_per_unit,
            "is_credit": self.is_credit,
            "is_long": self.is_long,
            "broken_wing": self.broken_wing,
        }


def format_strike(k: float) -> str:
    """``580`` for whole strikes, ``582.5`` otherwise (no trailing zeros)."""
    return f"{k:.0f}" if float(k).is_integer() else f"{k:.4f}".rstrip("0").rstrip(".")


def format_expiry(d: date) -> str:
    """``Dec 19`` (month abbreviation and day, no leading zero)."""
    return f"{d:%b} {d.day}"


def _net(legs: Sequence[Leg]) -> tuple[list[_Net], int]:
    """Sum option legs by (kind, strike, expiry, multiplier) and stock shares; drop zeros."""
    totals: dict[tuple[LegKind, float, date, int], int] = {}
    shares = 0
    for leg in legs:
        if leg.kind is LegKind.STOCK:
            shares += leg.quantity
            continue
        assert leg.strike is not None  # Leg validated option legs
        assert leg.expiration is not None
        key = (leg.kind, leg.strike, leg.expiration, leg.multiplier)
        totals[key] = totals.get(key, 0) + leg.quantity
    nets = [_Net(k, s, e, q, m) for (k, s, e, m), q in totals.items() if q != 0]
    nets.sort(key=lambda n: (n.expiration, n.strike, n.kind.value))
    return nets, shares


def recognize(legs: Sequence[Leg], *, cash_collateral: float | None = None) -> StrategyRecognition:
    """Name the structure formed by ``legs`` (see the module docstring for every rule).

    ``cash_collateral`` is the cash (dollars) the account holds against a lone short put.
    """
    position = validate_position(legs)
    nets, shares = _net(position)
    premium = sum(leg.units * leg.entry_price for leg in position if leg.is_option)
    count = math.gcd(*(abs(n.quantity) for n in nets)) if nets else max(abs(shares), 1)
    strikes = tuple(sorted({n.strike for n in nets}))
    expirations = tuple(sorted({n.expiration for n in nets}))
    mult = nets[0].multiplier if nets else 1
    per_unit = premium / (count * mult) if nets else 0.0

    def result(name: StrategyName, label: str, *, is_long: bool | None = None,
               broken: bool = False, n: int = count) -> StrategyRecognition:  # fmt: skip
        prefix = f"{n}× " if n > 1 and nets else ""
        return StrategyRecognition(
            name=name, label=prefix + label, underlying=position[0].underlying, count=n,
            strikes=strikes, expirations=expirations, premium_per_unit=per_unit,
            is_credit=premium < 0, is_long=is_long, broken_wing=broken,
        )  # fmt: skip

    if len({n.multiplier for n in nets}) > 1:
        return result(StrategyName.CUSTOM, _custom_label(nets, shares))
    if not nets:
        if shares == 0:
            return result(StrategyName.CUSTOM, "Closed (legs net to zero)")
        name = StrategyName.LONG_STOCK if shares > 0 else StrategyName.SHORT_STOCK
        label = f"{name.value.replace('_', ' ').capitalize()} ({abs(shares)} sh)"
        return result(name, label, is_long=shares > 0, n=1)
    if shares:
        return _with_stock(nets, shares, result)
    found = _options_only(nets, count, position, cash_collateral)
    if found is None:
        return result(StrategyName.CUSTOM, _custom_label(nets, shares))
    name, label, is_long, broken = found
    return result(name, label, is_long=is_long, broken=broken)


_Match = tuple[StrategyName, str, bool | None, bool]


def _strikes(*ks: float) -> str:
    return "/".join(format_strike(k) for k in ks)


def _options_only(
    nets: list[_Net], count: int, legs: Sequence[Leg], cash: float | None
) -> _Match | None:
    r = [n.quantity // count for n in nets]
    exps = sorted({n.expiration for n in nets})
    when = "/".join(format_expiry(e) for e in exps)
    if len(nets) == 1:
        (a,) = nets
        long = a.quantity > 0
        if a.kind is LegKind.CALL:
            name = StrategyName.LONG_CALL if long else StrategyName.SHORT_CALL
        elif long:
            name = StrategyName.LONG_PUT
        else:
            covered = cash is not None and cash >= a.strike * a.multiplier * abs(a.quantity)
            name = StrategyName.CASH_SECURED_PUT if covered else StrategyName.SHORT_PUT
        title = _TITLES.get(name, name.value.replace("_", " ").capitalize())
        return name, f"{title} {format_strike(a.strike)} {when}", long, False
    if len(nets) == 2:
        return _two(nets[0], nets[1], r, when)
    if len(nets) == 3 and len(exps) == 1 and len({n.kind for n in nets}) == 1:
        lo, mid, hi = nets  # sorted by strike within one expiry
        if r in ([1, -2, 1], [-1, 2, -1]):
            call = lo.kind is LegKind.CALL
            name = StrategyName.CALL_BUTTERFLY if call else StrategyName.PUT_BUTTERFLY
            broken = not math.isclose(mid.strike - lo.strike, hi.strike - mid.strike)
            long = r[0] > 0
            title = ("Long " if long else "Short ") + ("broken-wing " if broken else "")
            title += ("call" if call else "put") + " butterfly"
            label = f"{title} {_strikes(lo.strike, mid.strike, hi.strike)} {when}"
            return name, label, long, broken
    if len(nets) == 4 and len(exps) == 1:
        puts = [n for n in nets if n.kind is LegKind.PUT]
        calls = [n for n in nets if n.kind is LegKind.CALL]
        if len(puts) == 2 and len(calls) == 2 and puts[1].strike <= calls[0].strike:
            signs = [n.quantity // count for n in (*puts, *calls)]
            if signs in ([1, -1, -1, 1], [-1, 1, 1, -1]):
                short = signs[0] > 0  # short body, long wings: the usual credit version
                ks: tuple[float, ...] = (puts[0].strike, puts[1].strike, calls[0].strike,
                                         calls[1].strike)  # fmt: skip
                if puts[1].strike == calls[0].strike:
                    name, title = StrategyName.IRON_BUTTERFLY, "Iron butterfly"
                    ks = (ks[0], ks[1], ks[3])
                else:
                    name, title = StrategyName.IRON_CONDOR, "Iron condor"
                title = title if short else "Reverse " + title.lower()
                return name, f"{title} {_strikes(*ks)} {when}", not short, False
    return None


def _two(a: _Net, b: _Net, r: list[int], when: str) -> _Match | None:
    if a.expiration == b.expiration:
        if a.kind is b.kind and sorted(r) == [-1, 1]:
            lo_long = a.quantity > 0  # a has the lower strike
            is_call = a.kind is LegKind.CALL
            bull = lo_long  # long the lower strike profits from a rise, for calls and puts
            name = {
                (True, True): StrategyName.BULL_CALL_SPREAD,
                (True, False): StrategyName.BEAR_CALL_SPREAD,
                (False, True): StrategyName.BULL_PUT_SPREAD,
                (False, False): StrategyName.BEAR_PUT_SPREAD,
            }[(is_call, bull)]
            debit = bull == is_call  # bull call and bear put pay for the nearer-the-money leg
            label = f"{name.value.replace('_', ' ').capitalize()} "
            return name, f"{label}{_strikes(a.strike, b.strike)} {when}", debit, False
        if a.kind is not b.kind and r[0] == r[1] and abs(r[0]) == 1:
            long = r[0] > 0
            put, call = (a, b) if a.kind is LegKind.PUT else (b, a)
            side = "Long" if long else "Short"
            if put.strike == call.strike:
                name = StrategyName.LONG_STRADDLE if long else StrategyName.SHORT_STRADDLE
                return name, f"{side} straddle {format_strike(put.strike)} {when}", long, False
            if put.strike < call.strike:
                name = StrategyName.LONG_STRANGLE if long else StrategyName.SHORT_STRANGLE
                label = f"{side} strangle {_strikes(put.strike, call.strike)} {when}"
                return name, label, long, False
        return None
    if a.kind is b.kind and sorted(r) == [-1, 1]:
        front, back = a, b  # sorted by expiration
        long = back.quantity > 0  # long the far month: the usual debit calendar/diagonal
        right = a.kind.value
        side = "" if long else "Short "
        if front.strike == back.strike:
            title = f"{side}{right} calendar".capitalize()
            label = f"{title} {format_strike(a.strike)} {when}"
            return StrategyName.CALENDAR_SPREAD, label, long, False
        title = f"{side}{right} diagonal".capitalize()
        label = f"{title} {_strikes(front.strike, back.strike)} {when}"
        return StrategyName.DIAGONAL_SPREAD, label, long, False
    return None


def _with_stock(nets: list[_Net], shares: int, result: _ResultFn) -> StrategyRecognition:
    mult = nets[0].multiplier
    one_expiry = len({n.expiration for n in nets}) == 1
    if shares > 0 and shares % mult == 0 and one_expiry:
        n = shares // mult
        when = format_expiry(nets[0].expiration)
        calls = [x for x in nets if x.kind is LegKind.CALL]
        puts = [x for x in nets if x.kind is LegKind.PUT]
        if len(nets) == 1 and calls and calls[0].quantity == -n:
            label = f"Covered call {format_strike(calls[0].strike)} {when}"
            return result(StrategyName.COVERED_CALL, label, is_long=True, n=n)
        if len(nets) == 1 and puts and puts[0].quantity == n:
            label = f"Protective put {format_strike(puts[0].strike)} {when}"
            return result(StrategyName.PROTECTIVE_PUT, label, is_long=True, n=n)
        if (len(calls) == 1 and len(puts) == 1 and calls[0].quantity == -n
                and puts[0].quantity == n and puts[0].strike < calls[0].strike):  # fmt: skip
            label = f"Collar {_strikes(puts[0].strike, calls[0].strike)} {when}"
            return result(StrategyName.COLLAR, label, is_long=True, n=n)
    return result(StrategyName.CUSTOM, _custom_label(nets, shares), n=1)


def _custom_label(nets: list[_Net], shares: int) -> str:
    parts = [
        f"{n.quantity:+d} {format_strike(n.strike)}{n.kind.value[0].upper()} "
        f"{format_expiry(n.expiration)}"
        for n in nets
    ]
    if shares:
        parts.insert(0, f"{shares:+d} sh")
    return f"Custom ({len(parts)} legs: {', '.join(parts)})"


class _ResultFn(Protocol):
    """The signature of :func:`recognize`'s inner ``result`` builder."""

    def __call__(self, name: StrategyName, label: str, *, is_long: bool | None = ...,
                 broken: bool = ..., n: int = ...) -> StrategyRecognition: ...  # fmt: skip
