// pnl_tracker card: {total_pnl, positions:[{label, pnl}], sparkline:[numbers]} — dollars.
// Click opens the Options tab (the positions view).

import { direction, html, money, sparkline } from "./kit.js";

export default {
  label: "P&L",
  title: () => "Open positions",
  render(d) {
    const rows = d.positions || [];
    const worst = Math.max(1, ...rows.map((p) => Math.abs(p.pnl || 0)));
    return html`<div class="pnl-top">
        <div><span class="cstat-label">Total P&amp;L</span>
          <div class="cprice num ${direction(d.total_pnl)}">${money(d.total_pnl, { sign: true })}</div></div>
        ${sparkline(d.sparkline, { width: 140, height: 34, label: "P&L over time" })}
      </div>
      ${rows.length ? html`<ul class="pnl-list">${rows.map((p) => html`<li>
          <span class="truncate" title="${p.label}">${p.label}</span>
          <span class="pnl-bar ${direction(p.pnl)}" style="--w:${((Math.abs(p.pnl || 0) / worst) * 100).toFixed(0)}%"></span>
          <b class="num ${direction(p.pnl)}">${money(p.pnl, { sign: true })}</b></li>`)}</ul>`
        : html`<p class="small muted">No open positions.</p>`}`;
  },
  open: (d) => ({
    event: "aicoach:open-options",
    detail: {
      symbol: "",
      position_ids: (d.positions || []).map((p) => p.id ?? p.position_id).filter((id) => id != null),
      legs: [],
      expiration: null,
    },
  }),
};
