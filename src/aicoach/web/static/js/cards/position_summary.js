// position_summary card: {title, legs:[{label, quantity, price}], pnl_now, max_gain, max_loss,
// max_gain_unlimited, max_loss_unlimited, breakevens:[...], pop, greeks:{delta, gamma,
// theta_per_day, vega_per_vol_point}, position_ids, symbol?, expiration?}. Money in dollars
// per position; pop is a probability 0..1 (or percent when > 1). Click opens the Options tab.

import { direction, html, isFiniteNumber, money, num, stat } from "./kit.js";

/** First ticker-looking word of a leg label or title ("SPY 2026-01-16 600 C" → "SPY"). */
export function symbolOf(d) {
  if (d.symbol) return String(d.symbol).toUpperCase();
  const text = [d.title, ...(d.legs || []).map((l) => l.label)].join(" ");
  const m = /\b([A-Z]{1,5}(?:\.[A-Z])?)\b/.exec(text);
  return m ? m[1] : "";
}

export function popPercent(pop) {
  if (!isFiniteNumber(pop)) return null;
  return pop <= 1 ? pop * 100 : pop;
}

function bound(value, unlimited, tone) {
  if (unlimited) return html`<b class="num ${tone}">Unlimited</b>`;
  return html`<b class="num ${tone}">${money(value, { digits: 0 })}</b>`;
}

export default {
  label: "Position",
  title: (d) => d.title || symbolOf(d) || "Position",
  render(d) {
    const legs = d.legs || [];
    const g = d.greeks || {};
    const pop = popPercent(d.pop);
    return html`<div class="pos-top">
        <div><span class="cstat-label">P&amp;L now</span>
          <div class="cprice num ${direction(d.pnl_now)}">${money(d.pnl_now, { sign: true })}</div></div>
        ${pop === null ? "" : html`<div class="pop" role="img" aria-label="${`Probability of profit ${Math.round(pop)}%`}">
          <svg viewBox="0 0 36 36" width="40" height="40" aria-hidden="true"><circle cx="18" cy="18" r="15.9" class="pop-track"/>
          <circle cx="18" cy="18" r="15.9" class="pop-fill" stroke-dasharray="${`${pop.toFixed(1)} 100`}"/></svg>
          <span class="num">${Math.round(pop)}%</span><span class="cstat-label">POP</span></div>`}
      </div>
      ${legs.length ? html`<table class="table table-compact ctable"><thead><tr><th scope="col">Leg</th>
        <th scope="col" class="num">Qty</th><th scope="col" class="num">Price</th></tr></thead><tbody>
        ${legs.map((l) => html`<tr><td class="truncate" title="${l.label}">${l.label}</td>
          <td class="num ${direction(l.quantity)}">${l.quantity > 0 ? "+" : ""}${l.quantity}</td>
          <td class="num">${num(l.price)}</td></tr>`)}</tbody></table>` : ""}
      <div class="cstats">
        <div class="cstat"><span class="cstat-label">Max gain</span>${bound(d.max_gain, d.max_gain_unlimited, "up")}</div>
        <div class="cstat"><span class="cstat-label">Max loss</span>${bound(d.max_loss, d.max_loss_unlimited, "down")}</div>
        ${stat("Breakeven", (d.breakevens || []).length ? d.breakevens.map((b) => num(b)).join(" / ") : "—")}
      </div>
      <div class="cstats cstats-greeks">
        ${stat("Δ Delta", num(g.delta, 2))}${stat("Γ Gamma", num(g.gamma, 3))}
        ${stat("Θ /day", money(g.theta_per_day, { sign: true }), direction(g.theta_per_day))}
        ${stat("Vega /pt", money(g.vega_per_vol_point, { sign: true }))}
      </div>`;
  },
  open: (d) => ({
    event: "aicoach:open-options",
    detail: { symbol: symbolOf(d), position_ids: d.position_ids || [], legs: d.legs || [], expiration: d.expiration || null },
  }),
};
