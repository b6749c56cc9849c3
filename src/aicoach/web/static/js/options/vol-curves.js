// The data behind the volatility panels: the IV smile of this expiration and the next two, and
// the at-the-money IV term structure across the listed expirations. Each fetches the extra
// chains it needs (only the strikes it draws) and tolerates the ones that fail.

import { apiJson } from "../kit/api.js";
import { atmIv } from "./greeks-charts.js";

const TERM_POINTS = 12;
const SMILE_BAND = 0.15; // strikes within ±15 % of the price
const TERM_BAND = 0.03; // ATM IV only needs the strikes next to the price

const chainUrl = (symbol, expiration, spot, band) =>
  `/api/options/${encodeURIComponent(symbol)}/chain?expiration=${expiration}` +
  `&strike_min=${(spot * (1 - band)).toFixed(2)}&strike_max=${(spot * (1 + band)).toFixed(2)}`;

/** Smile curves for `chain` and the next two weekly/monthly `expirations` after it:
 *  [{expiration, spot, rows}] (rows within the band). */
export async function smileCurves(chain, expirations) {
  const later = expirations.filter((e) => e.expiration > chain.expiration && e.cycle !== "daily").slice(0, 2);
  const spot = chain.underlying_price;
  const others = await Promise.all(
    later.map((e) => apiJson(chainUrl(chain.symbol, e.expiration, spot, SMILE_BAND), { toastOnError: false }).catch(() => null)),
  );
  const [lo, hi] = [spot * (1 - SMILE_BAND), spot * (1 + SMILE_BAND)];
  return [chain, ...others.filter(Boolean)].map((x) => ({
    expiration: x.expiration,
    spot: x.underlying_price,
    rows: x.strikes.filter((r) => r.strike >= lo && r.strike <= hi),
  }));
}

/** ATM IV for up to TERM_POINTS expirations spread over `expirations` (monthlies kept):
 *  [{expiration, dte, iv}], IV an annual fraction. */
export async function termPoints(symbol, spot, expirations) {
  const step = Math.max(1, Math.ceil(expirations.length / TERM_POINTS));
  const chosen = expirations.filter((e, i) => i % step === 0 || e.is_monthly).slice(0, TERM_POINTS + 4);
  const points = await Promise.all(
    chosen.map(async (e) => {
      try {
        const ch = await apiJson(chainUrl(symbol, e.expiration, spot, TERM_BAND), { toastOnError: false });
        return { expiration: e.expiration, dte: e.days_to_expiry, iv: atmIv(ch.strikes, ch.underlying_price) };
      } catch {
        return null;
      }
    }),
  );
  return points.filter(Boolean);
}
