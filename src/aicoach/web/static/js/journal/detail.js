// The trade detail drawer ([data-jr-detail]) on GET /api/journal/trades/{id}: the facts, a chart
// of the underlying with entries and exits (trade-chart.js), legs with their fills, the campaign
// (its trades, cumulative net, true breakeven), the enrichment at entry (each value with its
// source, or "unavailable" with the reason), and the trader's own journal — planned risk, tags
// and notes — saved with PATCH. Escape closes it; ↑/↓ (outside a field) step through the table.
//
//   const drawer = new TradeDetail(root, {lwc: promiseOfLightweightCharts, onSaved(trade), onStep(delta), onClose()});
//   await drawer.open(id);

import { apiJson, ApiError } from "../kit/api.js";
import { html } from "../kit/html.js";
import { dateTimeET, money, num, pctFromFraction, shortDate, signedMoney, signedNum, timeET, tone } from "../kit/format.js";
import { amount, formErrors, humanize, legLabel, normalTags, nyDate, priceText } from "./model.js";
import { TradeChart } from "./trade-chart.js";

const enc = encodeURIComponent;
const STATUS = { open: "Open", partially_closed: "Partly closed", closed: "Closed" };
const KIND_LABEL = { setup: "Setup", mistake: "Mistake", custom: "Tag" };

/** "Thu Mar 21 '24, 10:45 ET": a fill's day with its year, on the New York clock. */
const whenET = (iso) => `${shortDate(nyDate(new Date(iso)), { weekday: true, year: true })}, ${timeET(iso)} ET`;

