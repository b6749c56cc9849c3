// Strategy templates for the position builder: one click puts a whole structure in the builder,
// centred at the money of the selected expiration, with widths from the chain's strike spacing
// and prices from the chain's quotes; every leg stays adjustable afterwards.
//
//   const legs = buildTemplate("iron_condor", { front: chain, back: laterChain, fill: "mid" });
//
// `front` (and `back`, the next listed expiration's chain, for calendars and diagonals) are
// bodies of GET /api/options/{symbol}/chain. A leg is the builder's {symbol, kind, strike,
// expiration, quantity (signed), entry_price, iv?}. `fill`: "mid" (the default) prices every
// leg at its mid; "natural" buys at the ask and sells at the bid. Pure: no DOM, no fetch.
//
// The width: about 1 % of the underlying price, rounded to whole strike steps (at least one):
// SPY at 704 with $1 strikes → $7; a $200 stock with $5 strikes → $5. Spreads, condors and
// butterflies use one width per wing; strangles and collars put their legs one width out.

import { isFiniteNumber } from "../kit/format.js";

/** The templates, in menu order: key (the structure the analysis recognises), menu label,
 *  whether the back month is needed. */
export const TEMPLATES = [
  { key: "bull_call_spread", label: "Bull call spread (debit)", group: "Verticals" },
  { key: "bear_put_spread", label: "Bear put spread (debit)", group: "Verticals" },
  { key: "bull_put_spread", label: "Bull put spread (credit)", group: "Verticals" },
  { key: "bear_call_spread", label: "Bear call spread (credit)", group: "Verticals" },
  { key: "iron_condor", label: "Iron condor", group: "Neutral" },
  { key: "call_butterfly", label: "Call butterfly", group: "Neutral" },
  { key: "long_straddle", label: "Long straddle", group: "Volatility" },
  { key: "short_straddle", label: "Short straddle", group: "Volatility" },
  { key: "long_strangle", label: "Long strangle", group: "Volatility" },
  { key: "short_strangle", label: "Short strangle", group: "Volatility" },
  { key: "calendar_spread", label: "Call calendar", group: "Time", back: true },
  { key: "diagonal_spread", label: "Call diagonal", group: "Time", back: true },
  { key: "covered_call", label: "Covered call", group: "With shares" },
  { key: "collar", label: "Collar", group: "With shares" },
];

const byKey = new Map(TEMPLATES.map((t) => [t.key, t]));
export const templateOf = (key) => byKey.get(key) || null;

const WIDTH_FRACTION = 0.01;
const SHARES_PER_CONTRACT = 100;

/** A contract worth putting in a template: a positive mid, or at least an ask. */
const priced = (q) => Boolean(q) && ((isFiniteNumber(q.mid) && q.mid > 0) || (isFiniteNumber(q.ask) && q.ask > 0));

/** The most common gap between neighbouring strikes among the ~12 nearest `spot` (dollars). */
export function strikeStep(rows, spot) {
  const near = rows
    .map((r) => r.strike)
    .filter(isFiniteNumber)
    .sort((a, b) => Math.abs(a - spot) - Math.abs(b - spot) || a - b)
    .slice(0, 12)
    .sort((a, b) => a - b);
  const counts = new Map();
  for (let i = 1; i < near.length; i++) {
    const gap = Math.round((near[i] - near[i - 1]) * 1e6) / 1e6;
    if (gap > 0) counts.set(gap, (counts.get(gap) || 0) + 1);
  }
  let best = null;
  for (const [gap, n] of counts) {
    if (!best || n > best[1] || (n === best[1] && gap < best[0])) best = [gap, n];
  }
  return best ? best[0] : 1;
}

/** A wing's width in dollars: ~1 % of `spot` in whole strike steps, at least one step. */
export function defaultWidth(step, spot) {
  return Math.max(1, Math.round((spot * WIDTH_FRACTION) / step)) * step;
}

/** The listed strike nearest `target` that has a priced `right` contract, strictly inside
 *  (`above`, `below`) when given; null when there is none. */
export function pickStrike(rows, target, right, { above = -Infinity, below = Infinity } = {}) {
  let best = null;
  for (const r of rows) {
    if (!(r.strike > above && r.strike < below) || !priced(r[right])) continue;
    const d = Math.abs(r.strike - target);
    if (!best || d < Math.abs(best.strike - target) - 1e-9) best = r;
  }
  return best ? best.strike : null;
}

/** The at-the-money strike: nearest the underlying price with both a call and a put priced. */
export function atmStrike(chain) {
  let best = null;
  for (const r of chain.strikes) {
    if (!priced(r.call) || !priced(r.put)) continue;
    if (best === null || Math.abs(r.strike - chain.underlying_price) < Math.abs(best - chain.underlying_price)) best = r.strike;
  }
  return best;
}

