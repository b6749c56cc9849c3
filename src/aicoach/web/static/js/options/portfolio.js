// Saved positions (GET /api/strategies, DELETE /api/strategies/{id}) and the portfolio Greeks
// panel (GET /api/portfolio/greeks: net Greeks in dollars per underlying and in total, the
// delta beta-weighted to SPY). Both reload after every save, close or delete; when loads overlap
// (the tab's first load still running when a save reloads), only the latest one is shown,
// whatever order the answers come back in.
//
// Each open position shows its P&L now, days to its first expiration and its Greeks in dollars
// (from POST /api/options/analyze on its saved legs, a small grid: only the numbers are used),
// with Analyze, Close… and Delete. Closed positions are listed below them with the date they were
// closed and their realized P&L. Test hooks: each item's data-status ("open" | "closed");
// [data-saved-stats] fills in when its analysis is back (data-ready).

import { apiFetch, apiJson, toast } from "../kit/api.js";
import { daysBetween, nyDate } from "../kit/dates.js";
import { greek, num, shortDate, signedDollars, signedNum, timeET, tone } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";
import { legText } from "./legs.js";

/** Days from today (New York) to the earliest option expiration of `legs`; null for stock. */
export function daysToExpiry(legs, today = nyDate()) {
  const first = legs.map((l) => l.expiration).filter(Boolean).sort()[0];
  return first ? daysBetween(today, first) : null;
}

const SMALL_GRID = { grid: { prices: 2, dates: 2 } };

