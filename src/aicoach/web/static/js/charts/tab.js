// The Chart tab (entry module, loaded by templates/charts/_tab.html): candlesticks + volume, a
// timeframe switcher, symbol search, the watchlist, key levels as price lines (toggle per group),
// the session VWAP with 1σ/2σ bands, extended-hours shading, a live last price and an OHLC
// legend. This file holds the tab's state and wires its widgets: chart.js (the price chart),
// levels-panel.js, header.js, legend.js, search.js, watchlist.js; data.js loads what they show.
//
// Test hooks (templates/charts/_tab.html): [data-chart] carries data-level-count (price lines
// drawn), data-symbol, data-tf and data-state (loading | ready | error).
//
// State lives in the URL hash next to the shell's tab (#tab=chart&sym=AAPL&tf=5m) and in
// localStorage ("aicoach-chart": symbol, timeframe, level groups).
//
// History: on daily and longer timeframes, scrolling back to the first loaded bar loads the
// page before it (data.js fetchEarlier, `end` = the first bar) and puts it in front without
// moving the view; an empty answer means the data starts there, and no more is asked for.
//
// Opening the tab on a symbol from elsewhere (the chat's Key levels and Quote cards):
//   workspace.open("chart", { symbol: "AAPL" })          (kit/workspace.js)

import { toast } from "../kit/api.js";
import { hashParams, replaceHash } from "../kit/hash.js";
import { jsonStore } from "../kit/storage.js";
import { workspace } from "../kit/workspace.js";
import { loadLibrary, PriceChart } from "./chart.js";
import { fetchEarlier, fetchLevels, fetchQuote, fetchView, isIntraday } from "./data.js";
import { renderHeader } from "./header.js";
import { renderLegend } from "./legend.js";
import { LevelsPanel } from "./levels-panel.js";
import { wireSearch } from "./search.js";
import { Watchlist } from "./watchlist.js";

const QUOTE_EVERY_MS = 5000;
const LEVELS_EVERY_MS = 60000;
const RELOAD_AT_MOST_EVERY_MS = 30000;
const { recall, remember } = jsonStore("aicoach-chart");