/** The price of one contract for a buy (quantity > 0) or a sell: mid, or the natural side. */
export function fillPrice(q, quantity, fill = "mid") {
  const side = quantity > 0 ? q.ask : q.bid;
  if (fill === "natural" && isFiniteNumber(side) && side > 0) return side;
  if (isFiniteNumber(q.mid) && q.mid > 0) return q.mid;
  return isFiniteNumber(q.ask) && q.ask > 0 ? q.ask : null;
}

class TemplateError extends Error {}

function optionLeg(chain, right, strike, quantity, fill) {
  const row = chain.strikes.find((r) => r.strike === strike);
  const q = row && row[right];
  const entry = q ? fillPrice(q, quantity, fill) : null;
  if (strike === null || !q || entry === null) {
    throw new TemplateError(`${chain.symbol} ${chain.expiration} has no priced ${right} to use here.`);
  }
  const leg = { symbol: chain.symbol, kind: right, strike, expiration: chain.expiration, quantity, entry_price: entry };
  if (isFiniteNumber(q.iv)) leg.iv = q.iv;
  return leg;
}

const shares = (chain) => ({
  symbol: chain.symbol, kind: "stock", strike: null, expiration: null,
  quantity: SHARES_PER_CONTRACT, entry_price: chain.underlying_price,
});

/**
 * The legs of template `key` on `front` (and `back` for calendars and diagonals). Throws an
 * Error with a message for the trader when the chain cannot hold it (no back month, no priced
 * strikes far enough out).
 */
export function buildTemplate(key, { front, back = null, fill = "mid", width = null } = {}) {
  const t = templateOf(key);
  if (!t) throw new TemplateError(`Unknown template "${key}".`);
  if (!front || !front.strikes?.length) throw new TemplateError("Load a chain first.");
  if (t.back && (!back || !back.strikes?.length)) {
    throw new TemplateError(`A ${t.label.toLowerCase()} needs a later expiration than ${front.expiration}; none is listed.`);
  }
  const rows = front.strikes;
  const atm = atmStrike(front);
  if (atm === null) throw new TemplateError(`${front.symbol} ${front.expiration} has no priced strike at the money.`);
  const w = width || defaultWidth(strikeStep(rows, front.underlying_price), front.underlying_price);
  const up = (right, from, n = 1) => pickStrike(rows, from + n * w, right, { above: from });
  const down = (right, from, n = 1) => pickStrike(rows, from - n * w, right, { below: from });
  const leg = (right, strike, qty) => optionLeg(front, right, strike, qty, fill);

  switch (key) {
    case "bull_call_spread":
      return [leg("call", atm, 1), leg("call", up("call", atm), -1)];
    case "bear_call_spread":
      return [leg("call", atm, -1), leg("call", up("call", atm), 1)];
    case "bull_put_spread":
      return [leg("put", down("put", atm), 1), leg("put", atm, -1)];
    case "bear_put_spread":
      return [leg("put", down("put", atm), -1), leg("put", atm, 1)];
    case "iron_condor": {
      const shortPut = down("put", atm);
      const shortCall = up("call", atm);
      const longPut = shortPut === null ? null : pickStrike(rows, shortPut - w, "put", { below: shortPut });
      const longCall = shortCall === null ? null : pickStrike(rows, shortCall + w, "call", { above: shortCall });
      return [leg("put", longPut, 1), leg("put", shortPut, -1), leg("call", shortCall, -1), leg("call", longCall, 1)];
    }
    case "call_butterfly": {
      const lower = down("call", atm);
      const upper = lower === null ? null : pickStrike(rows, 2 * atm - lower, "call", { above: atm });
      return [leg("call", lower, 1), leg("call", atm, -2), leg("call", upper, 1)];
    }
    case "long_straddle":
    case "short_straddle": {
      const q = key === "long_straddle" ? 1 : -1;
      return [leg("put", atm, q), leg("call", atm, q)];
    }
    case "long_strangle":
    case "short_strangle": {
      const q = key === "long_strangle" ? 1 : -1;
      return [leg("put", down("put", atm), q), leg("call", up("call", atm), q)];
    }
    case "calendar_spread": {
      const backStrike = pickStrike(back.strikes, atm, "call");
      return [leg("call", atm, -1), optionLeg(back, "call", backStrike, 1, fill)];
    }
    case "diagonal_spread": {
      const backStrike = pickStrike(back.strikes, atm, "call");
      const shortStrike = backStrike === null ? null : pickStrike(rows, backStrike + w, "call", { above: backStrike });
      return [leg("call", shortStrike, -1), optionLeg(back, "call", backStrike, 1, fill)];
    }
    case "covered_call":
      return [shares(front), leg("call", up("call", atm), -1)];
    case "collar":
      return [shares(front), leg("put", down("put", atm), 1), leg("call", up("call", atm), -1)];
    default:
      throw new TemplateError(`Unknown template "${key}".`);
  }
}

/** The expiration after `expiration` among the listed ones (GET .../expirations rows), or null. */
export function nextExpiration(listed, expiration) {
  const later = listed.map((e) => e.expiration).filter((e) => e > expiration).sort();
  return later[0] || null;
}
