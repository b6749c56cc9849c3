// equity_curve card: {points: [{t, equity}], max_drawdown, net, filters} — the cumulative
// realized net P&L (dollars, costs included) after each closed trade, `t` its close time (ISO),
// max_drawdown the deepest fall from a peak in dollars (≥ 0; null without trades). Drawn as an
// inline SVG (no chart library in the chat). A click opens the Journal tab's analytics on the
// card's filters.

import { stat } from "../../kit/cards.js";
import { nyDate } from "../../kit/dates.js";
import { html } from "../../kit/html.js";
import { isFiniteNumber, shortDate, signedMoney, tone } from "../../kit/format.js";

const W = 300;
const H = 84;

/** The curve from 0 through each point, with the zero line: SVG markup ("" under 1 point). */
export function curveSvg(points) {
  const ys = [0, ...(points || []).map((p) => p.equity).filter(isFiniteNumber)];
  if (ys.length < 2) return "";
  const lo = Math.min(0, ...ys);
  const hi = Math.max(0, ...ys);
  const span = hi - lo || 1;
  const x = (i) => (i / (ys.length - 1)) * (W - 2) + 1;
  const y = (v) => H - 2 - ((v - lo) / span) * (H - 4);
  const line = ys.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const zero = y(0).toFixed(1);
  const area = `1,${zero} ${line} ${x(ys.length - 1).toFixed(1)},${zero}`;
  const up = ys[ys.length - 1] >= 0;
  return html`<svg class="spark ${up ? "spark-up" : "spark-down"}" viewBox="0 0 ${W} ${H}" width="100%" height="${H}"
      preserveAspectRatio="none" role="img" aria-label="${`Equity curve over ${ys.length - 1} closed trades`}">
    <line x1="0" x2="${W}" y1="${zero}" y2="${zero}" stroke="currentColor" stroke-opacity="0.35" stroke-dasharray="3 3" vector-effect="non-scaling-stroke"/>
    <polygon points="${area}" fill="currentColor" fill-opacity="0.12"/>
    <polyline points="${line}" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>
  </svg>`;
}

export default {
  label: "Equity curve",
  title: (d) => {
    const pts = d.points || [];
    if (!pts.length) return "No closed trades";
    const a = shortDate(nyDate(new Date(pts[0].t)), { year: true });
    const b = shortDate(nyDate(new Date(pts[pts.length - 1].t)), { year: true });
    return a === b ? a : `${a} – ${b}`;
  },
  render(d) {
    const pts = d.points || [];
    if (!pts.length) return html`<p class="small muted">No closed trades to draw yet.</p>`;
    const dd = isFiniteNumber(d.max_drawdown) ? d.max_drawdown : null;
    return html`${curveSvg(pts)}
      <div class="cstats">
        ${stat("Net P&L", signedMoney(d.net), tone(d.net))}
        ${stat("Max drawdown", dd === null ? "—" : dd > 0 ? signedMoney(-dd) : "$0.00", dd ? "down" : "")}
        ${stat("Trades", String(pts.length))}
      </div>`;
  },
  open: (d) => ({ tab: "journal", detail: { filters: { ...(d.filters || {}) }, view: "analytics" } }),
};
