// A position leg in words, the way the Options tab lists it: "Dec 18 700 call" / "SPY shares".
// A leg is {symbol, kind: "call" | "put" | "stock", strike, expiration ("YYYY-MM-DD"), ...}.

import { num, shortDate } from "../kit/format.js";

/** Whole strikes without decimals (700), others with two (102.50). */
export const strikeText = (k) => num(k, k % 1 ? 2 : 0);

/** "Dec 18 700 call"; a stock leg: "SPY shares". */
export function legText(leg) {
  if (leg.kind === "stock") return `${leg.symbol} shares`;
  return `${shortDate(leg.expiration)} ${strikeText(leg.strike)} ${leg.kind}`;
}

/** Legs as the positions and analyze APIs take them: strike and expiration for options only,
 *  the price rounded to what the server keeps (6 decimals). */
export function legsForApi(legs) {
  return legs.map((l) => {
    const out = { symbol: l.symbol, kind: l.kind, quantity: l.quantity, entry_price: Number(l.entry_price.toFixed(6)) };
    if (l.kind !== "stock") Object.assign(out, { strike: l.strike, expiration: l.expiration });
    return out;
  });
}
