// journal_summary card: {period_label, trades, win_rate, net, profit_factor, expectancy,
// best: {id, label, net, closed_at} | null, worst: {…} | null, filters}. Money in dollars
// (realized, costs included), win_rate a fraction (0.62 = 62 %), closed trades only. A null
// figure could not be computed (no trades, no losses for a profit factor): shown as "—".
// A click opens the Journal tab on the card's filters (its trades table).

import { stat } from "../../kit/cards.js";
import { nyDate } from "../../kit/dates.js";
import { html } from "../../kit/html.js";
import { isFiniteNumber, num, pctFromFraction, shortDate, signedMoney, tone } from "../../kit/format.js";

const when = (iso) => (iso && Number.isFinite(Date.parse(iso)) ? shortDate(nyDate(new Date(iso))) : "");

function extreme(label, t) {
  if (!t) return "";
  return html`<li data-trade="${t.id}"><span class="cstat-label">${label}</span>
    <span class="truncate" title="${t.label}">${t.label}${t.closed_at ? html` <span class="muted small">${when(t.closed_at)}</span>` : ""}</span>
    <b class="num ${tone(t.net)}">${signedMoney(t.net)}</b></li>`;
}

export default {
  label: "Journal",
  title: (d) => d.period_label || "Your trades",
  render(d) {
    const n = isFiniteNumber(d.trades) ? d.trades : 0;
    if (!n) {
      return html`<p class="small muted">No closed trades ${d.period_label ? html`in ${d.period_label}` : "yet"}.</p>`;
    }
    return html`<div class="pnl-top">
        <div><span class="cstat-label">Net P&amp;L · ${n} closed trade${n === 1 ? "" : "s"}</span>
          <div class="cprice num ${tone(d.net)}">${signedMoney(d.net)}</div></div>
      </div>
      <div class="cstats">
        ${stat("Win rate", isFiniteNumber(d.win_rate) ? pctFromFraction(d.win_rate, 0) : "—")}
        ${stat("Profit factor", isFiniteNumber(d.profit_factor) ? num(d.profit_factor, 2) : "—", isFiniteNumber(d.profit_factor) ? (d.profit_factor >= 1 ? "up" : "down") : "")}
        ${stat("Expectancy", isFiniteNumber(d.expectancy) ? signedMoney(d.expectancy) : "—", tone(d.expectancy))}
      </div>
      ${d.best || d.worst ? html`<ul class="pnl-list">${extreme("Best", d.best)}${extreme("Worst", d.worst)}</ul>` : ""}`;
  },
  open: (d) => ({ tab: "journal", detail: { filters: { ...(d.filters || {}) }, view: "trades" } }),
};
