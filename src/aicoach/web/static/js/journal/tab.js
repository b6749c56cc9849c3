// The Journal tab (entry module): the trader's trades, their detail and the analytics of them.
// Wiring: templates/journal/_tab.html ([data-jr-tab] holds everything). This file holds the
// tab's state — the accounts, the filters, the table's sort and page, the view — and wires the
// widgets: trades-table.js, detail.js (trade-chart.js), dashboard.js (plots.js), entry-form.js,
// import-wizard.js; pure helpers in model.js. API: docs/journal-api.md.
//
// State in the URL hash (a reload or a link reopens it): #tab=journal&jq=<filters as a query>
// &jv=analytics&jt=<trade id>. The page size and the view are remembered in localStorage.
//
// Opening the tab from elsewhere (the chat's journal cards), through the workspace bus:
//   workspace.open("journal", {filters: {from, to, symbol, strategy, …}, view?: "trades" | "analytics", trade_id?})

import { apiJson, toast } from "../kit/api.js";
import { debounce } from "../kit/debounce.js";
import { hashParams, replaceHash } from "../kit/hash.js";
import { html } from "../kit/html.js";
import { jsonStore } from "../kit/storage.js";
import { workspace } from "../kit/workspace.js";
import { Dashboard } from "./dashboard.js";
import { TradeDetail } from "./detail.js";
import { EntryForm } from "./entry-form.js";
import { ImportWizard } from "./import-wizard.js";
import { loadECharts, loadLightweightCharts } from "./libs.js";
import { FILTER_KEYS, cleanFilters, filterQuery, humanize, matchPreset, presetRange, rangeLabel } from "./model.js";
import { TradesTable } from "./trades-table.js";

const { recall, remember } = jsonStore("aicoach-journal");
const REFRESH_AFTER_MS = 30_000;
const quiet = { toastOnError: false };

