// The trades table ([data-jr-trades]): one row per trade of the page GET /api/journal/trades
// answered, sortable column headers, a pager, and the keyboard: ↑/↓ (and Home/End) move the
// selection, Enter or Space opens the trade, PgUp/PgDn change pages. The selected row is the one
// focusable row (roving tabindex), so Tab enters the table on it.
//
//   const table = new TradesTable(root, {onOpen(id), onSelect(id), onSort(sort, order), onPage(offset), onPageSize(limit)});
//   table.render(list, {sort, order, offset, limit, allAccounts});

import { html } from "../kit/html.js";
import { money, shortDate, signedMoney, signedNum, timeET, tone } from "../kit/format.js";
import { amount, nyDate, pageLabel } from "./model.js";

const STATUS = { open: ["Open", "badge-info"], partially_closed: ["Partly closed", "badge-warn"], closed: ["Closed", ""] };
/** The order a column sorts in first. */
const FIRST_ORDER = { symbol: "asc" };

const day = (iso) => (iso ? shortDate(nyDate(new Date(iso)), { year: true }) : "");

function row(t, { allAccounts }) {
  const [statusText, statusClass] = STATUS[t.status] || [t.status, ""];
  const realized = amount(t.realized_net);
  const closedAny = t.status !== "open";
  const r = amount(t.r_multiple);
  const tags = (t.tags || []).slice(0, 3);
  const more = (t.tags || []).length - tags.length;
  const net = closedAny
    ? html`<td class="num ${tone(realized)}">${signedMoney(realized)}${t.status === "partially_closed" ? html`<span class="jr-sub">so far</span>` : ""}</td>`
    : html`<td class="num muted" title="${`Open: ${signedMoney(amount(t.net))} cash so far (premium and costs)`}">open</td>`;
  return html`<tr class="jr-row" data-trade-id="${t.id}" tabindex="-1" aria-selected="false">
    <td><span class="jr-date">${day(t.opened_at)}</span> <span class="jr-time">${timeET(t.opened_at)}</span></td>
    <td><b class="jr-sym">${t.underlying}</b>${allAccounts ? html`<span class="jr-sub truncate" title="${t.account}">${t.account}</span>` : ""}</td>
    <td class="jr-strat-cell"><div class="jr-strat"><span class="truncate" title="${`${t.strategy_label} · ${t.quantity_label}`}">${t.strategy_label}</span>${tags.map((name) => html`<span class="jr-chip">${name}</span>`)}${more > 0 ? html`<span class="jr-chip jr-chip-more">+${more}</span>` : ""}${t.has_notes ? html`<span class="jr-note-dot" title="Has notes" aria-label="Has notes">✎</span>` : ""}</div></td>
    <td><span class="badge ${statusClass}">${statusText}</span></td>
    <td>${t.closed_at ? html`<span class="jr-date">${day(t.closed_at)}</span>` : html`<span class="muted">—</span>`}</td>
    <td class="num muted">${money(amount(t.costs))}</td>
    ${net}
    <td class="num ${tone(r)}">${r === null ? html`<span class="muted" title="No planned risk">—</span>` : signedNum(r, 2) + "R"}</td>
  </tr>`;
}

export class TradesTable {
  constructor(root, handlers) {
    this.root = root;
    this.on = handlers;
    this.tbody = root.querySelector("[data-jr-rows]");
    this.items = [];
    this.index = -1;
    this.state = { sort: "opened_at", order: "desc", offset: 0, limit: 50, total: 0 };
    this.wire();
  }

  wire() {
    this.root.querySelector("thead").addEventListener("click", (event) => {
      const th = event.target.closest("th[data-sort]");
      if (!th || !event.target.closest("button")) return;
      const key = th.dataset.sort;
      const { sort, order } = this.state;
      const next = key === sort ? (order === "asc" ? "desc" : "asc") : FIRST_ORDER[key] || "desc";
      this.on.onSort(key, next);
    });
    this.tbody.addEventListener("click", (event) => {
      const tr = event.target.closest("tr[data-trade-id]");
      if (!tr) return;
      this.select(this.rows().indexOf(tr), { focus: true });
      this.on.onOpen(tr.dataset.tradeId);
    });
    this.tbody.addEventListener("keydown", (event) => this.key(event));
    this.tbody.addEventListener("focusin", (event) => {
      const tr = event.target.closest("tr[data-trade-id]");
      if (tr && this.rows().indexOf(tr) !== this.index) this.select(this.rows().indexOf(tr));
    });
    this.root.querySelector("[data-jr-prev]").addEventListener("click", () => this.page(-1));
    this.root.querySelector("[data-jr-next]").addEventListener("click", () => this.page(1));
    this.root.querySelector("[data-jr-page-size]").addEventListener("change", (event) => this.on.onPageSize(Number(event.target.value)));
  }

