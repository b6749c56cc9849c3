// position_summary card: {title, legs:[{label, quantity, price}], pnl_now, max_gain, max_loss,
// max_gain_unlimited, max_loss_unlimited, breakevens:[...], pop, greeks:{delta, gamma,
// theta_per_day, vega_per_vol_point}, position_ids, symbol?, expiration?}. Money in dollars
// per position (greeks.delta in shares); pop is the probability of profit already in percent
// (42.1 = 42.1 %, as the analyze_position tool sends it). A click opens the Options tab on the
// saved positions (or the symbol's chain).

import { positionSymbol, stat } from "../../kit/cards.js";
import { html } from "../../kit/html.js";
import { isFiniteNumber, money, num, pct, signedMoney, signedNum, tone } from "../../kit/format.js";

function bound(value, unlimited, cls) {
  if (unlimited) return html`<b class="num ${cls}">Unlimited</b>`;
  return html`<b class="num ${cls}">${money(value, 0)}</b>`;
}

/** What the Options tab needs to open this position (card legs without a kind are labels only). */
function optionsDetail(d) {
  return {
    symbol: positionSymbol(d),
    position_ids: d.position_ids || [],
    legs: (d.legs || []).filter((l) => l.kind),
    expiration: d.expiration || null,
  };
}

export default {
  label: "Position",
  title: (d) => d.title || positionSymbol(d) || "Position",
  render(d) {
    const legs = d.legs || [];
    const g = d.greeks || {};
    const pop = isFiniteNumber(d.pop) ? d.pop : null;
    return html`<div class="pos-top">
        <div><span class="cstat-label">P&amp;L now</span>
          <div class="cprice num ${tone(d.pnl_now)}">${signedMoney(d.pnl_now)}</div></div>
        ${pop === null ? "" : html`<div class="pop" role="img" aria-label="${`Probability of profit ${Math.round(pop)}%`}">
          <svg viewBox="0 0 36 36" width="40" height="40" aria-hidden="true"><circle cx="18" cy="18" r="15.9" class="pop-track"/>
          <circle cx="18" cy="18" r="15.9" class="pop-fill" stroke-dasharray="${`${pop.toFixed(1)} 100`}"/></svg>
          <span class="num">${pct(pop, 0)}</span><span class="cstat-label">POP</span></div>`}
      </div>
      ${legs.length ? html`<table class="table table-compact ctable"><thead><tr><th scope="col">Leg</th>
        <th scope="col" class="num">Qty</th><th scope="col" class="num">Price</th></tr></thead><tbody>
        ${legs.map((l) => html`<tr><td class="truncate" title="${l.label}">${l.label}</td>
          <td class="num ${tone(l.quantity)}">${signedNum(l.quantity, 0)}</td>
          <td class="num">${num(l.price)}</td></tr>`)}</tbody></table>` : ""}
      <div class="cstats">
        <div class="cstat"><span class="cstat-label">Max gain</span>${bound(d.max_gain, d.max_gain_unlimited, "up")}</div>
        <div class="cstat"><span class="cstat-label">Max loss</span>${bound(d.max_loss, d.max_loss_unlimited, "down")}</div>
        ${stat("Breakeven", (d.breakevens || []).length ? d.breakevens.map((b) => num(b)).join(" / ") : "—")}
      </div>
      <div class="cstats cstats-greeks">
        ${stat("Δ Delta", num(g.delta, 2))}${stat("Γ Gamma", num(g.gamma, 3))}
        ${stat("Θ /day", signedMoney(g.theta_per_day), tone(g.theta_per_day))}
        ${stat("Vega /pt", signedMoney(g.vega_per_vol_point))}
      </div>`;
  },
  open: (d) => ({ tab: "options", detail: optionsDetail(d) }),
};
