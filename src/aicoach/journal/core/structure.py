"""A trade's structure: its strategy name, planned risk and a campaign's true breakeven.

Everything here is exact ``Decimal`` arithmetic on the payoff at expiry, which for options of
one expiration is piecewise linear in the underlying price ``S`` with kinks at the strikes::

    value(S) = Σ legs  q · m · intrinsic(S)      intrinsic = max(S − K, 0) call, max(K − S, 0) put,
                                                             S stock (m = 1)
    P&L(S)   = value(S) + cash                   cash = the premium cash (credit +, debit −)

so the extremes are at ``S = 0`` or a strike, or unbounded along the slope past the last strike
(``Σ call and stock units``). Floats are only used to *name* the structure, through
:func:`aicoach.options.core.strategies.recognize`.

**Planned risk** (dollars, the default R unit) = ``−min P&L(S)`` with ``cash`` = the opening
gross premium (costs excluded), for *defined-risk* structures only: options only, one
expiration, and for each right the long contracts cover the short ones (long options,
verticals, iron condors/butterflies, butterflies). E.g. a vertical: ``width · m · qty − credit``
or the debit; an iron condor: the wider wing ``· m · qty − credit``. A long calendar (same
strike and right, long the later expiry, equal size) risks its debit. Everything else — naked
shorts, stock, diagonals, anything custom — is ``None`` with the reason.

**True breakeven** of a campaign: the ``S`` where ``P&L(S) = 0`` at expiry of what is still
open, with ``cash`` = the campaign's cumulative net cash (every trade's fills and costs). Defined
for one option (short put: ``K − cash / (|q| · m)``), one vertical (the one crossing between
the strikes) and plain stock (``−cash / shares``); ``None`` with a reason for anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aicoach.journal.core.executions import Instrument
from aicoach.journal.core.lots import CENT, ZERO
from aicoach.journal.core.trades import Breakeven
from aicoach.marketdata.models import OptionRight
from aicoach.options.core.legs import InvalidLegError, Leg, LegKind
from aicoach.options.core.strategies import StrategyName, recognize

PRICE_QUANTUM = Decimal("0.0001")
_MIN_PRICE = 1e-6  # Leg needs a positive entry price; a fill at 0.00 only names the structure


@dataclass(frozen=True, slots=True)
class PositionLeg:
    """An instrument held in signed ``quantity`` units at ``price`` dollars per share."""

    instrument: Instrument
    quantity: Decimal
    price: Decimal


def name_structure(legs: Sequence[PositionLeg]) -> tuple[StrategyName, str, str | None]:
    """(name, label, problem): ``recognize`` on the legs; ``problem`` says why it was ``CUSTOM``
    without recognising (fractional option quantities, legs it refuses)."""
    stock = [leg for leg in legs if not leg.instrument.is_option]
    if len(stock) == len(legs) and len(legs) == 1:  # fractional shares are fine here
        q = legs[0].quantity
        name = StrategyName.LONG_STOCK if q > 0 else StrategyName.SHORT_STOCK
        return (
            name,
            f"{name.value.replace('_', ' ').capitalize()} ({abs(q).normalize():f} sh)",
            None,
        )
    if any(leg.quantity != leg.quantity.to_integral_value() for leg in legs):
        return StrategyName.CUSTOM, "Custom (fractional quantity)", "fractional quantity"
    try:
        got = recognize([_leg(leg) for leg in legs])
    except InvalidLegError as exc:
        return StrategyName.CUSTOM, "Custom", exc.message
    return got.name, got.label, None


def _leg(p: PositionLeg) -> Leg:
    ins = p.instrument
    price = max(float(p.price), _MIN_PRICE)
    if not ins.is_option:
        return Leg(LegKind.STOCK, int(p.quantity), None, None, price, None, ins.underlying)
    assert ins.strike is not None  # Instrument validated options
    kind = LegKind.CALL if ins.right is OptionRight.CALL else LegKind.PUT
    return Leg(
        kind,
        int(p.quantity),
        float(ins.strike),
        ins.expiration,
        price,
        None,
        ins.underlying,
        ins.multiplier,
    )


def _intrinsic(ins: Instrument, s: Decimal) -> Decimal:
    if not ins.is_option:
        return s
    assert ins.strike is not None
    if ins.right is OptionRight.CALL:
        return max(s - ins.strike, ZERO)
    return max(ins.strike - s, ZERO)


def expiry_value(legs: Sequence[PositionLeg], s: Decimal) -> Decimal:
    """``Σ q · m · intrinsic(S)`` dollars: the legs' value at expiry, the underlying at ``s``."""
    return sum(
        (leg.quantity * leg.instrument.multiplier * _intrinsic(leg.instrument, s) for leg in legs),
        ZERO,
    )