class JournalTab {
  constructor(root) {
    this.root = root;
    this.panel = root.closest('[role="tabpanel"]');
    const saved = recall();
    const hash = hashParams();
    this.accounts = [];
    this.filters = cleanFilters(Object.fromEntries(new URLSearchParams(hash.get("jq") || "")));
    this.sort = { sort: "opened_at", order: "desc" };
    this.offset = 0;
    this.limit = [25, 50, 100].includes(saved.limit) ? saved.limit : 50;
    this.view = hash.get("jv") === "analytics" || (!hash.has("jv") && saved.view === "analytics") ? "analytics" : "trades";
    this.wantTrade = hash.get("jt") || null;
    this.seq = 0;
    this.loadedAt = 0;
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  async start() {
    const quietly = (p) => {
      p.catch(() => {}); // a failed library load is shown where its charts would be
      return p;
    };
    this.echarts = quietly(loadECharts(this.root.dataset.echartsSrc));
    const lwc = quietly(loadLightweightCharts(this.root.dataset.lwcSrc));
    this.table = new TradesTable(this.$("[data-jr-trades]"), {
      onOpen: (id) => this.openTrade(id),
      onSelect: (id) => this.followSelection(id),
      onSort: (sort, order) => {
        this.sort = { sort, order };
        this.offset = 0;
        this.loadTrades();
      },
      onPage: (offset) => {
        this.offset = offset;
        this.loadTrades();
      },
      onPageSize: (limit) => {
        this.limit = limit;
        this.offset = 0;
        remember({ limit });
        this.loadTrades();
      },
    });
    this.detail = new TradeDetail(this.$("[data-jr-detail]"), {
      lwc,
      onSaved: () => this.refresh({ keepDetail: true }),
      onStep: (delta) => this.step(delta),
      onClose: () => {
        this.writeHash();
        this.table.rows()[this.table.index]?.focus();
      },
    });
    this.dashboard = new Dashboard({ kpis: this.$("[data-jr-kpis]"), analytics: this.$("[data-jr-analytics]") }, this.echarts);
    this.entry = new EntryForm(this.$("[data-jr-entry]"), {
      accounts: () => this.accounts,
      onCreated: (trade) => this.created(trade),
    });
    this.wizard = new ImportWizard(this.$("[data-jr-import-dialog]"), {
      accounts: () => this.accounts,
      onAccount: (account) => {
        this.accounts = [account, ...this.accounts.filter((a) => a.id !== account.id)];
        this.renderAccounts();
      },
      onCommitted: (imp) => this.imported(imp),
    });
    this.wire();
    this.showView(this.view, { focus: false });
    this.writeForm();
    await this.loadAccounts();
    await this.refresh();
    if (this.wantTrade) this.openTrade(this.wantTrade);
    this.panel?.addEventListener("aicoach:tab-shown", () => {
      if (this.view === "analytics") this.dashboard.shown();
      if (Date.now() - this.loadedAt > REFRESH_AFTER_MS) this.refresh({ keepDetail: true });
    });
  }

  // ---------- controls ----------

  wire() {
    for (const b of this.root.querySelectorAll("[data-jr-import]")) {
      b.addEventListener("click", () => this.wizard.open({ accountId: this.filters.account_id }));
    }
    for (const b of this.root.querySelectorAll("[data-jr-new]")) {
      b.addEventListener("click", () => {
        if (!this.accounts.length) {
          toast("Create an account first: Import → New account.", "info");
          this.wizard.open();
          return;
        }
        this.entry.open({ accountId: this.filters.account_id || this.accounts[0].id });
      });
    }
    this.$("[data-jr-account]").addEventListener("change", (event) => {
      this.setFilters({ ...this.filters, account_id: event.target.value });
      this.loadFacets();
    });
    const form = this.$("[data-jr-filters]");
    const typed = debounce(() => this.readForm(), 350);
    form.addEventListener("input", (event) => {
      if (event.target.matches('input[type="text"]')) typed();
    });
    form.addEventListener("change", (event) => {
      if (event.target.matches("[data-jr-period]")) {
        const preset = event.target.value;
        if (preset === "custom") {
          form.elements.from.focus();
          return;
        }
        const r = presetRange(preset);
        form.elements.from.value = r.from;
        form.elements.to.value = r.to;
      }
      typed.cancel();
      this.readForm();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      typed.cancel();
      this.readForm();
    });
    form.addEventListener("reset", (event) => {
      event.preventDefault();
      this.setFilters(this.filters.account_id ? { account_id: this.filters.account_id } : {});
      this.writeForm();
    });
    const views = this.$("[data-jr-views]");
    views.addEventListener("click", (event) => {
      const b = event.target.closest("[data-jr-view]");
      if (b) this.showView(b.dataset.jrView);
    });
    views.addEventListener("keydown", (event) => {
      if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
      event.preventDefault();
      this.showView(this.view === "trades" ? "analytics" : "trades", { focus: true });
    });
    // Escape closes the drawer from anywhere in the tab (or with focus on nothing at all).
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !this.detail.isOpen() || !this.root.isConnected) return;
      const inTab = this.root.contains(event.target) || event.target === document.body;
      if (!inTab || event.target.closest("dialog") || this.panel?.hidden) return;
      event.preventDefault();
      this.detail.close();
    });
    window.addEventListener("themechange", () => {
      this.dashboard.retheme();
      this.detail.retheme();
    });
  }

  /** The filters the form shows now. */
  readForm() {
    const form = this.$("[data-jr-filters]");
    const f = {
      account_id: this.filters.account_id,
      symbol: form.elements.symbol.value,
      strategy: form.elements.strategy.value,
      tag: form.elements.tag.value,
      status: form.elements.status.value,
      side: form.elements.side.value,
      from: form.elements.from.value,
      to: form.elements.to.value,
    };
    this.$("[data-jr-period]").value = matchPreset(f.from, f.to);
    this.setFilters(f);
  }

  /** Show `this.filters` in the form. */
  writeForm() {
    const form = this.$("[data-jr-filters]");
    const f = this.filters;
    form.elements.symbol.value = f.symbol || "";
    this.ensureOption(form.elements.strategy, f.strategy);
    form.elements.strategy.value = f.strategy || "";
    form.elements.tag.value = f.tag || "";
    for (const name of ["status", "side"]) {
      for (const radio of form.querySelectorAll(`input[name="${name}"]`)) radio.checked = radio.value === (f[name] || "");
    }
    form.elements.from.value = f.from || "";
    form.elements.to.value = f.to || "";
    this.$("[data-jr-period]").value = matchPreset(f.from, f.to);
    this.$("[data-jr-account]").value = f.account_id || "";
  }

  ensureOption(select, value) {
    if (!value || Array.from(select.options).some((o) => o.value === value)) return;
    select.insertAdjacentHTML("beforeend", html`<option value="${value}">${humanize(value)}</option>`.text);
  }

  setFilters(next) {
    const clean = cleanFilters(next);
    const err = this.$("[data-jr-filter-error]");
    if (clean.from && clean.to && clean.from > clean.to) {
      err.textContent = "“From” is after “To”: pick a start on or before the end.";
      return;
    }
    err.textContent = "";
    if (filterQuery(clean) === filterQuery(this.filters) && this.loadedAt) return;
    this.filters = clean;
    this.offset = 0;
    this.writeHash();
    this.refresh({ keepDetail: true });
  }

  showView(view, { focus = false } = {}) {
    this.view = view;
    remember({ view });
    for (const b of this.root.querySelectorAll("[data-jr-view]")) {
      const on = b.dataset.jrView === view;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    this.$("[data-jr-trades]").hidden = view !== "trades";
    this.$("[data-jr-analytics]").hidden = view !== "analytics";
    if (view === "analytics") this.dashboard.shown();
    this.writeHash();
  }

  writeHash() {
    const params = hashParams();
    if (params.get("tab") !== "journal") return; // another tab owns the hash now
    const q = filterQuery(this.filters);
    if (q) params.set("jq", q);
    else params.delete("jq");
    params.set("jv", this.view);
    const open = this.detail?.isOpen() ? this.detail.root.dataset.tradeId : "";
    if (open) params.set("jt", open);
    else params.delete("jt");
    replaceHash(params);
  }

  // ---------- data ----------

  async loadAccounts() {
    try {
      this.accounts = await apiJson("/api/journal/accounts", quiet);
    } catch (error) {
      this.root.dataset.state = "error";
      this.$("[data-jr-welcome]").hidden = false;
      this.$("[data-jr-welcome] .empty-title").textContent = "The journal could not be loaded";
      this.$("[data-jr-welcome] .empty p:not(.empty-title)").textContent = error.message;
      return;
    }
    if (this.filters.account_id && !this.accounts.some((a) => String(a.id) === this.filters.account_id)) {
      delete this.filters.account_id;
    }
    this.renderAccounts();
    this.loadFacets();
  }

  renderAccounts() {
    const select = this.$("[data-jr-account]");
    select.innerHTML = html`<option value="">All accounts</option>${this.accounts.map((a) => html`<option value="${a.id}">${a.name}${a.broker ? ` · ${a.broker}` : ""}</option>`)}`.text;
    select.value = this.filters.account_id || "";
    this.root.dataset.accounts = String(this.accounts.length);
    const anything = this.accounts.some((a) => a.trades > 0 || a.executions > 0);
    this.$("[data-jr-welcome]").hidden = anything;
    this.$("[data-jr-body]").hidden = !anything;
    this.$("[data-jr-filters]").hidden = !anything;
    this.$("[data-jr-export]").hidden = !anything;
    select.closest(".jr-ctl").hidden = !this.accounts.length;
    if (!anything) this.root.dataset.state = "empty";
  }

  /** The symbols, strategies and tags of the account (all its closed trades), for the filters. */
  async loadFacets() {
    const scope = this.filters.account_id ? { account_id: this.filters.account_id } : {};
    let stats;
    try {
      stats = await apiJson(`/api/journal/stats?${filterQuery(scope)}`, quiet);
    } catch {
      return; // the filters still take any text
    }
    const keys = (dim) => (stats.breakdowns?.[dim] || []).map((g) => g.key).filter((k) => k !== "unknown");
    this.$("[data-jr-symbols]").innerHTML = html`${keys("symbol").map((s) => html`<option value="${s}"></option>`)}`.text;
    this.$("[data-jr-tags]").innerHTML = html`${keys("tag").map((s) => html`<option value="${s}"></option>`)}`.text;
    const select = this.$("[data-jr-strategies]");
    for (const o of select.querySelectorAll("option[data-mine]")) o.remove();
    const mine = keys("strategy").filter((k) => !Array.from(select.options).some((o) => o.value === k));
    select.insertAdjacentHTML("beforeend", html`${mine.map((k) => html`<option value="${k}" data-mine>${humanize(k)}</option>`)}`.text);
    select.value = this.filters.strategy || "";
  }

  /** Trades, numbers and patterns for the current filters. */
  async refresh({ keepDetail = false } = {}) {
    this.loadedAt = Date.now();
    const exportLink = this.$("[data-jr-export]");
    const q = filterQuery(this.filters);
    exportLink.href = `/api/journal/export.csv${q ? "?" + q : ""}`;
    if (!keepDetail) this.detail.close();
    if (this.$("[data-jr-body]").hidden) return;
    this.root.dataset.state = "loading";
    await Promise.all([this.loadTrades(), this.loadStats()]);
    this.root.dataset.state = "ready";
  }

  async loadTrades() {
    const seq = ++this.seq;
    const box = this.$("[data-jr-trades]");
    box.dataset.state = "loading";
    box.setAttribute("aria-busy", "true");
    const { sort, order } = this.sort;
    const query = filterQuery(this.filters, { sort, order, limit: this.limit, offset: this.offset });
    let list;
    try {
      list = await apiJson(`/api/journal/trades?${query}`, quiet);
    } catch (error) {
      if (seq !== this.seq) return;
      box.dataset.state = "error";
      box.removeAttribute("aria-busy");
      this.$("[data-jr-table-empty]").hidden = false;
      this.$("[data-jr-table-empty]").textContent = `The trades could not be loaded: ${error.message}`;
      return;
    }
    if (seq !== this.seq) return;
    box.removeAttribute("aria-busy");
    box.dataset.query = query;
    const narrowed = FILTER_KEYS.some((k) => k !== "account_id" && this.filters[k]);
    this.table.render(list, {
      sort, order, offset: this.offset, limit: this.limit,
      allAccounts: !this.filters.account_id && this.accounts.length > 1,
      emptyText: narrowed ? `No trades match these filters${this.rangeText()}. Reset them to see every trade.` : "No trades in this account yet: import a broker file or add a trade.",
    });
    this.$("[data-jr-count]").textContent = list.total.toLocaleString("en-US");
  }

  rangeText() {
    const r = rangeLabel(this.filters.from, this.filters.to);
    return r ? ` (${r})` : "";
  }

  async loadStats() {
    const q = filterQuery(this.filters);
    const kpis = this.$("[data-jr-kpis]");
    kpis.dataset.state = "loading";
    let stats;
    let patterns;
    try {
      [stats, patterns] = await Promise.all([
        apiJson(`/api/journal/stats?${q}`, quiet),
        apiJson(`/api/journal/patterns?${q}`, quiet).catch(() => ({ findings: [] })),
      ]);
    } catch (error) {
      kpis.dataset.state = "error";
      const sub = kpis.querySelector('[data-kpi="net"] .jr-kpi-sub');
      if (sub) sub.textContent = `Not available: ${error.message}`;
      return;
    }
    if (q !== filterQuery(this.filters)) return; // the filters changed meanwhile
    this.dashboard.render(stats, patterns);
  }

  // ---------- trades ----------

  openTrade(id) {
    this.table.selectId(id);
    this.detail.open(id).then(() => this.writeHash());
  }

  followSelection(id) {
    if (!this.detail.isOpen()) return;
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => this.detail.open(id, { focus: false }).then(() => this.writeHash()), 120);
  }

  step(delta) {
    const id = this.table.step(delta);
    if (id) this.detail.open(id, { focus: false }).then(() => this.writeHash());
    else if (id === null) toast(delta > 0 ? "That was the last trade." : "That was the first trade.", "info");
  }

  async created(trade) {
    toast(`Added ${trade.underlying} ${trade.strategy_label}.`, "success");
    await this.loadAccounts();
    await this.refresh();
    this.openTrade(trade.id);
  }

  async imported(imp) {
    await this.loadAccounts();
    if (this.filters.account_id && String(imp.account_id) !== this.filters.account_id) {
      this.filters = { ...this.filters, account_id: String(imp.account_id) };
      this.writeForm();
    }
    await this.refresh();
  }

  /** Apply what a chat card asked for (see the module docstring). */
  async open(detail = {}) {
    await this.ready;
    if (detail.filters) {
      const next = cleanFilters(detail.filters);
      if (next.account_id && !this.accounts.some((a) => String(a.id) === next.account_id)) delete next.account_id;
      this.filters = next;
      this.offset = 0;
      this.writeForm();
      this.writeHash();
      await this.refresh();
    }
    if (detail.view === "analytics" || detail.view === "trades") this.showView(detail.view);
    if (detail.trade_id) this.openTrade(String(detail.trade_id));
  }
}

// ---------- start ----------

const instances = new WeakMap();

function current() {
  const root = document.querySelector("[data-jr-tab]");
  return root ? instances.get(root) : null;
}

function initAll() {
  for (const root of document.querySelectorAll("[data-jr-tab]")) {
    if (instances.has(root)) continue;
    const tab = new JournalTab(root);
    instances.set(root, tab);
    tab.ready = tab.start();
  }
}

document.addEventListener("htmx:load", initAll);
initAll();
// After initAll: a detail opened before this tab first loaded is delivered right here.
workspace.on("journal", (detail) => current()?.open(detail || {}));
