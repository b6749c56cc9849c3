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
  return html`<tr data-trade="${t.id}"><th scope="row" class="cstat-label">${label}</th>
    <td>${t.label}${t.closed_at ? html` <span class="muted small">${when(t.closed_at)}</span>` : ""}</td>
    <td class="num ${tone(t.net)}">${signedMoney(t.net)}</td></tr>`;
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
          <div class="cprice num ${tone(d.net)}" style="text-align: left">${signedMoney(d.net)}</div></div>
      </div>
      <div class="cstats">
        ${stat("Win rate", isFiniteNumber(d.win_rate) ? pctFromFraction(d.win_rate, 0) : "—")}
        ${stat("Profit factor", isFiniteNumber(d.profit_factor) ? num(d.profit_factor, 2) : "—", isFiniteNumber(d.profit_factor) ? (d.profit_factor >= 1 ? "up" : "down") : "")}
        ${stat("Expectancy", isFiniteNumber(d.expectancy) ? signedMoney(d.expectancy) : "—", tone(d.expectancy))}
      </div>
      ${d.best || d.worst ? html`<table class="table table-compact ctable"><caption class="sr-only">Best and worst trade</caption>
        <tbody>${extreme("Best", d.best)}${extreme("Worst", d.worst)}</tbody></table>` : ""}`;
  },
  open: (d) => ({ tab: "journal", detail: { filters: { ...(d.filters || {}) }, view: "trades" } }),
};