/** "2 d 4 h", "3 h 20 min", "45 min" between two ISO instants (to now when still open). */
export function heldFor(openedIso, closedIso, nowMs = Date.now()) {
  const a = Date.parse(openedIso);
  const b = Number.isFinite(Date.parse(closedIso)) ? Date.parse(closedIso) : nowMs;
  if (!Number.isFinite(a) || b < a) return "";
  const min = Math.round((b - a) / 60000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ""}`;
  const d = Math.floor(h / 24);
  return `${d} d${h % 24 ? ` ${h % 24} h` : ""}`;
}

const ENRICHMENT = [
  ["dte_at_entry", "Days to expiration", (v) => `${num(v, 0)} d`],
  ["underlying_price", "Underlying", (v) => money(v)],
  ["iv_at_entry", "Implied volatility", (v) => pctFromFraction(v, 1)],
  ["delta_at_entry", "Delta", (v) => signedNum(v, 2)],
  ["iv_rank", "IV rank", (v) => num(v, 0)],
  ["expected_move", "Expected move", (v, e) => `±${money(v)}${e.detail?.percent != null ? ` (±${num(e.detail.percent, 1)}%)` : ""}`],
  ["level_context", "Level context", (v) => humanize(String(v))],
];

function levelDetail(e) {
  const d = e.detail || {};
  const side = (lv, word) => (lv ? html`<span>${word}: ${lv.label} ${money(lv.price)} (${signedNum(lv.distance_atr, 2)} ATR)</span>` : "");
  if (!d.nearest_support && !d.nearest_resistance) return "";
  return html`<span class="jr-enrich-more">${side(d.nearest_support, "Support")}${side(d.nearest_resistance, "Resistance")}</span>`;
}

function enrichmentItem([key, label, format], e) {
  if (!e) return "";
  const source = [e.source, e.as_of ? `as of ${dateTimeET(e.as_of)}` : ""].filter(Boolean).join(" · ");
  if (e.state !== "ok" || e.value === null || e.value === undefined) {
    return html`<div class="jr-enrich-item" data-enrich="${key}" data-state="unavailable"><dt>${label}</dt>
      <dd><span class="badge">Unavailable</span> <span class="jr-enrich-why">${e.reason || "no data"}</span></dd></div>`;
  }
  const value = typeof e.value === "number" || typeof e.value === "string" && /^-?\d/.test(e.value) ? amount(e.value) ?? e.value : e.value;
  return html`<div class="jr-enrich-item" data-enrich="${key}" data-state="ok"><dt>${label}</dt>
    <dd><b class="num">${format(value, e)}</b>${key === "level_context" ? levelDetail(e) : ""}<span class="jr-enrich-src">${source}</span></dd></div>`;
}

function fillRow(f) {
  const q = amount(f.quantity);
  const side = q > 0 ? "Buy" : q < 0 ? "Sell" : "";
  const what = f.kind && f.kind !== "trade" ? humanize(f.kind) : `${side} to ${f.effect === "close" ? "close" : f.effect === "open" ? "open" : "?"}`;
  const costs = (amount(f.commission) ?? 0) + (amount(f.fees) ?? 0);
  return html`<tr class="jr-fill">
    <td><span class="jr-fill-when">${shortDate(nyDate(new Date(f.executed_at)))} ${timeET(f.executed_at, { seconds: true })}</span> ${what}</td>
    <td class="num">${signedNum(q, Number.isInteger(q) ? 0 : 2)}</td>
    <td class="num">${priceText(f.price)}</td>
    <td class="num muted" title="${`Commission ${money(amount(f.commission))} + fees ${money(amount(f.fees))}`}">${money(costs)}</td>
    <td class="small muted" colspan="2">${f.import_id ? `import #${f.import_id}, row ${f.row}` : "entered by hand"}</td>
  </tr>`;
}

function legsTable(legs) {
  return html`<table class="table table-compact jr-legs">
    <thead><tr><th scope="col">Leg / fill</th><th scope="col" class="num" title="Opened / closed / still open">Qty</th>
      <th scope="col" class="num" title="Average opening price per share">Avg open</th><th scope="col" class="num">Costs</th>
      <th scope="col" class="num" title="Premium or notional cash, before costs">Gross</th><th scope="col" class="num" title="Gross − costs">Net</th></tr></thead>
    ${legs.map((leg) => {
      const opened = amount(leg.opened_quantity);
      const closed = amount(leg.closed_quantity);
      const open = amount(leg.open_quantity);
      const net = amount(leg.net);
      return html`<tbody class="jr-leg"><tr class="jr-leg-row">
        <th scope="row"><b>${legLabel(leg)}</b> <span class="badge">${opened < 0 ? "short" : "long"}</span></th>
        <td class="num" title="${`Opened ${opened}, closed ${closed}, open ${open}`}">${signedNum(opened, 0)}${open ? html`<span class="jr-sub">${open} open</span>` : ""}</td>
        <td class="num">${priceText(leg.average_open_price)}</td>
        <td class="num muted">${money(amount(leg.costs))}</td>
        <td class="num">${signedMoney(amount(leg.gross))}</td>
        <td class="num ${tone(net)}">${signedMoney(net)}</td>
      </tr>${(leg.fills || []).map(fillRow)}</tbody>`;
    })}
  </table>`;
}

function campaignBlock(trade) {
  const c = trade.campaign || {};
  const trades = c.trades || [];
  const be = amount(c.breakeven);
  const breakeven = html`<p class="jr-breakeven"><span class="jr-label">True breakeven</span>
    <b class="num">${be === null ? "—" : money(be)}</b> <span class="small muted">${c.breakeven_note || ""}</span></p>`;
  if (trades.length <= 1) {
    return html`<p class="small muted">This trade is a campaign of its own: no roll or assignment links it to another.</p>${breakeven}`;
  }
  const cum = c.cumulative_net || [];
  return html`<table class="table table-compact jr-campaign">
      <thead><tr><th scope="col">Trade</th><th scope="col">Opened</th><th scope="col">Closed</th><th scope="col" class="num">Net</th><th scope="col" class="num">Cumulative</th></tr></thead>
      <tbody>${trades.map((t, i) => {
        const net = amount(t.net);
        const run = amount(cum[i]);
        return html`<tr class="${t.id === trade.id ? "is-current" : ""}" data-campaign-trade="${t.id}">
          <td>${t.id === trade.id ? html`<b>${t.strategy_label}</b> <span class="badge badge-info">this trade</span>` : html`<button type="button" class="jr-link" data-open-trade="${t.id}">${t.strategy_label}</button>`}</td>
          <td>${shortDate(nyDate(new Date(t.opened_at)), { year: true })}</td>
          <td>${t.closed_at ? shortDate(nyDate(new Date(t.closed_at)), { year: true }) : "open"}</td>
          <td class="num ${tone(net)}">${signedMoney(net)}</td>
          <td class="num ${tone(run)}">${signedMoney(run)}</td></tr>`;
      })}</tbody></table>${breakeven}`;
}

/** What the chart draws, in words (the legend under it). */
export function chartNote({ spot, strikes, strikesAway, timeframe = "", wanted = "" }) {
  const parts = ["▲ entries, ▼ exits"];
  if (spot) parts.push("dashed: the underlying at entry");
  if (strikes > strikesAway) parts.push("dotted: strikes (red short, blue long)");
  let text = parts.join("; ") + ".";
  if (strikesAway) text += ` ${strikesAway === strikes ? "The strikes are" : `${strikesAway} strike${strikesAway === 1 ? " is" : "s are"}`} far from these bars, off the chart.`;
  if (wanted && wanted !== timeframe) text += ` No ${wanted} bars that far back from the market data: daily bars instead.`;
  return text;
}

export class TradeDetail {
  constructor(root, { lwc, onSaved, onStep, onClose }) {
    this.root = root;
    this.lwc = lwc;
    this.on = { onSaved, onStep, onClose };
    this.trade = null;
    this.tags = [];
    this.seq = 0;
    this.timeframe = "";
    this.chart = null;
    this.form = root.querySelector("[data-jr-notes-form]");
    this.wire();
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  isOpen() {
    return !this.root.hidden;
  }

  wire() {
    this.$("[data-jr-detail-close]").addEventListener("click", () => this.close());
    this.$("[data-jr-detail-prev]").addEventListener("click", () => this.on.onStep(-1));
    this.$("[data-jr-detail-next]").addEventListener("click", () => this.on.onStep(1));
    this.root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && !event.target.closest("input, textarea, select, button")) {
        event.preventDefault();
        this.on.onStep(event.key === "ArrowDown" ? 1 : -1);
      }
    });
    this.$("[data-jr-chart-tf]").addEventListener("click", (event) => {
      const b = event.target.closest("button[data-tf]");
      if (!b || !this.trade) return;
      this.timeframe = b.dataset.tf;
      this.drawChart();
    });
    this.$("[data-jr-campaign]").addEventListener("click", (event) => {
      const b = event.target.closest("[data-open-trade]");
      if (b) this.open(b.dataset.openTrade);
    });
    this.$("[data-jr-tag-add]").addEventListener("click", () => this.addTag());
    this.$("[data-jr-tag-name]").addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.addTag();
      }
    });
    this.$("[data-jr-tag-list]").addEventListener("click", (event) => {
      const b = event.target.closest("[data-remove-tag]");
      if (!b) return;
      this.tags = this.tags.filter((t) => t.name !== b.dataset.removeTag);
      this.renderTags();
      this.dirty();
      this.$("[data-jr-tag-name]").focus();
    });
    this.form.addEventListener("input", () => this.dirty());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.$("#jr-notes").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.save();
      }
    });
  }

  dirty() {
    this.$("[data-jr-notes-status]").textContent = "Unsaved changes";
  }

  /** Show trade `id` (fetching its detail); the drawer opens if it was closed. */
  async open(id, { focus = true } = {}) {
    const seq = ++this.seq;
    const wasOpen = this.isOpen();
    this.root.hidden = false;
    this.root.dataset.state = "loading";
    this.root.dataset.tradeId = id;
    this.root.setAttribute("aria-busy", "true");
    if (focus && !wasOpen) this.root.focus({ preventScroll: true });
    let trade;
    try {
      trade = await apiJson(`/api/journal/trades/${enc(id)}`, { toastOnError: false });
    } catch (error) {
      if (seq !== this.seq) return;
      this.root.dataset.state = "error";
      this.root.removeAttribute("aria-busy");
      this.$("[data-jr-detail-title]").textContent = "This trade could not be loaded";
      this.$("[data-jr-detail-sub]").textContent = error.message;
      return;
    }
    if (seq !== this.seq) return;
    this.render(trade);
  }

  render(trade) {
    this.trade = trade;
    const realized = amount(trade.realized_net);
    const r = amount(trade.r_multiple);
    const open = trade.status === "open";
    this.$("[data-jr-detail-title]").textContent = `${trade.underlying} · ${trade.strategy_label}`;
    this.$("[data-jr-detail-sub]").textContent = [trade.account, trade.quantity_label, STATUS[trade.status] || trade.status, trade.direction === "credit" ? "credit at entry" : trade.direction === "debit" ? "debit at entry" : ""].filter(Boolean).join(" · ");
    const fact = (label, value, cls = "", title = "") => html`<div class="jr-fact"><dt>${label}</dt><dd class="num ${cls}" title="${title}">${value}</dd></div>`;
    this.$("[data-jr-facts]").innerHTML = html`
      ${fact(open ? "Realized" : trade.status === "partially_closed" ? "Realized so far" : "Net P&L", open ? "open" : signedMoney(realized), open ? "muted" : tone(realized), "Realized P&L after commissions and fees")}
      ${fact("Costs", money(amount(trade.costs)), "muted", "Commissions and fees of every fill")}
      ${fact("R-multiple", r === null ? "—" : `${signedNum(r, 2)}R`, tone(r), r === null ? "Set a planned risk below to see it" : `Net P&L ÷ planned risk of ${money(amount(trade.planned_risk))}`)}
      ${fact("Opened", whenET(trade.opened_at), "", dateTimeET(trade.opened_at))}
      ${fact("Closed", trade.closed_at ? whenET(trade.closed_at) : "still open", "", trade.closed_at ? dateTimeET(trade.closed_at) : "")}
      ${fact("Held", heldFor(trade.opened_at, trade.closed_at) + (trade.closed_at ? "" : " so far"))}`.text;
    this.$("[data-jr-legs]").innerHTML = legsTable(trade.legs || []).text;
    this.$("[data-jr-campaign]").innerHTML = campaignBlock(trade).text;
    const enrichment = trade.enrichment || {};
    this.$("[data-jr-enrichment]").innerHTML = html`${ENRICHMENT.map((spec) => enrichmentItem(spec, enrichment[spec[0]]))}`.text;
    // The trader's journal.
    const risk = amount(trade.planned_risk);
    this.$("#jr-risk").value = risk === null ? "" : String(risk);
    this.savedRisk = this.$("#jr-risk").value;
    this.$("[data-jr-risk-note]").textContent = trade.planned_risk_note ? `Now: ${trade.planned_risk_note}` : "Dollars you were ready to lose";
    this.$("#jr-notes").value = trade.notes || "";
    this.tags = normalTags(trade.tags);
    if (trade.id !== this.shownId) {
      // Another trade: a fresh tag field (the kind is kept across adds on one trade only).
      this.$("[data-jr-tag-name]").value = "";
      this.$("[data-jr-tag-kind]").value = "custom";
      this.$("[data-jr-detail-body]").scrollTop = 0;
    }
    this.shownId = trade.id;
    this.renderTags();
    this.clearErrors();
    this.$("[data-jr-notes-status]").textContent = "";
    this.root.dataset.state = "ready";
    this.root.removeAttribute("aria-busy");
    this.drawChart();
  }

  renderTags() {
    const list = this.$("[data-jr-tag-list]");
    list.innerHTML = this.tags.length
      ? html`${this.tags.map((t) => html`<li class="jr-tag jr-tag-${t.kind}"><span class="jr-tag-kind">${KIND_LABEL[t.kind]}</span> ${t.name}
          <button type="button" class="jr-tag-x" data-remove-tag="${t.name}" aria-label="${`Remove tag ${t.name}`}">×</button></li>`)}`.text
      : html`<li class="small muted jr-tag-none">No tags yet</li>`.text;
  }

  addTag() {
    const input = this.$("[data-jr-tag-name]");
    const name = input.value.trim().replace(/\s+/g, " ");
    const err = this.$("[data-jr-tags-err]");
    err.textContent = "";
    if (!name) return;
    if (this.tags.some((t) => t.name.toLowerCase() === name.toLowerCase())) {
      err.textContent = `“${name}” is already on this trade.`;
      return;
    }
    this.tags = normalTags([...this.tags, { name: name.toLowerCase(), kind: this.$("[data-jr-tag-kind]").value }]);
    input.value = "";
    this.renderTags();
    this.dirty();
  }

  clearErrors() {
    for (const el of this.form.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of this.form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }

  body() {
    const out = { notes: this.$("#jr-notes").value, tags: this.tags };
    const risk = this.$("#jr-risk").value.trim();
    if (risk !== this.savedRisk) out.planned_risk = risk === "" ? null : risk;
    return out;
  }

  async save() {
    if (!this.trade) return;
    const pendingTag = this.$("[data-jr-tag-name]").value.trim();
    if (pendingTag) this.addTag();
    this.clearErrors();
    const button = this.$("[data-jr-notes-save]");
    button.disabled = true;
    this.$("[data-jr-notes-status]").textContent = "Saving…";
    try {
      const trade = await apiJson(`/api/journal/trades/${enc(this.trade.id)}`, { method: "PATCH", json: this.body(), toastOnError: false });
      this.render(trade);
      this.$("[data-jr-notes-status]").textContent = "Saved";
      this.on.onSaved?.(trade);
    } catch (error) {
      this.$("[data-jr-notes-status]").textContent = "";
      if (!(error instanceof ApiError)) throw error;
      const found = formErrors(error);
      const map = { planned_risk: "#jr-risk-err", notes: "#jr-notes-err", tags: "[data-jr-tags-err]" };
      const other = [...found.other];
      for (const [field, message] of Object.entries(found.fields)) {
        const el = map[field] && this.$(map[field]);
        if (el) {
          el.textContent = message;
          this.$(field === "planned_risk" ? "#jr-risk" : field === "notes" ? "#jr-notes" : "[data-jr-tag-name]").setAttribute("aria-invalid", "true");
        } else other.push(message);
      }
      for (const msg of Object.values(found.legs).flatMap((x) => Object.values(x))) other.push(msg);
      this.$("[data-jr-notes-error]").textContent = other.join(" ") || (Object.keys(found.fields).length ? "" : error.message);
    } finally {
      button.disabled = false;
      if (document.activeElement === document.body) button.focus(); // a disabled button loses focus
    }
  }

  async drawChart() {
    const host = this.$("[data-jr-chart]");
    const note = this.$("[data-jr-chart-note]");
    for (const b of this.root.querySelectorAll("[data-jr-chart-tf] button")) b.setAttribute("aria-pressed", String(b.dataset.tf === this.timeframe));
    const trade = this.trade;
    host.dataset.state = "loading";
    note.textContent = "";
    let L;
    try {
      L = await this.lwc;
    } catch (error) {
      host.dataset.state = "error";
      note.textContent = error.message;
      return;
    }
    if (!this.chart) this.chart = new TradeChart(host, L);
    try {
      const shown = await this.chart.show(trade, { timeframe: this.timeframe });
      if (!shown || trade !== this.trade) return;
      host.dataset.state = shown.bars ? "ready" : "empty";
      host.dataset.markers = String(shown.markers);
      host.dataset.timeframe = shown.timeframe;
      this.$("[data-jr-chart-sub]").textContent = `${trade.underlying} · ${shown.timeframe === "1d" ? "daily" : shown.timeframe} bars${shown.timeframe === "1d" ? "" : ", New York time"}`;
      note.textContent = shown.bars ? chartNote(shown) : `No ${trade.underlying} bars around this trade.`;
    } catch (error) {
      if (trade !== this.trade) return;
      this.chart.clear();
      host.dataset.state = "error";
      note.textContent = `No chart: ${error.message}`;
    }
  }

  close() {
    if (!this.isOpen()) return;
    this.seq++;
    this.root.hidden = true;
    this.root.dataset.state = "empty";
    this.on.onClose?.();
  }

  retheme() {
    if (this.chart) {
      this.chart.dispose();
      this.chart = null;
      if (this.trade && this.isOpen()) this.drawChart();
    }
  }
}