  rows() {
    return Array.from(this.tbody.querySelectorAll("tr[data-trade-id]"));
  }

  key(event) {
    if (event.target.closest("a, button, input")) return;
    const n = this.items.length;
    const moves = { ArrowDown: this.index + 1, ArrowUp: this.index - 1, Home: 0, End: n - 1 };
    if (event.key in moves) {
      event.preventDefault();
      const to = moves[event.key];
      if (to >= n && event.key === "ArrowDown" && this.hasNext()) return this.page(1, { select: "first" });
      if (to < 0 && event.key === "ArrowUp" && this.state.offset > 0) return this.page(-1, { select: "last" });
      this.select(Math.max(0, Math.min(n - 1, to)), { focus: true, announce: true });
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      const id = this.selectedId();
      if (id) this.on.onOpen(id);
    } else if (event.key === "PageDown" || event.key === "PageUp") {
      event.preventDefault();
      this.page(event.key === "PageDown" ? 1 : -1, { select: "first" });
    }
  }

  hasNext() {
    return this.state.offset + this.state.limit < this.state.total;
  }

  page(delta, { select = null } = {}) {
    const { offset, limit, total } = this.state;
    const next = offset + delta * limit;
    if (next < 0 || next >= total) return false;
    this.pendingSelect = select;
    this.on.onPage(next);
    return true;
  }

  /** Move the selection to row `i` (and focus it): the one tabbable row. */
  select(i, { focus = false, announce = false } = {}) {
    const rows = this.rows();
    if (!rows.length) {
      this.index = -1;
      return;
    }
    this.index = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((tr, k) => {
      const on = k === this.index;
      tr.setAttribute("aria-selected", String(on));
      tr.tabIndex = on ? 0 : -1;
    });
    const tr = rows[this.index];
    if (focus) tr.focus({ preventScroll: false });
    tr.scrollIntoView({ block: "nearest" });
    if (announce) this.on.onSelect?.(tr.dataset.tradeId);
  }

  selectedId() {
    return this.rows()[this.index]?.dataset.tradeId || null;
  }

  /** Select the row of trade `id` when it is on this page; true when it was. */
  selectId(id, opts) {
    const i = this.items.findIndex((t) => t.id === id);
    if (i >= 0) this.select(i, opts);
    return i >= 0;
  }

  /** Step the selection by `delta` (the drawer's previous/next): the new id, or null at an end. */
  step(delta) {
    const to = this.index + delta;
    if (to >= 0 && to < this.items.length) {
      this.select(to, { focus: false });
      return this.selectedId();
    }
    if (this.page(delta, { select: delta > 0 ? "first" : "last" })) return undefined; // loading
    return null;
  }

  /** Draw a page of trades. */
  render(list, { sort, order, offset, limit, allAccounts, emptyText }) {
    const keep = this.selectedId();
    const hadFocus = this.tbody.contains(document.activeElement);
    this.items = list.items || [];
    this.state = { sort, order, offset, limit, total: list.total || 0 };
    this.tbody.innerHTML = html`${this.items.map((t) => row(t, { allAccounts }))}`.text;
    for (const th of this.root.querySelectorAll("th[data-sort]")) {
      if (th.dataset.sort === sort) th.setAttribute("aria-sort", order === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    const empty = this.root.querySelector("[data-jr-table-empty]");
    empty.hidden = this.items.length > 0;
    if (!this.items.length) empty.textContent = emptyText || "No trades match these filters.";
    this.root.querySelector("[data-jr-page-label]").textContent = pageLabel(this.state.total, offset, limit);
    this.root.querySelector("[data-jr-prev]").disabled = offset <= 0;
    this.root.querySelector("[data-jr-next]").disabled = !this.hasNext();
    this.root.querySelector("[data-jr-page-size]").value = String(limit);
    this.root.dataset.total = String(this.state.total);
    this.root.dataset.state = this.items.length ? "ready" : "empty";
    const want = this.pendingSelect;
    this.pendingSelect = null;
    if (want === "first") this.select(0, { focus: true, announce: true });
    else if (want === "last") this.select(this.items.length - 1, { focus: true, announce: true });
    else if (!(keep && this.selectId(keep, { focus: hadFocus }))) this.select(0, { focus: hadFocus });
  }
}