class ChartTab {
  constructor(root) {
    this.root = root;
    this.host = root.querySelector("[data-chart]");
    this.panel = root.closest('[role="tabpanel"]');
    this.levelsPanel = new LevelsPanel(root);
    const saved = recall();
    const hash = hashParams();
    this.symbol = (hash.get("sym") || saved.symbol || root.dataset.defaultSymbol || "SPY").toUpperCase();
    const tf = hash.get("tf") || saved.timeframe || root.dataset.defaultTimeframe;
    this.timeframe = this.tfButtons().some((b) => b.dataset.timeframe === tf) ? tf : root.dataset.defaultTimeframe;
    if (Array.isArray(saved.groups)) this.levelsPanel.restore(saved.groups);
    this.chart = null;
    this.levels = null;
    this.quote = null;
    this.meta = null;
    this.loadSeq = 0;
    this.lastReload = 0;
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  tfButtons() {
    return Array.from(this.root.querySelectorAll("[data-chart-timeframes] [data-timeframe]"));
  }

  async start() {
    let lib;
    try {
      lib = await loadLibrary(this.root.dataset.lwcSrc);
    } catch (error) {
      this.showOverlay("Chart unavailable", error.message);
      this.host.dataset.state = "error";
      return;
    }
    this.chart = new PriceChart(this.root, this.host, lib, {
      onCrosshair: (param) => this.renderLegend(param),
      onNearStart: () => this.loadEarlier(),
    });
    this.watchlist = new Watchlist(this.root, {
      current: () => this.symbol,
      onOpen: (sym) => this.open(sym),
      onChange: () => this.renderHeader(),
    });
    this.wireControls();
    this.watchlist.load();
    await this.load(this.symbol, this.timeframe);
    this.timers();
  }

  // ---------- loading ----------

  async load(symbol, tf, { silent = false } = {}) {
    const seq = ++this.loadSeq;
    const sym = symbol.toUpperCase();
    this.host.dataset.state = "loading";
    if (!silent) this.showOverlay("Loading " + sym + "…", "");
    try {
      const view = await fetchView(sym, tf);
      if (seq !== this.loadSeq) return; // a newer request won
      this.symbol = sym;
      this.timeframe = tf;
      this.quote = view.quote;
      this.meta = view.bars;
      this.levels = view.levels instanceof Error ? null : view.levels;
      if (view.levels instanceof Error) toast(`Key levels unavailable: ${view.levels.message}`, "warning");
      this.history = { loading: false, done: isIntraday(tf) || !view.bars.bars.length };
      this.chart.show(view.bars.bars, { timeframe: tf, sessions: view.sessions, vwap: this.levelsPanel.isOn("vwap") });
      this.host.dataset.barCount = String(this.chart.bars.length);
      this.host.dataset.firstBar = this.firstBarDate();
      this.host.dataset.history = this.history.done ? "start" : "more";
      this.renderLegend(null);
      this.renderHeader();
      this.renderLevels();
      this.syncControls();
      this.saveState();
      this.chart.fit();
      this.host.dataset.state = "ready";
      if (!view.bars.bars.length) this.showOverlay(`No ${tf} bars for ${sym}`, "Try a coarser timeframe.");
      else this.hideOverlay();
    } catch (error) {
      if (seq !== this.loadSeq) return;
      this.host.dataset.state = "error";
      if (silent) return;
      const first = !this.chart.bars.length || this.symbol === sym;
      const msg = error.status === 404 ? `${sym} was not found.` : error.message;
      if (first) this.showOverlay(`Could not load ${sym}`, msg);
      else {
        toast(msg, "error");
        this.hideOverlay();
        this.host.dataset.state = "ready";
        this.syncControls();
      }
    }
  }

  /** The first loaded bar's date ("YYYY-MM-DD", UTC: a daily bar's session date). */
  firstBarDate() {
    const b = this.chart.bars[0];
    return b ? new Date(b.utc * 1000).toISOString().slice(0, 10) : "";
  }

  /** Older bars in front of the loaded ones (daily and longer; see the module comment). */
  async loadEarlier() {
    const h = this.history;
    if (!h || h.loading || h.done || !this.chart.bars.length) return;
    h.loading = true;
    const seq = this.loadSeq;
    const { symbol, timeframe } = this;
    const note = this.$("[data-chart-history]");
    note.hidden = false;
    note.textContent = "Loading earlier bars…";
    this.host.dataset.history = "loading";
    try {
      const body = await fetchEarlier(symbol, timeframe, this.chart.bars[0].utc);
      if (seq !== this.loadSeq) return; // another symbol or timeframe since
      const before = this.chart.visibleTimes();
      const added = this.chart.prepend(body.bars || []);
      const after = this.chart.visibleTimes();
      // The last bar in view (the first one may be blank space before the data when scrolled).
      this.host.dataset.lastPrepend = JSON.stringify({ added, before: before?.to ?? null, after: after?.to ?? null });
      this.host.dataset.barCount = String(this.chart.bars.length);
      this.host.dataset.firstBar = this.firstBarDate();
      h.done = added === 0;
      if (added) this.renderLegend(null);
    } catch {
      h.failed = (h.failed || 0) + 1;
      h.done = h.failed >= 3; // keep trying on the next scroll, a few times
    } finally {
      if (seq === this.loadSeq) {
        h.loading = false;
        this.host.dataset.history = h.done ? "start" : "more";
        note.textContent = h.done ? `${symbol} data starts here` : "";
        note.hidden = !h.done;
        if (h.done) setTimeout(() => { if (this.history === h) note.hidden = true; }, 2500);
      }
    }
  }

  /** Chart `symbol` (from the search, the watchlist or another part of the app). */
  open(symbol) {
    const sym = String(symbol || "").trim().toUpperCase();
    if (!sym) return;
    if (this.chart) this.load(sym, this.timeframe);
    else this.symbol = sym; // still starting: start() loads this.symbol
  }

  // ---------- rendering ----------

  renderLevels() {
    this.host.dataset.levelCount = String(this.levelsPanel.draw(this.chart, this.levels));
    this.levelsPanel.summarize(this.levels, this.chart.vwapPoints);
  }

  renderHeader() {
    renderHeader(this.root, {
      symbol: this.symbol, quote: this.quote, meta: this.meta, levels: this.levels,
      watchlisted: Boolean(this.watchlist?.has(this.symbol)),
    });
  }

  renderLegend(param) {
    renderLegend(this.$("[data-chart-legend]"), this.chart, this.symbol, this.chart.barAt(param));
  }

  showOverlay(title, text) {
    this.$("[data-chart-overlay]").hidden = false;
    this.$("[data-chart-overlay-title]").textContent = title;
    this.$("[data-chart-overlay-text]").textContent = text || "";
  }

  hideOverlay() {
    this.$("[data-chart-overlay]").hidden = true;
  }

  syncControls() {
    for (const b of this.tfButtons()) b.setAttribute("aria-pressed", String(b.dataset.timeframe === this.timeframe));
    this.host.dataset.symbol = this.symbol;
    this.host.dataset.tf = this.timeframe;
    this.host.setAttribute("aria-label", `${this.symbol} ${this.timeframe} price chart`);
    this.watchlist?.markActive(this.symbol);
  }

  saveState() {
    remember({ symbol: this.symbol, timeframe: this.timeframe, groups: this.levelsPanel.checked() });
    const params = hashParams();
    if (params.get("tab") === "chart" || (this.panel && !this.panel.hidden)) {
      params.set("sym", this.symbol);
      params.set("tf", this.timeframe);
      replaceHash(params);
    }
  }

  // ---------- live updates ----------

  visible() {
    return document.visibilityState === "visible" && !(this.panel && this.panel.hidden) && this.root.isConnected;
  }

  timers() {
    const live = () => this.visible() && this.host.dataset.state === "ready";
    setInterval(() => live() && this.pollQuote(), QUOTE_EVERY_MS);
    setInterval(() => live() && this.refreshLevels(), LEVELS_EVERY_MS);
  }

  async refreshLevels() {
    const sym = this.symbol;
    try {
      const levels = await fetchLevels(sym);
      if (sym !== this.symbol) return;
      this.levels = levels;
      this.renderLevels();
    } catch {
      /* keep the levels we have; the stale badge tells the story */
    }
  }

  async pollQuote() {
    const sym = this.symbol;
    const seq = this.loadSeq;
    let q;
    try {
      q = await fetchQuote(sym);
    } catch {
      this.$("[data-chart-stale]").hidden = false; // the provider is down and nothing is cached
      return;
    }
    if (seq !== this.loadSeq || sym !== this.symbol) return;
    this.quote = q;
    this.renderHeader();
    const folded = this.chart.fold(q);
    if (folded === "folded") this.renderLegend(null);
    else if (folded === "reload" && Date.now() - this.lastReload > RELOAD_AT_MOST_EVERY_MS) {
      this.lastReload = Date.now();
      this.load(this.symbol, this.timeframe, { silent: true });
    }
  }

  // ---------- controls ----------

  wireControls() {
    this.$("[data-chart-timeframes]").addEventListener("click", (event) => {
      const b = event.target.closest("[data-timeframe]");
      if (b && b.dataset.timeframe !== this.timeframe) this.load(this.symbol, b.dataset.timeframe);
    });
    this.$("[data-chart-groups]").addEventListener("change", () => {
      this.chart.drawOverlays({ vwap: this.levelsPanel.isOn("vwap") });
      this.renderLevels();
      this.renderLegend(null);
      this.saveState();
    });
    wireSearch(this.root, { onChoose: (symbol) => this.open(symbol) });
    window.addEventListener("themechange", () => {
      this.chart.recolour({ vwap: this.levelsPanel.isOn("vwap") });
      this.renderLevels();
      this.renderLegend(null);
    });
    this.panel?.addEventListener("aicoach:tab-shown", () => {
      this.chart.resize();
      this.saveState();
    });
    window.addEventListener("hashchange", () => {
      const p = hashParams();
      const sym = (p.get("sym") || "").toUpperCase();
      const tf = p.get("tf") || this.timeframe;
      if ((sym && sym !== this.symbol) || tf !== this.timeframe) this.load(sym || this.symbol, tf);
    });
  }
}

// ---------- start ----------

const instances = new WeakMap();

function current() {
  const root = document.querySelector("[data-chart-tab]");
  return root ? instances.get(root) : null;
}

function initAll() {
  for (const root of document.querySelectorAll("[data-chart-tab]")) {
    if (instances.has(root)) continue;
    const tab = new ChartTab(root);
    instances.set(root, tab);
    tab.start();
  }
}

document.addEventListener("htmx:load", initAll);
initAll();
// After initAll: a symbol opened before this tab first loaded is delivered right here.
workspace.on("chart", (detail) => current()?.open(detail && detail.symbol));
