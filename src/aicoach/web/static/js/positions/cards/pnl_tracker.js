// pnl_tracker card: {total_pnl, positions:[{label, pnl}], sparkline:[numbers]} — dollars.
// A click opens the Options tab (the positions view).

import { sparkline } from "../../kit/cards.js";
import { html } from "../../kit/html.js";
import { signedMoney, tone } from "../../kit/format.js";

export default {
  label: "P&L",
  title: () => "Open positions",
  render(d) {
    const rows = d.positions || [];
    const worst = Math.max(1, ...rows.map((p) => Math.abs(p.pnl || 0)));
    return html`<div class="pnl-top">
        <div><span class="cstat-label">Total P&amp;L</span>
          <div class="cprice num ${tone(d.total_pnl)}">${signedMoney(d.total_pnl)}</div></div>
        ${sparkline(d.sparkline, { width: 140, height: 34, label: "P&L over time" })}
      </div>
      ${rows.length ? html`<ul class="pnl-list">${rows.map((p) => html`<li>
          <span class="truncate" title="${p.label}">${p.label}</span>
          <span class="pnl-bar ${tone(p.pnl)}" style="--w:${((Math.abs(p.pnl || 0) / worst) * 100).toFixed(0)}%"></span>
          <b class="num ${tone(p.pnl)}">${signedMoney(p.pnl)}</b></li>`)}</ul>`
        : html`<p class="small muted">No open positions.</p>`}`;
  },
  open: (d) => ({
    tab: "options",
    detail: {
      symbol: "",
      position_ids: (d.positions || []).map((p) => p.id ?? p.position_id).filter((id) => id != null),
      legs: [],
      expiration: null,
    },
  }),
};
