"""The leg model of an options position, and its array form for vectorised evaluation.

A position is a tuple of :class:`Leg`. Quantities are signed (``+`` long, ``-`` short) and
counted in the instrument's own unit: option legs in contracts of ``multiplier`` shares
(100 for US equity options), stock legs in shares. Prices are per share in the underlying's
currency, so a leg's dollar exposure is::

    units = quantity * multiplier   (options)        units = quantity   (stock)
    P&L   = units * (value_per_share - entry_price)

:class:`LegArrays` holds the same legs as parallel numpy arrays (one element per leg) so
payoffs and model values of all legs at many prices and dates are one broadcast expression.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from aicoach.errors import ValidationFailedError
from aicoach.options.core.pricing import BoolArray, FloatArray

DEFAULT_MULTIPLIER = 100
"""Shares per US equity/ETF option contract."""


class LegKind(StrEnum):
    STOCK = "stock"
    CALL = "call"
    PUT = "put"


class InvalidLegError(ValidationFailedError):
    """A leg that cannot describe a real position."""

    code = "invalid_leg"


class ZeroQuantityError(InvalidLegError):
    code = "leg_zero_quantity"


class MissingStrikeError(InvalidLegError):
    code = "leg_missing_strike"


class MissingExpirationError(InvalidLegError):
    code = "leg_missing_expiration"


class NonPositivePriceError(InvalidLegError):
    code = "leg_non_positive_price"


class EmptyPositionError(InvalidLegError):
    code = "position_empty"


class MixedUnderlyingsError(InvalidLegError):
    code = "position_mixed_underlyings"


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg: signed ``quantity`` of ``kind`` on ``underlying``, opened at ``entry_price``/share.

    Option legs need ``strike`` (> 0) and ``expiration``; stock legs must have neither.
    ``iv`` is the leg's implied volatility (annual, decimal: 0.20 = 20 %) or ``None`` when the
    caller has not got one yet. ``multiplier`` (shares per contract) only applies to options.
    """

    kind: LegKind
    quantity: int
    strike: float | None
    expiration: date | None
    entry_price: float
    iv: float | None
    underlying: str
    multiplier: int = DEFAULT_MULTIPLIER

    def __post_init__(self) -> None:
        what = f"{self.underlying} {self.kind.value} leg"
        if self.quantity == 0:
            raise ZeroQuantityError(f"{what}: quantity must be non-zero (+ long, - short)")
        if not math.isfinite(self.entry_price) or self.entry_price <= 0:
            raise NonPositivePriceError(
                f"{what}: entry price must be a positive number of dollars per share, "
                f"got {self.entry_price}"
            )
        if self.iv is not None and (not math.isfinite(self.iv) or self.iv <= 0):
            raise InvalidLegError(f"{what}: implied volatility must be > 0 (0.2 = 20 %), "
                                  f"got {self.iv}")  # fmt: skip
        if self.kind is LegKind.STOCK:
            if self.strike is not None or self.expiration is not None:
                raise InvalidLegError(f"{what}: a stock leg has no strike or expiration")
            return
        if self.strike is None:
            raise MissingStrikeError(f"{what}: an option leg needs a strike")
        if not math.isfinite(self.strike) or self.strike <= 0:
            raise InvalidLegError(f"{what}: strike must be positive, got {self.strike}")
        if self.expiration is None:
            raise MissingExpirationError(f"{what} {self.strike:g}: needs an expiration date")
        if self.multiplier <= 0:
            raise InvalidLegError(f"{what}: multiplier must be positive, got {self.multiplier}")

    @property
    def is_option(self) -> bool:
        return self.kind is not LegKind.STOCK

    @property
    def units(self) -> int:
        """Signed share count: ``quantity * multiplier`` (options), ``quantity`` (stock)."""
        return self.quantity * self.multiplier if self.is_option else self.quantity


