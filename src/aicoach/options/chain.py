"""Option chains with implied volatility and Greeks: the computation and the service around it.

**Computation** (:func:`compute_chain`, no I/O). For every contract of one expiration at once:

* ``mid = (bid + ask) / 2`` where both sides are quoted, ``ask >= bid`` and ``ask > 0``
  (dollars per share);
* the **model** follows the root's exercise style (:mod:`aicoach.options.core.exercise`):
  American-style roots (stocks, ETFs: SPY, QQQ, AAPL, ...) are priced by the Bjerksund-Stensland
  (2002) formula (:mod:`aicoach.options.core.bjerksund`), European-style ones (SPX, NDX, RUT,
  VIX and their weeklies) by Black-Scholes-Merton. An American contract whose early exercise
  cannot pay (a call when ``q <= 0``) is worth its European twin and is labelled
  ``bsm-european``; every contract names its model, the chain names the style's model;
* ``iv`` solves ``model(is_call, S, K, t, r, q, iv) = mid`` for the whole chain at once
  (:func:`~aicoach.options.core.american_iv.american_implied_vol` or
  :func:`~aicoach.options.core.iv.implied_vol`), where ``S`` is the chain's underlying price,
  ``t`` the years (ACT/365, seconds) from the chain's ``as_of`` to the exchange close of the
  expiration session, ``r`` the risk-free rate from settings and ``q`` the symbol's continuous
  dividend yield (both annual, decimal). A mid below intrinsic (American: below
  ``max(intrinsic, riskless exercise value)``), at it, or above the no-arbitrage bound has no
  IV, and says so;
* Greeks of the same model at that IV: delta (per $1 of spot), gamma (delta per $1), theta per
  calendar day (dollars per share), vega per vol point (dollars per share per +1 IV point).
  American Greeks are finite differences of the formula (theta: the change over one calendar
  day), European ones BSM's closed forms (theta: the instantaneous rate, per day).

A contract with no bid (``bid <= 0``) gets a mid but no IV: half the ask of an unbid wing says
nothing reliable about volatility. Where the provider supplies IV and Greeks
(``greeks_from_provider``), its values are kept and labelled ``provider``; a Greek it left out is
computed at its IV. Every contract ends with ``greeks_source`` = ``provider`` | ``computed`` |
``unavailable`` and, when unavailable, a short ``unavailable_reason``. A bad row never breaks the
chain; NaN never reaches JSON (:func:`finite_or_none`).

Moneyness: ``k_over_s = K / S``; the listed strike nearest the underlying price is ``ATM`` for
both rights (ties: both strikes); otherwise a call is ``ITM`` when ``K < S`` and a put when
``K > S``, else ``OTM``.

**Service** (:class:`ChainService`): validates the expiration against the provider's list
(expired → 422, unknown → 404, both naming the nearest listed ones), fetches the chain and the
symbol, computes, and caches the result per ``(symbol, expiration, chain as_of, spot, stale, r,
q)`` so repeated reads of a chain the market-data cache still holds cost a dictionary lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from aicoach.kit.clock import NEW_YORK, Clock, system_clock
from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.models import OptionChain, OptionQuote, OptionRight
from aicoach.marketdata.service import MarketDataService, normalize_symbol
from aicoach.observability.cache_metrics import CacheMeter
from aicoach.options.core.american import PricingModel
from aicoach.options.core.american_iv import american_iv_and_greeks
from aicoach.options.core.bjerksund import bjerksund_stensland_greeks, exercise_can_pay
from aicoach.options.core.exercise import ExerciseStyle, chain_model, exercise_style
from aicoach.options.core.expiry import t_years
from aicoach.options.core.iv import IVFailure, implied_vol
from aicoach.options.core.payoff import finite_or_none
from aicoach.options.core.pricing import BoolArray, FloatArray, bsm_price_and_greeks
from aicoach.options.errors import ExpirationExpiredError, ExpirationNotListedError

_METER = CacheMeter("option_chains")
_CACHE_ENTRIES: Final = 256
_NEAREST: Final = 3

_IV_REASONS: Final[dict[str, str]] = {
    IVFailure.BELOW_INTRINSIC.value: "below intrinsic",
    IVFailure.NO_TIME_VALUE.value: "no time value (mid at intrinsic)",
    IVFailure.ABOVE_UPPER_BOUND.value: "above the no-arbitrage upper bound",
    IVFailure.NOT_CONVERGED.value: "IV did not converge",
    IVFailure.INVALID_INPUT.value: "invalid input",
}


class GreeksSource(StrEnum):
    PROVIDER = "provider"
    COMPUTED = "computed"
    UNAVAILABLE = "unavailable"


class Moneyness(StrEnum):
    ITM = "ITM"
    ATM = "ATM"
    OTM = "OTM"


class ExpirationCycle(StrEnum):
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class ChainTable:
    """One expiration's contracts with per-contract arrays (same order as ``contracts``).

    Prices in dollars per share; ``iv`` annual decimal; Greeks per share in the units of
    :mod:`aicoach.options.core.pricing` (theta per calendar day, vega per vol point). NaN marks
    "not available"; ``reason[i]`` says why (``None`` when available). ``model`` is the chain's
    (its exercise style's) model, ``models[i]`` the one that priced contract ``i``.
    """

    symbol: str
    expiration: date
    expiration_close: datetime
    underlying_price: float
    as_of: datetime
    source: str
    stale: bool
    r: float
    q: float
    t_years: float
    contracts: tuple[OptionQuote, ...]
    mid: FloatArray
    iv: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta_per_day: FloatArray
    vega_per_vol_point: FloatArray
    greeks_source: tuple[GreeksSource, ...]
    reason: tuple[str | None, ...]
    moneyness: tuple[Moneyness, ...]
    exercise_style: ExerciseStyle
    model: PricingModel
    models: tuple[PricingModel, ...]
    _index: dict[tuple[float, OptionRight], int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for i, c in enumerate(self.contracts):
            self._index[(round(c.strike, 6), c.right)] = i

    @property
    def strikes(self) -> list[float]:
        """Distinct listed strikes, ascending (dollars)."""
        return sorted({c.strike for c in self.contracts})

    def find(self, strike: float, right: OptionRight) -> int | None:
        """Index of the contract with this strike and right, or ``None`` if it is not listed."""
        return self._index.get((round(strike, 6), right))

    def iv_of(self, strike: float, right: OptionRight) -> float | None:
        i = self.find(strike, right)
        return None if i is None else finite_or_none(float(self.iv[i]))

    def atm_iv(self) -> float | None:
        """Mean IV of the usable contracts at the listed strike nearest the underlying price."""
        usable = [(abs(c.strike - self.underlying_price), float(self.iv[i]))
                  for i, c in enumerate(self.contracts) if np.isfinite(self.iv[i])]  # fmt: skip
        if not usable:
            return None
        nearest = min(d for d, _ in usable)
        vols = [v for d, v in usable if d == nearest]
        return float(np.mean(vols))

    def days_to_expiry(self) -> int:
        """Calendar days from the New York date of ``as_of`` to the expiration date."""
        return (self.expiration - self.as_of.astimezone(NEW_YORK).date()).days


def _opt(values: list[float | None]) -> FloatArray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _moneyness(strike: FloatArray, is_call: BoolArray, spot: float) -> tuple[Moneyness, ...]:
    if strike.size == 0:
        return ()
    dist = np.abs(strike - spot)
    atm = np.isclose(dist, dist.min(), rtol=0.0, atol=1e-9)
    itm = np.where(is_call, strike < spot, strike > spot)
    labels = np.where(atm, Moneyness.ATM, np.where(itm, Moneyness.ITM, Moneyness.OTM))
    return tuple(Moneyness(x) for x in labels.tolist())


def compute_chain(
    chain: OptionChain,
    *,
    expiration_close: datetime,
    r: float,
    q: float,
    source: str,
    stale: bool,
    exercise: ExerciseStyle | None = None,
) -> ChainTable:
    """IV and Greeks for every contract of ``chain`` (see the module docstring).

    ``exercise`` defaults to the style of ``chain.underlying`` (:func:`exercise_style`).
    """
    cs = chain.contracts
    style = exercise if exercise is not None else exercise_style(chain.underlying)
    american = style is ExerciseStyle.AMERICAN
    s = float(chain.underlying_price)
    t = t_years(chain.as_of, expiration_close)
    strike = np.array([c.strike for c in cs], dtype=np.float64)
    is_call = np.array([c.right is OptionRight.CALL for c in cs], dtype=bool)
    bid, ask = _opt([c.bid for c in cs]), _opt([c.ask for c in cs])
    with np.errstate(invalid="ignore"):
        quoted = np.isfinite(bid) & np.isfinite(ask)
        crossed = quoted & (ask < bid)
        has_mid = quoted & ~crossed & (ask > 0) & (bid >= 0)
        mid = np.where(has_mid, 0.5 * (bid + ask), np.nan)
        solvable = has_mid & (bid > 0)
    n = len(cs)
    with np.errstate(invalid="ignore"):
        good_k = np.isfinite(strike) & (strike > 0)
    priceable = bool(np.isfinite(s) and s > 0)
    safe_k = np.where(good_k, strike, 1.0)  # placeholders keep the pricing inputs valid
    iv = np.full(n, np.nan)
    iv_reason: npt.NDArray[np.object_] = np.full(n, None, dtype=object)
    at_iv = None  # American Greeks at the solved IVs, from the solve's own last evaluation
    if n and t > 0 and priceable:
        quotes = np.where(solvable & good_k, mid, np.nan)
        if american:
            res, at_iv = american_iv_and_greeks(is_call, quotes, s, safe_k, t, r, q)
        else:
            res = implied_vol(is_call, quotes, s, safe_k, t, r, q)
        iv = np.where(solvable & good_k & res.ok, res.iv, np.nan)
        iv_reason = np.array([str(x) for x in res.reason.ravel()], dtype=object)
    # Provider values win where the provider gave an IV.
    prov = np.array([c.greeks_from_provider and c.iv is not None for c in cs], dtype=bool)
    sigma = np.where(prov, _opt([c.iv for c in cs]), iv)
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(sigma) & (sigma > 0) & good_k & priceable
    sigma = np.where(usable, sigma, np.nan)
    nan = np.full(n, np.nan)
    delta, gamma, theta, vega = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    if n and priceable and american:
        ag = at_iv if at_iv is not None and not np.any(prov) else (
            bjerksund_stensland_greeks(is_call, s, safe_k, t, r, q, sigma))  # fmt: skip
        delta, gamma = ag.delta.copy(), ag.gamma.copy()
        theta, vega = ag.theta_per_day.copy(), ag.vega_per_vol_point.copy()
    elif n and priceable:
        _, g = bsm_price_and_greeks(is_call, s, safe_k, t, r, q, sigma)
        delta, gamma = g.delta.copy(), g.gamma.copy()
        theta, vega = g.theta_per_day.copy(), g.vega_per_vol_point.copy()
    early = exercise_can_pay(is_call, r, q) if american else np.zeros(n, dtype=bool)
    row_models = tuple(PricingModel.BS2002_AMERICAN if e else PricingModel.BSM_EUROPEAN
                       for e in early.tolist())  # fmt: skip
    if np.any(prov):
        for name, arr in (("delta", delta), ("gamma", gamma), ("theta", theta), ("vega", vega)):
            given = _opt([getattr(c, name) for c in cs])
            take = prov & usable & np.isfinite(given)
            arr[take] = given[take]
    sources: list[GreeksSource] = []
    reasons: list[str | None] = []
    for i in range(n):
        if usable[i]:
            sources.append(GreeksSource.PROVIDER if prov[i] else GreeksSource.COMPUTED)
            reasons.append(None)
            continue
        sources.append(GreeksSource.UNAVAILABLE)
        if not quoted[i]:
            reasons.append("no bid/ask")
        elif crossed[i]:
            reasons.append("crossed quote (ask below bid)")
        elif not has_mid[i]:
            reasons.append("no bid/ask")
        elif not bid[i] > 0:
            reasons.append("no bid")
        elif t <= 0:
            reasons.append("expired")
        elif not (good_k[i] and priceable):
            reasons.append("invalid strike or underlying price")
        else:
            reasons.append(_IV_REASONS.get(str(iv_reason[i]), "IV unavailable"))
    return ChainTable(
        symbol=chain.underlying, expiration=chain.expiration, expiration_close=expiration_close,
        underlying_price=s, as_of=chain.as_of, source=source, stale=stale, r=r, q=q,
        t_years=t, contracts=cs, mid=mid, iv=sigma, delta=delta, gamma=gamma,
        theta_per_day=theta, vega_per_vol_point=vega, greeks_source=tuple(sources),
        reason=tuple(reasons), moneyness=_moneyness(strike, is_call, s), exercise_style=style,
        model=chain_model(style), models=row_models,
    )  # fmt: skip


def expiration_cycle(calendar: MarketCalendar, d: date) -> ExpirationCycle:
    """Monthly (standard third-Friday), weekly (the week's Friday session) or daily."""
    if calendar.is_monthly_expiration(d):
        return ExpirationCycle.MONTHLY
    if calendar.weekly_expiration(d) == d:
        return ExpirationCycle.WEEKLY
    return ExpirationCycle.DAILY


def nearest_expirations(listed: list[date], wanted: date, n: int = _NEAREST) -> list[date]:
    """The ``n`` listed expirations closest to ``wanted`` (ascending)."""
    return sorted(sorted(listed, key=lambda d: (abs((d - wanted).days), d))[:n])


@dataclass(frozen=True, slots=True)
class ExpirationInfo:
    expiration: date
    expiration_close: datetime
    days_to_expiry: int
    t_years: float
    cycle: ExpirationCycle


class ChainService:
    """Chains with IV and Greeks for routes, the CLI, analysis and the coach's tools."""

    def __init__(
        self, market: MarketDataService, risk_free_rate: float, *, clock: Clock = system_clock
    ) -> None:
        self.market = market
        self.r = risk_free_rate
        self._clock = clock
        self._cache: OrderedDict[tuple[object, ...], ChainTable] = OrderedDict()
        self.rendered: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        # Sessions' closes and cycles never change: computed once per date.
        self._closes: dict[date, tuple[datetime, ExpirationCycle]] = {}

    @property
    def calendar(self) -> MarketCalendar:
        return self.market.calendar

    def close_and_cycle(self, d: date) -> tuple[datetime, ExpirationCycle]:
        """The expiration session's close (UTC) and its cycle, memoised."""
        hit = self._closes.get(d)
        if hit is None:
            hit = (self.calendar.expiration_close(d), expiration_cycle(self.calendar, d))
            if len(self._closes) < 10_000:
                self._closes[d] = hit
        return hit

    async def expirations(self, symbol: str) -> tuple[list[ExpirationInfo], datetime, bool]:
        """Listed expirations that have not closed yet, with days and years left."""
        fetched = await self.market.expirations(symbol)
        now = self._clock()
        today = now.astimezone(NEW_YORK).date()
        out = []
        for d in sorted(fetched.value):
            close, cycle = self.close_and_cycle(d)
            if close <= now:
                continue
            out.append(ExpirationInfo(d, close, (d - today).days, t_years(now, close), cycle))
        return out, fetched.as_of, fetched.stale

    async def check_expiration(self, symbol: str, expiration: date, *, field: str = "") -> None:
        """Raise 422 when ``expiration`` has closed, 404 when it is not listed for ``symbol``."""
        sym = normalize_symbol(symbol)
        where = f"{field}: " if field else ""
        listed_now = (await self.market.expirations(sym)).value
        if expiration in listed_now and self.close_and_cycle(expiration)[0] > self._clock():
            return  # the fast path of every chain read
        listed = [e.expiration for e in (await self.expirations(sym))[0]]
        near = ", ".join(d.isoformat() for d in nearest_expirations(listed, expiration))
        hint = f" Nearest listed: {near}." if near else f" {sym} lists no expirations."
        now = self._clock()
        passed = expiration < now.astimezone(NEW_YORK).date() or (
            self.calendar.is_session(expiration)
            and self.calendar.expiration_close(expiration) <= now
        )
        if passed:
            raise ExpirationExpiredError(
                f"{where}{sym} {expiration.isoformat()} has already expired.{hint}"
            )
        raise ExpirationNotListedError(
            f"{where}{sym} has no listed expiration on {expiration.isoformat()}.{hint}"
        )

    async def chain(self, symbol: str, expiration: date) -> ChainTable:
        """The computed chain (cached per chain snapshot; see the module docstring)."""
        sym = normalize_symbol(symbol)
        await self.check_expiration(sym, expiration)
        fetched = await self.market.chain(sym, expiration)
        info = await self.market.symbol(sym)
        chain, q = fetched.value, float(info.value.dividend_yield)
        style = exercise_style(sym, info.value.kind)
        key = (sym, expiration, chain.as_of, chain.underlying_price, fetched.stale, self.r, q)
        hit = self._cache.get(key)
        if hit is not None:
            _METER.hit()
            self._cache.move_to_end(key)
            return hit
        _METER.miss()
        table = compute_chain(
            chain,
            expiration_close=self.close_and_cycle(expiration)[0],
            r=self.r,
            q=q,
            source=chain.source.value,
            stale=fetched.stale,
            exercise=style,
        )
        self._cache[key] = table
        if len(self._cache) > _CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return table

    def remember_rendered(self, key: tuple[object, ...], body: bytes) -> None:
        """Keep a serialised response for ``key`` (bounded like the table cache)."""
        self.rendered[key] = body
        if len(self.rendered) > _CACHE_ENTRIES:
            self.rendered.popitem(last=False)