export class Book {
  constructor({ saved, portfolio }, { onAnalyze, onClose }) {
    this.saved = saved;
    this.portfolio = portfolio;
    this.onAnalyze = onAnalyze;
    this.onClose = onClose;
    this.strategies = [];
    this.savedSeq = 0;
    this.greeksSeq = 0;
    saved.querySelector("[data-opt-saved-list]").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-act]");
      if (!button) return;
      const s = this.strategies.find((x) => x.id === Number(button.closest("[data-strategy]").dataset.strategy));
      if (!s) return;
      if (button.dataset.act === "analyze") this.onAnalyze(s);
      else if (button.dataset.act === "close") this.onClose(s);
      else if (button.dataset.act === "delete") this.remove(s, button);
    });
  }

  async refresh() {
    await Promise.all([this.loadSaved(), this.loadGreeks()]);
  }

  async loadSaved() {
    const list = this.saved.querySelector("[data-opt-saved-list]");
    const seq = ++this.savedSeq;
    let strategies;
    try {
      strategies = await apiJson("/api/strategies", { toastOnError: false });
    } catch (error) {
      if (seq !== this.savedSeq) return;
      this.saved.dataset.state = "error";
      list.innerHTML = `<li class="opt-hint small muted">${esc(error.message)}</li>`;
      return;
    }
    if (seq !== this.savedSeq) return; // a newer load is on its way
    this.strategies = strategies;
    this.saved.dataset.state = this.strategies.length ? "ready" : "empty";
    this.saved.dataset.count = String(this.strategies.length);
    if (!this.strategies.length) {
      list.innerHTML = `<li class="opt-hint small muted">Nothing saved yet. Build a position and press <b>Save position</b>.</li>`;
      return;
    }
    const open = this.strategies.filter((x) => x.status !== "closed");
    const closed = this.strategies.filter((x) => x.status === "closed");
    list.innerHTML = open.map((x) => this.item(x)).join("") +
      (closed.length ? `<li class="opt-saved-sep small muted" aria-hidden="true">Closed</li>${closed.map((x) => this.item(x)).join("")}` : "");
    this.saved.dataset.open = String(open.length);
    this.saved.dataset.closed = String(closed.length);
    for (const x of open) this.loadStats(x, seq); // the list is usable before the numbers arrive
  }

  item(s) {
    const legs = s.legs.map((l) => `${signedNum(l.quantity, 0)} ${legText(l)} @ ${num(l.entry_price)}` +
      (l.close_price === null || l.close_price === undefined ? "" : ` → ${num(l.close_price)}`)).join(" · ");
    const isClosed = s.status === "closed";
    const stats = isClosed
      ? `<span class="opt-saved-stats" data-saved-stats data-ready>Closed ${esc(shortDate(s.closed_at.slice(0, 10), { year: true }))} ·
          Realized <b class="num ${tone(s.realized_pnl)}" data-realized>${signedDollars(s.realized_pnl)}</b></span>`
      : `<span class="opt-saved-stats" data-saved-stats><span class="muted">Loading P&amp;L and Greeks…</span></span>`;
    const buttons = isClosed
      ? `<button type="button" class="btn btn-sm btn-ghost" data-act="delete" aria-label="Delete ${esc(s.title)} from history">Delete</button>`
      : `<button type="button" class="btn btn-sm" data-act="analyze" aria-label="Analyze ${esc(s.title)}">Analyze</button>
         <button type="button" class="btn btn-sm" data-act="close" aria-label="Close ${esc(s.title)}">Close…</button>
         <button type="button" class="btn btn-sm btn-ghost" data-act="delete" aria-label="Delete ${esc(s.title)}">Delete</button>`;
    return `<li class="opt-saved-item${isClosed ? " is-closed" : ""}" data-strategy="${s.id}" data-status="${isClosed ? "closed" : "open"}">
        <div class="opt-saved-main">
          <span class="opt-saved-title"><b>${esc(s.underlying)}</b> ${esc(s.title)}</span>
          ${s.label ? `<span class="badge">${esc(s.label)}</span>` : ""}
          <span class="small muted opt-saved-legs" title="${esc(legs)}">${esc(legs)}</span>
          ${stats}
        </div>
        <div class="opt-saved-actions">${buttons}</div>
      </li>`;
  }

  /** P&L now, DTE and Greeks of one open strategy, from the analysis of its saved legs. */
  async loadStats(s, seq) {
    let a;
    try {
      a = await apiJson("/api/options/analyze", {
        method: "POST", json: { position_ids: s.legs.map((l) => l.id), scenario: SMALL_GRID }, toastOnError: false,
      });
    } catch (error) {
      a = error;
    }
    if (seq !== this.savedSeq) return;
    const el = this.saved.querySelector(`[data-strategy="${s.id}"] [data-saved-stats]`);
    if (!el) return;
    el.dataset.ready = "";
    if (a instanceof Error) {
      el.innerHTML = `<span class="muted">${esc(a.message)}</span>`;
      return;
    }
    const dte = daysToExpiry(s.legs);
    const g = a.greeks || {};
    const part = (k, v, title) => `<span title="${esc(title)}">${k} <b class="num ${tone(v)}">${v}</b></span>`;
    el.innerHTML = [
      `<span title="Value now minus what was paid (model prices)">P&amp;L <b class="num ${tone(a.pnl_now)}" data-pnl>${signedDollars(a.pnl_now)}</b></span>`,
      dte === null ? "" : `<span title="Days to the first expiration" data-dte>${dte} DTE</span>`,
      part("Δ", greek(g.delta_shares), "Delta in shares"),
      part("Θ", `${signedDollars(g.theta_dollars_per_day)}/d`, "Theta: dollars a day"),
      part("V", signedDollars(g.vega_dollars_per_vol_point), "Vega: dollars per IV point"),
    ].filter(Boolean).join(" ");
  }

  async remove(s, button) {
    if (!window.confirm(`Delete ${s.underlying} ${s.title}? Its ${s.legs.length} leg(s) are removed from your positions.`)) return;
    button.disabled = true;
    try {
      await apiFetch(`/api/strategies/${s.id}`, { method: "DELETE" });
      toast(`Deleted ${s.title}.`, "success");
      await this.refresh();
    } catch {
      button.disabled = false; /* apiFetch showed the error */
    }
  }

  async loadGreeks() {
    const body = this.portfolio.querySelector("[data-opt-portfolio-body]");
    const seq = ++this.greeksSeq;
    let g;
    try {
      g = await apiJson("/api/portfolio/greeks", { toastOnError: false });
    } catch (error) {
      if (seq !== this.greeksSeq) return;
      this.portfolio.dataset.state = "error";
      body.innerHTML = `<p class="opt-hint small muted">${esc(error.message)}</p>`;
      return;
    }
    if (seq !== this.greeksSeq) return;
    this.portfolio.querySelector("[data-opt-portfolio-asof]").textContent = g.as_of ? `as of ${timeET(g.as_of, { seconds: true })} ET` : "";
    if (!g.underlyings.length) {
      this.portfolio.dataset.state = "empty";
      body.innerHTML = `<p class="opt-hint small muted">No open positions. Saved positions add up here: delta, gamma, theta and vega in dollars, and the delta weighted to SPY.</p>`;
      return;
    }
    this.portfolio.dataset.state = "ready";
    const cell = (x, fmt = signedDollars) => `<td class="num ${tone(x)}">${fmt(x)}</td>`;
    const shares = (x) => (x === null || x === undefined ? "—" : num(x, Math.abs(x) >= 100 ? 0 : 1));
    const rows = g.underlyings
      .map((u) => `<tr><th scope="row">${esc(u.underlying)} <span class="small muted num">${num(u.spot)}</span></th>
        ${cell(u.delta_shares, shares)}${cell(u.delta_dollars)}${cell(u.gamma_dollars_per_pct)}
        ${cell(u.theta_dollars_per_day)}${cell(u.vega_dollars_per_vol_point)}
        <td class="num">${u.beta === null ? "—" : num(u.beta)}</td>${cell(u.beta_weighted_delta, shares)}</tr>`)
      .join("");
    const phrases = Object.values(g.phrases || {}).map((t) => `<li>${esc(t)}</li>`).join("");
    const warnings = [...(g.warnings || []), ...(g.unweighted?.length ? [`Left out of the SPY weighting (no beta): ${g.unweighted.join(", ")}`] : [])];
    body.innerHTML = `<div class="table-wrap"><table class="table table-compact opt-port" data-opt-portfolio-table>
        <thead><tr><th scope="col">Underlying</th><th scope="col" class="num" title="Share-equivalent delta">Δ sh</th>
          <th scope="col" class="num" title="Delta in dollars: delta shares × price">Δ $</th>
          <th scope="col" class="num" title="Change of dollar delta per +1% move">Γ $/1%</th>
          <th scope="col" class="num" title="Dollars per calendar day">Θ $/day</th>
          <th scope="col" class="num" title="Dollars per +1 IV point">Vega $/pt</th>
          <th scope="col" class="num" title="Beta to SPY">β</th>
          <th scope="col" class="num" title="SPY shares moving the same dollars">β-Δ SPY</th></tr></thead>
        <tbody>${rows}</tbody>
        <tfoot><tr><th scope="row">Total</th><td></td>${cell(g.delta_dollars)}${cell(g.gamma_dollars_per_pct)}
          ${cell(g.theta_dollars_per_day)}${cell(g.vega_dollars_per_vol_point)}<td></td>
          <td class="num ${tone(g.beta_weighted_delta)}" data-opt-bwd>${shares(g.beta_weighted_delta)}</td></tr></tfoot>
      </table></div>
      <ul class="opt-phrases small">${phrases}</ul>
      ${warnings.length ? `<ul class="opt-warnings small">${warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>` : ""}`;
  }
}
