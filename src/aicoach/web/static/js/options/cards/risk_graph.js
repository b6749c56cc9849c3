// risk_graph card: {title, prices:[...], expiry_pnl:[...], today_pnl:[...], breakevens:[...], spot,
// symbol?, position_ids?, legs?, expiration?}. P&L in dollars at each underlying price; drawn as
// a small inline SVG (profit area green, loss red, today's curve dashed, spot and breakevens
// marked). A click opens the Options tab (on its positions when the card names them).

import { positionSymbol } from "../../kit/cards.js";
import { html } from "../../kit/html.js";
import { isFiniteNumber, money, num } from "../../kit/format.js";

const W = 320;
const H = 130;
const PAD = { l: 4, r: 4, t: 8, b: 16 };
let seq = 0; // clip-path ids must be unique per page

/** SVG path through finite (x, y) points; gaps break the line. */
function path(xs, ys, sx, sy) {
  let d = "";
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!isFiniteNumber(xs[i]) || !isFiniteNumber(ys[i])) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(xs[i]).toFixed(1)},${sy(ys[i]).toFixed(1)}`;
    pen = true;
  }
  return d;
}

export function chart(d) {
  const xs = d.prices || [];
  const exp = d.expiry_pnl || [];
  const today = d.today_pnl || [];
  const finite = (a) => a.filter(isFiniteNumber);
  const fx = finite(xs);
  const fy = [...finite(exp), ...finite(today), 0];
  if (fx.length < 2) return "";
  const [x0, x1] = [Math.min(...fx), Math.max(...fx)];
  let [y0, y1] = [Math.min(...fy), Math.max(...fy)];
  const padY = (y1 - y0) * 0.08 || 1;
  y0 -= padY;
  y1 += padY;
  const sx = (x) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
  const sy = (y) => PAD.t + (1 - (y - y0) / (y1 - y0 || 1)) * (H - PAD.t - PAD.b);
  const zero = sy(0);
  const expPath = path(xs, exp, sx, sy);
  const area = expPath ? `${expPath}L${sx(x1).toFixed(1)},${zero.toFixed(1)}L${sx(x0).toFixed(1)},${zero.toFixed(1)}Z` : "";
  const marks = (d.breakevens || []).filter((b) => isFiniteNumber(b) && b >= x0 && b <= x1);
  const spot = isFiniteNumber(d.spot) && d.spot >= x0 && d.spot <= x1 ? d.spot : null;
  const id = ++seq;
  const label = `Profit and loss from ${num(x0)} to ${num(x1)}; at expiry between ${money(Math.min(...finite(exp)), 0)} and ${money(Math.max(...finite(exp)), 0)}`;
  return html`<svg class="rg" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${label}">
    <defs><clipPath id="rg-up-${id}"><rect x="0" y="0" width="${W}" height="${zero.toFixed(1)}"/></clipPath>
      <clipPath id="rg-dn-${id}"><rect x="0" y="${zero.toFixed(1)}" width="${W}" height="${(H - zero).toFixed(1)}"/></clipPath></defs>
    <path d="${area}" class="rg-area-up" clip-path="url(#rg-up-${id})"/>
    <path d="${area}" class="rg-area-dn" clip-path="url(#rg-dn-${id})"/>
    <line x1="0" x2="${W}" y1="${zero.toFixed(1)}" y2="${zero.toFixed(1)}" class="rg-zero"/>
    ${marks.map((b) => html`<line x1="${sx(b).toFixed(1)}" x2="${sx(b).toFixed(1)}" y1="${PAD.t}" y2="${H - PAD.b}" class="rg-be"/>`)}
    ${spot === null ? "" : html`<line x1="${sx(spot).toFixed(1)}" x2="${sx(spot).toFixed(1)}" y1="${PAD.t}" y2="${H - PAD.b}" class="rg-spot"/>`}
    <path d="${path(xs, today, sx, sy)}" class="rg-today"/>
    <path d="${expPath}" class="rg-exp"/>
    <text x="${PAD.l}" y="${H - 3}" class="rg-axis">${num(x0)}</text>
    <text x="${W - PAD.r}" y="${H - 3}" class="rg-axis" text-anchor="end">${num(x1)}</text>
    ${spot === null ? "" : html`<text x="${sx(spot).toFixed(1)}" y="${H - 3}" class="rg-axis rg-spot-label" text-anchor="middle">${num(spot)}</text>`}
  </svg>`;
}

export default {
  label: "Risk graph",
  title: (d) => d.title || positionSymbol(d) || "Position",
  render(d) {
    const be = (d.breakevens || []).filter(isFiniteNumber);
    return html`${chart(d)}
      <div class="rg-legend small">
        <span><i class="rg-key rg-key-exp"></i>At expiry</span>
        <span><i class="rg-key rg-key-today"></i>Today</span>
        ${isFiniteNumber(d.spot) ? html`<span><i class="rg-key rg-key-spot"></i>Spot ${num(d.spot)}</span>` : ""}
        ${be.length ? html`<span>Breakeven ${be.map((b) => num(b)).join(" / ")}</span>` : ""}
      </div>`;
  },
  open: (d) => ({
    tab: "options",
    detail: {
      symbol: positionSymbol(d),
      position_ids: d.position_ids || [],
      legs: (d.legs || []).filter((l) => l.kind), // buildable legs only, not display labels
      expiration: d.expiration || null,
    },
  }),
};