def leg_shape_problem(is_stock: bool, strike: object, expiration: date | None) -> str | None:
    """Why a leg's ``strike``/``expiration`` do not fit its kind, or ``None`` when they do.

    A stock leg has neither, an option leg needs both. The message starts with the field to fix,
    as the request schemas of ``/api/options/analyze`` and ``/api/positions`` report it.
    """
    if is_stock:
        if strike is not None:
            return "strike: a stock leg has no strike"
        if expiration is not None:
            return "expiration: a stock leg has no expiration"
        return None
    if strike is None:
        return "strike: an option leg needs a strike"
    if expiration is None:
        return "expiration: an option leg needs an expiration"
    return None


def validate_position(legs: Sequence[Leg]) -> tuple[Leg, ...]:
    """Return ``legs`` as a tuple after checking they form one position on one underlying."""
    if not legs:
        raise EmptyPositionError("a position needs at least one leg")
    names = {leg.underlying for leg in legs}
    if len(names) > 1:
        raise MixedUnderlyingsError(
            f"legs of one position must share an underlying, got {', '.join(sorted(names))}"
        )
    return tuple(legs)


@dataclass(frozen=True, slots=True)
class LegArrays:
    """Parallel per-leg arrays (length ``n`` legs) of a validated position.

    ``strike`` is NaN and ``expiry_index`` is -1 for stock legs; ``expirations`` lists the
    distinct option expirations in ascending order and ``expiry_index`` points into it.
    """

    legs: tuple[Leg, ...]
    is_stock: BoolArray
    is_call: BoolArray
    strike: FloatArray
    units: FloatArray
    entry_price: FloatArray
    expiry_index: npt.NDArray[np.intp]
    expirations: tuple[date, ...]

    @classmethod
    def from_legs(cls, legs: Sequence[Leg]) -> LegArrays:
        position = validate_position(legs)
        expirations = tuple(sorted({leg.expiration for leg in position if leg.expiration}))
        where = {d: i for i, d in enumerate(expirations)}
        return cls(
            legs=position,
            is_stock=np.array([leg.kind is LegKind.STOCK for leg in position], dtype=bool),
            is_call=np.array([leg.kind is LegKind.CALL for leg in position], dtype=bool),
            strike=np.array([leg.strike if leg.strike is not None else np.nan for leg in position]),
            units=np.array([float(leg.units) for leg in position]),
            entry_price=np.array([leg.entry_price for leg in position]),
            expiry_index=np.array(
                [where[leg.expiration] if leg.expiration else -1 for leg in position],
                dtype=np.intp,
            ),
            expirations=expirations,
        )

    @property
    def n(self) -> int:
        return len(self.legs)

    @property
    def is_option(self) -> BoolArray:
        return ~self.is_stock

    @property
    def first_expiration(self) -> date | None:
        return self.expirations[0] if self.expirations else None

    @property
    def single_expiry(self) -> bool:
        """True when every option leg expires on the same day (stock legs never expire)."""
        return len(self.expirations) <= 1

    @property
    def entry_cost(self) -> float:
        """Net dollars paid to open (``> 0`` debit, ``< 0`` credit): ``sum(units * entry)``."""
        return float(np.sum(self.units * self.entry_price))

    def intrinsic(self, s: npt.ArrayLike) -> FloatArray:
        """Per-share value at expiry of every leg at spot(s) ``s``: shape ``(n,) + shape(s)``.

        Call ``max(S - K, 0)``, put ``max(K - S, 0)``, stock ``S``.
        """
        s_arr = np.asarray(s, dtype=np.float64)
        extra = (np.newaxis,) * s_arr.ndim
        k = self.strike[(slice(None), *extra)]
        call = self.is_call[(slice(None), *extra)]
        stock = self.is_stock[(slice(None), *extra)]
        with np.errstate(invalid="ignore"):
            opt = np.where(call, np.maximum(s_arr - k, 0.0), np.maximum(k - s_arr, 0.0))
        out: FloatArray = np.where(stock, s_arr, opt)
        return out