def _slope(legs: Sequence[PositionLeg]) -> Decimal:
    """dP&L/dS past the last strike: Σ units of calls and stock."""
    return sum(
        (
            leg.quantity * leg.instrument.multiplier
            for leg in legs
            if not leg.instrument.is_option or leg.instrument.right is OptionRight.CALL
        ),
        ZERO,
    )


def _nodes(legs: Sequence[PositionLeg]) -> list[Decimal]:
    strikes = {leg.instrument.strike for leg in legs if leg.instrument.strike is not None}
    return sorted({ZERO, *(k for k in strikes if k > 0)})


def planned_risk(legs: Sequence[PositionLeg], premium: Decimal) -> tuple[Decimal | None, str]:
    """(max loss in dollars rounded to the cent, or ``None``; the basis or the reason): see the
    module docstring. ``legs`` are the opening legs, ``premium`` the opening gross cash."""
    if not legs:
        return None, "no legs"
    if any(not leg.instrument.is_option for leg in legs):
        return None, "has a stock leg: risk is not defined by the structure"
    expirations = {leg.instrument.expiration for leg in legs}
    if len(expirations) > 1:
        return _calendar_risk(legs, premium)
    for right in OptionRight:
        units = [
            leg.quantity * leg.instrument.multiplier
            for leg in legs
            if leg.instrument.right is right
        ]
        long, short = (
            sum((u for u in units if u > 0), ZERO),
            -sum((u for u in units if u < 0), ZERO),
        )
        if short > long:
            return None, f"naked short {right.value}: undefined risk"
    worst = min(expiry_value(legs, s) + premium for s in _nodes(legs))
    if worst >= 0:
        return None, "no loss possible at expiry"
    return (-worst).quantize(CENT), "max loss at expiry"


def _calendar_risk(legs: Sequence[PositionLeg], premium: Decimal) -> tuple[Decimal | None, str]:
    if len(legs) == 2:
        a, b = sorted(legs, key=lambda leg: leg.instrument.expiration or date.min)
        same = (
            a.instrument.right is b.instrument.right and a.instrument.strike == b.instrument.strike
        )
        if same and a.quantity < 0 < b.quantity and a.quantity == -b.quantity and premium < 0:
            return (-premium).quantize(CENT), "long calendar: the debit"
    return None, "several expirations: max loss depends on the later legs' value"


def _kind(legs: Sequence[PositionLeg]) -> str | None:
    """``single``, ``vertical`` or ``stock`` when the breakeven is defined, else ``None``."""
    if len(legs) == 1:
        return "single" if legs[0].instrument.is_option else "stock"
    if len(legs) == 2 and all(leg.instrument.is_option for leg in legs):
        a, b = legs[0].instrument, legs[1].instrument
        if (
            a.right is b.right
            and a.expiration == b.expiration
            and a.strike != b.strike
            and legs[0].quantity == -legs[1].quantity
        ):
            return "vertical"
    return None


def breakeven(legs: Sequence[PositionLeg], cash: Decimal) -> Breakeven:
    """True breakeven at expiry of the open ``legs`` given the cumulative net ``cash`` (module
    docstring), dollars per share rounded to 4 decimals."""
    if not legs:
        return Breakeven(None, "nothing open: the campaign is closed")
    kind = _kind(legs)
    if kind is None:
        return Breakeven(None, "breakeven is only defined for one option, a vertical or stock")
    nodes = _nodes(legs)
    pnl = [expiry_value(legs, s) + cash for s in nodes]
    roots: list[Decimal] = []
    for i in range(len(nodes) - 1):
        a, b = pnl[i], pnl[i + 1]
        if a == 0:
            roots.append(nodes[i])
        elif (a < 0) != (b < 0) and b != 0:
            roots.append(nodes[i] + a / (a - b) * (nodes[i + 1] - nodes[i]))
    slope, last = _slope(legs), pnl[-1]
    if last == 0:
        roots.append(nodes[-1])
    elif slope != 0 and (last < 0) != (slope < 0):
        roots.append(nodes[-1] - last / slope)
    roots = [r for r in roots if r > 0]
    if not roots:
        sign = "profitable" if pnl[0] > 0 else "losing"
        return Breakeven(None, f"no breakeven above 0: {sign} at every price at expiry")
    return Breakeven(roots[0].quantize(PRICE_QUANTUM))
