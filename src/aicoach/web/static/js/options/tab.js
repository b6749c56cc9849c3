// The Options tab (entry module): chain viewer → position builder → risk graph and Greeks →
// saved positions and portfolio Greeks. Wiring: templates/options/_tab.html ([data-opt-tab]
// holds everything). This file holds the tab's state and wires its widgets: chain.js,
// builder.js, scenario.js, analysis-panel.js (analysis-view.js, risk-graph.js), greeks-charts.js
// (vol-curves.js), portfolio.js, position-form.js and quote-strip.js.
//
// State: the symbol, strikes shown and chain columns are remembered in localStorage
// ("aicoach-options"); a link can carry them in the hash: #tab=options&osym=QQQ&oexp=2026-12-18
// (&opos=12,13 analyses those saved positions). The builder's unsaved work — symbol,
// expiration, legs, what-if sliders — is a per-user draft (draft.js) that survives a reload
// and is cleared when the position is saved.
//
// Templates (templates.js) fill the builder with a whole structure at the money of the selected
// expiration; calendars and diagonals take their back month from the next listed expiration.
//
// Opening the tab from elsewhere (the chat's cards), through the workspace bus:
//   workspace.open("options", {symbol, position_ids, legs, expiration, title?})
// loads: position_ids → the analysis of those saved positions; legs ({symbol, kind, strike,
// expiration, quantity, entry_price}) → the builder; else the chain of symbol/expiration.
//
// Live: while the tab is visible the quote, chain and analysis refresh every 15 s.

import { apiFetch, apiJson, ApiError, toast } from "../kit/api.js";
import { debounce } from "../kit/debounce.js";
import { isFiniteNumber, num, pctFromFraction, shortDate, timeET } from "../kit/format.js";
import { hashParams, replaceHash } from "../kit/hash.js";
import { escapeHtml as esc } from "../kit/html.js";
import { jsonStore } from "../kit/storage.js";
import { workspace } from "../kit/workspace.js";
import { AnalysisPanel } from "./analysis-panel.js";
import { Builder } from "./builder.js";
import { ChainView, visibleStrikes } from "./chain.js";
import { loadECharts } from "./charts.js";
import { CloseForm } from "./close-form.js";
import { draftStore, pageUserId } from "./draft.js";
import { GreeksCharts } from "./greeks-charts.js";
import { legsForApi } from "./legs.js";
import { fieldErrors, expirationLoader, PositionForm } from "./position-form.js";
import { PnlHeatmap } from "./pnl-grid.js";
import { Book } from "./portfolio.js";
import { renderQuote } from "./quote-strip.js";
import { RiskGraph } from "./risk-graph.js";
import { Scenario } from "./scenario.js";
import { buildTemplate, nextExpiration, TEMPLATES, templateOf } from "./templates.js";
import { smileCurves, termPoints } from "./vol-curves.js";

const REFRESH_MS = 15000;
const CYCLE = { weekly: "W", monthly: "M", daily: "D" };

const { recall, remember } = jsonStore("aicoach-options");
const enc = encodeURIComponent;
/** "as of 15:42:07 ET" for an ISO timestamp. */
const asOf = (ts) => `as of ${timeET(ts, { seconds: true })} ET`;
/** The earliest expiration among `legs` ("YYYY-MM-DD"), or null for stock only. */
const firstOf = (legs) => legs.map((l) => l.expiration).filter(Boolean).sort()[0] || null;

class OptionsTab {
  constructor(root) {
    this.root = root;
    this.panel = root.closest('[role="tabpanel"]');
    const saved = recall();
    const hash = hashParams();
    this.drafts = draftStore(pageUserId());
    const draft = this.drafts.load();
    const linked = (hash.get("osym") || "").toUpperCase();
    // The draft is restored unless a link names another symbol.
    this.draft = draft && (!linked || linked === draft.symbol) ? draft : null;
    this.symbol = (linked || this.draft?.symbol || saved.symbol || root.dataset.defaultSymbol || "SPY").toUpperCase();
    this.wantExpiration = hash.get("oexp") || this.draft?.expiration || null;
    this.around = Number.isInteger(saved.around) || saved.around === null ? saved.around : 12;
    this.range = saved.range && typeof saved.range === "object" ? saved.range : null;
    this.quiet = false;
    this.expirations = [];
    this.expiration = null;
    this.chain = null;
    this.quote = null;
    this.strength = new Map();
    this.source = { kind: "builder" }; // or {kind: "saved", ids: [...], title}
    this.analysisSeq = 0;
    this.chainSeq = 0;
    this.analysis = null;
    this.expirationsOf = expirationLoader();
    const pos = (hash.get("opos") || "").split(",").map(Number).filter((n) => n > 0);
    if (pos.length) this.source = { kind: "saved", ids: pos, title: "Saved position" };
    if (Array.isArray(saved.columns)) {
      for (const box of this.columnBoxes()) box.checked = saved.columns.includes(box.value);
    }
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  columnBoxes() {
    return Array.from(this.root.querySelectorAll('[data-opt-columns] input[type="checkbox"]'));
  }

  columns() {
    return this.columnBoxes().filter((b) => b.checked).map((b) => b.value);
  }

  async start() {
    this.chainView = new ChainView(this.$("[data-opt-chain]"), { onPick: (p) => this.pick(p) });
    this.builder = new Builder(this.$("[data-opt-builder]"), {
      onChange: (legs) => this.legsChanged(legs),
      onSave: (legs, label) => this.saveBuilder(legs, label),
    });
    this.book = new Book(
      { saved: this.$("[data-opt-saved]"), portfolio: this.$("[data-opt-portfolio]") },
      {
        onAnalyze: (s) => this.showSaved(s.legs.map((l) => l.id), s.title, s.underlying, firstOf(s.legs)),
        onClose: (s) => this.closeForm.open(s),
      },
    );
    this.closeForm = new CloseForm(this.$("[data-opt-close-dialog]"), {
      onClosed: (closed) => {
        if (this.source.kind === "saved" && closed.legs.some((l) => this.source.ids.includes(l.id))) {
          this.source = { kind: "builder" };
          this.writeHash();
          this.runAnalysis();
        }
        this.book.refresh();
      },
    });
    this.form = new PositionForm(this.$("[data-opt-dialog]"), {
      symbol: () => this.symbol,
      expirations: this.expirationsOf,
      onSaved: () => this.book.refresh(),
      onBuilder: (leg) => this.addLeg(leg),
    });
    this.analysisPanel = new AnalysisPanel(this.root, { onView: () => this.graph?.placeLabels() });
    this.scenario = new Scenario(this.root, {
      onChange: () => {
        this.persist();
        this.runAnalysis();
      },
      firstExpiration: () => this.firstExpiration(),
    });
    this.wireControls();
    this.book.refresh();
    try {
      const echarts = await loadECharts(this.root.dataset.echartsSrc);
      this.graph = new RiskGraph(this.$("[data-opt-risk]"), echarts);
      this.heatmap = new PnlHeatmap(this.$("[data-opt-heat]"), echarts);
      const mini = (n) => this.$(`[data-opt-mini="${n}"]`);
      this.greeks = new GreeksCharts({ delta: mini("delta"), smile: mini("smile"), term: mini("term") }, echarts);
    } catch (error) {
      toast(error.message, "error");
    }
    if (this.draft) this.restoreDraft(this.draft);
    await this.loadSymbol(this.symbol, this.wantExpiration);
    if (this.source.kind === "saved") this.runAnalysis();
    this.timers();
  }

  // ---------- the unsaved builder (draft.js) ----------

  restoreDraft(draft) {
    this.quiet = true; // one analysis once everything is back, not one per step
    this.builder.set(draft.legs);
    this.quiet = false;
    this.scenario.restore(draft.scenario);
    this.runAnalysis();
  }

  persist() {
    if (!this.builder) return;
    if (!this.builder.legs.length) {
      this.drafts.clear();
      return;
    }
    this.drafts.save({
      symbol: this.symbol, expiration: this.expiration, legs: this.builder.legs, scenario: this.scenario.snapshot(),
    });
  }

  // ---------- controls ----------

  wireControls() {
    const symForm = this.$("[data-opt-symbol-form]");
    const symInput = this.$("[data-opt-symbol-input]");
    symForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const sym = symInput.value.trim().toUpperCase();
      if (sym && sym !== this.symbol) this.switchSymbol(sym);
    });
    symInput.addEventListener("change", () => symForm.requestSubmit());
    symInput.addEventListener("input", debounce(() => this.suggest(symInput.value.trim()), 200));
    this.$("[data-opt-expiration]").addEventListener("change", (event) => {
      this.expiration = event.target.value;
      this.writeHash();
      this.persist();
      this.loadChain({ recenter: true });
    });
    this.wireStrikes();
    this.wireTemplates();
    const sides = this.$("[data-opt-side-switch]");
    sides.addEventListener("click", (event) => {
      const b = event.target.closest("[data-opt-side]");
      if (!b) return;
      this.$("[data-opt-chain]").dataset.side = b.dataset.optSide;
      for (const x of sides.querySelectorAll("[data-opt-side]")) x.setAttribute("aria-pressed", String(x === b));
    });
    this.$("[data-opt-columns]").addEventListener("change", () => {
      remember({ columns: this.columns() });
      this.renderChain();
    });
    this.$("[data-opt-new]").addEventListener("click", () => this.form.open({ expiration: this.expiration }));
    this.$("[data-opt-back]").addEventListener("click", () => {
      this.source = { kind: "builder" };
      this.writeHash();
      this.runAnalysis();
    });
        window.addEventListener("themechange", () => {
      this.graph?.retheme();
      this.heatmap?.retheme();
      this.greeks?.retheme();
    });
  }

  /** Strikes shown: ±N around the money, all of them, or a strike range (from – to). */
  wireStrikes() {
    const select = this.$("[data-opt-strikes]");
    const range = this.$("[data-opt-range]");
    const lo = this.$("[data-opt-range-lo]");
    const hi = this.$("[data-opt-range-hi]");
    const known = Array.from(select.options, (o) => o.value);
    const value = this.range ? "range" : this.around === null ? "all" : String(this.around);
    if (!known.includes(value)) {
      select.insertBefore(new Option(`±${this.around}`, value), select.querySelector('option[value="all"]'));
    }
    select.value = value;
    range.hidden = !this.range;
    if (this.range) {
      lo.value = this.range.lo ?? "";
      hi.value = this.range.hi ?? "";
    }
    select.addEventListener("change", () => {
      if (select.value === "range") {
        range.hidden = false;
        const rows = this.chain ? visibleStrikes(this.chain.strikes, this.chain.underlying_price, { around: this.around }) : [];
        if (rows.length && !lo.value && !hi.value) {
          lo.value = String(rows[0].strike);
          hi.value = String(rows[rows.length - 1].strike);
        }
        this.range = { lo: lo.value === "" ? null : Number(lo.value), hi: hi.value === "" ? null : Number(hi.value) };
        lo.focus();
      } else {
        range.hidden = true;
        this.range = null;
        this.around = select.value === "all" ? null : Number(select.value);
      }
      remember({ around: this.around, range: this.range });
      this.renderChain({ recenter: true });
    });
    const onRange = debounce(() => {
      this.range = { lo: lo.value === "" ? null : Number(lo.value), hi: hi.value === "" ? null : Number(hi.value) };
      remember({ range: this.range });
      this.renderChain({ recenter: true });
    }, 300);
    lo.addEventListener("input", onRange);
    hi.addEventListener("input", onRange);
  }

  syncStrikesOut(shown, total) {
    const out = this.$("[data-opt-strikes-out]");
    out.textContent = `${shown} of ${total} strikes`;
  }

  /** The template menu (templates.js): applies to the selected expiration's chain. */
  wireTemplates() {
    const select = this.$("[data-opt-template]");
    const groups = new Map();
    for (const t of TEMPLATES) {
      if (!groups.has(t.group)) groups.set(t.group, []);
      groups.get(t.group).push(t);
    }
    for (const [group, list] of groups) {
      const og = document.createElement("optgroup");
      og.label = group;
      for (const t of list) og.append(new Option(t.label, t.key));
      select.append(og);
    }
    select.addEventListener("change", async () => {
      const key = select.value;
      if (!key) return;
      select.disabled = true;
      try {
        await this.applyTemplate(key, this.$("[data-opt-fill]").value);
      } finally {
        select.value = "";
        select.disabled = false;
      }
    });
  }

  async applyTemplate(key, fill = "mid") {
    const front = this.chain;
    if (!front) return;
    let back = null;
    if (templateOf(key)?.back) {
      const exp = nextExpiration(this.expirations, front.expiration);
      if (exp) {
        try {
          back = await apiJson(`/api/options/${enc(front.symbol)}/chain?expiration=${enc(exp)}`, { toastOnError: false });
        } catch (error) {
          toast(`The back month (${exp}) could not be loaded: ${error.message}`, "error");
          return;
        }
      }
    }
    let legs;
    try {
      legs = buildTemplate(key, { front, back, fill });
    } catch (error) {
      toast(error.message, "warning");
      return;
    }
    if (this.chain !== front) return; // the trader moved on meanwhile
    this.source = { kind: "builder" };
    this.writeHash();
    this.builder.set(legs);
    this.$("[data-opt-builder]").dataset.template = key;
  }

  async suggest(q) {
    if (!q) return;
    try {
      const found = await apiJson(`/api/market/search?q=${enc(q)}&limit=8`, { toastOnError: false });
      this.$("[data-opt-symbol-list]").innerHTML = found
        .map((s) => `<option value="${esc(s.symbol)}">${esc(s.name || "")}</option>`).join("");
    } catch {
      /* suggestions are optional */
    }
  }

  writeHash() {
    const params = hashParams();
    if (params.get("tab") !== "options") return; // another tab owns the hash now
    params.set("osym", this.symbol);
    if (this.expiration) params.set("oexp", this.expiration);
    if (this.source.kind === "saved") params.set("opos", this.source.ids.join(","));
    else params.delete("opos");
    replaceHash(params);
  }

  // ---------- market data ----------

  async switchSymbol(sym) {
    if (this.builder.legs.length && this.builder.legs[0].symbol !== sym) {
      this.builder.clear();
      toast("The builder was cleared: a position has one underlying.", "info");
    }
    if (this.source.kind === "saved") this.source = { kind: "builder" };
    await this.loadSymbol(sym, null);
    this.runAnalysis();
  }

  async loadSymbol(sym, wantExpiration) {
    const chainEl = this.$("[data-opt-chain]");
    chainEl.dataset.state = "loading";
    let listed;
    try {
      listed = await this.expirationsOf(sym);
    } catch (error) {
      chainEl.dataset.state = "error";
      chainEl.innerHTML = `<div class="empty" role="alert"><p class="empty-title">No options for ${esc(sym)}</p><p class="small">${esc(error.message)}</p></div>`;
      this.$("[data-opt-symbol-input]").value = this.symbol;
      return;
    }
    this.symbol = sym;
    this.$("[data-opt-symbol-input]").value = sym;
    remember({ symbol: sym });
    this.expirations = listed;
    const pick =
      listed.find((e) => e.expiration === wantExpiration) ||
      listed.find((e) => e.days_to_expiry >= 7 && e.cycle !== "daily") ||
      listed[0];
    this.expiration = pick ? pick.expiration : null;
    this.$("[data-opt-expiration]").innerHTML = listed
      .map((e) => `<option value="${esc(e.expiration)}">${esc(shortDate(e.expiration, { weekday: true }))} · ${e.days_to_expiry}d · ${CYCLE[e.cycle] || e.cycle}</option>`)
      .join("");
    if (this.expiration) this.$("[data-opt-expiration]").value = this.expiration;
    this.writeHash();
    this.persist();
    this.loadStrengths(sym);
    await Promise.all([this.loadQuote(), this.loadChain({ recenter: true })]);
    this.loadTerm(sym);
  }

  async loadQuote() {
    try {
      this.quote = await apiJson(`/api/market/${enc(this.symbol)}/quote`, { toastOnError: false });
    } catch {
      return; // the chain carries the underlying price too
    }
    renderQuote(this.root, this.quote);
  }

  async loadStrengths(sym) {
    try {
      const report = await apiJson(`/api/levels/${enc(sym)}`, { toastOnError: false });
      const map = new Map();
      for (const group of Object.values(report.groups || {})) {
        for (const l of group) map.set(l.label, isFiniteNumber(l.strength) ? l.strength : 0);
      }
      if (sym === this.symbol) this.strength = map;
    } catch {
      /* without strengths every level ranks the same; nearest ones still show */
    }
  }

  async loadChain({ recenter = false } = {}) {
    if (!this.expiration) return;
    const seq = ++this.chainSeq;
    const chainEl = this.$("[data-opt-chain]");
    try {
      const chain = await apiJson(`/api/options/${enc(this.symbol)}/chain?expiration=${enc(this.expiration)}`, { toastOnError: false });
      if (seq !== this.chainSeq) return;
      this.chain = chain;
    } catch (error) {
      if (seq !== this.chainSeq) return;
      chainEl.dataset.state = "error";
      chainEl.innerHTML = `<div class="empty" role="alert"><p class="empty-title">The chain could not be loaded</p><p class="small">${esc(error.message)}</p></div>`;
      return;
    }
    this.renderChain({ recenter });
    this.loadSmile();
  }

  renderChain({ recenter = false } = {}) {
    const c = this.chain;
    if (!c) return;
    const el = this.$("[data-opt-chain]");
    const active = document.activeElement?.closest?.("button[data-pick]");
    const key = active && el.contains(active) ? [active.dataset.pick, active.dataset.right, active.dataset.strike] : null;
    this.chainView.render(c, { columns: this.columns(), around: this.around, range: this.range, legs: this.builder.legs, recenter });
    this.syncStrikesOut(Number(el.dataset.strikeCount), c.strikes.length);
    if (key) el.querySelector(`button[data-pick="${key[0]}"][data-right="${key[1]}"][data-strike="${key[2]}"]`)?.focus({ preventScroll: true });
    Object.assign(el.dataset, { state: "ready", symbol: c.symbol, expiration: c.expiration });
    const unpriced = c.counts.unavailable || 0;
    this.$("[data-opt-chain-foot]").textContent =
      `${c.symbol} ${num(c.underlying_price)} · ${shortDate(c.expiration, { weekday: true, year: true })}, ${c.days_to_expiry}d · ` +
      `IV and Greeks ${c.model} from the mid, r ${pctFromFraction(c.r)}, q ${pctFromFraction(c.q)}` +
      (unpriced ? ` · ${unpriced} contracts without IV (no bid)` : "") + ` · ${asOf(c.as_of)}`;
    this.$("[data-opt-asof]").textContent = asOf(c.as_of);
    if (!this.quote) this.$("[data-opt-last]").textContent = `${c.symbol} ${num(c.underlying_price)}`;
    this.greeks?.delta(c, visibleStrikes(c.strikes, c.underlying_price, { around: this.around ?? 20, range: this.range }));
  }

  /** IV smile: this expiration and the next two listed after it (weekly or monthly). */
  async loadSmile() {
    if (!this.greeks || !this.chain) return;
    const c = this.chain;
    const curves = await smileCurves(c, this.expirations);
    if (this.chain === c) this.greeks.smile(curves);
  }

  /** Term structure: ATM IV across the listed expirations. */
  async loadTerm(sym) {
    if (!this.greeks || !this.chain) return;
    const points = await termPoints(sym, this.chain.underlying_price, this.expirations);
    if (sym === this.symbol) this.greeks.term(points);
  }

  // ---------- builder ----------

  pick({ right, strike, side, price, iv, expiration }) {
    if (!isFiniteNumber(price) || price <= 0) return;
    this.addLeg({
      symbol: this.chain.symbol, kind: right, strike, expiration,
      quantity: side === "buy" ? 1 : -1, entry_price: price, iv: isFiniteNumber(iv) ? iv : undefined,
    });
  }

  addLeg(leg) {
    const held = this.builder.legs[0]?.symbol;
    if (held && held !== leg.symbol) {
      toast(`The builder holds ${held} legs; clear it to build on ${leg.symbol}.`, "warning");
      return false;
    }
    if (this.source.kind === "saved") this.source = { kind: "builder" };
    this.builder.add(leg);
    return true;
  }

  legsChanged() {
    this.renderChain();
    if (this.quiet) return;
    this.persist();
    if (this.source.kind === "builder") {
      if (!this.builder.legs.length) this.scenario.untouch();
      this.runAnalysis();
    }
  }

  async saveBuilder(legs, label) {
    const body = { legs: legsForApi(legs) };
    if (label) body.label = label;
    const button = this.$("[data-opt-save-button]");
    button.disabled = true;
    try {
      const res = await apiFetch("/api/positions", { method: "POST", json: body, toastOnError: false });
      const strategy = await res.json();
      toast(`Saved ${strategy.underlying} ${strategy.title}.`, "success");
      this.builder.clear();
      this.drafts.clear(); // saved: nothing unsaved is left
      this.showSaved(strategy.legs.map((l) => l.id), strategy.title, strategy.underlying, firstOf(strategy.legs));
      await this.book.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        const parsed = fieldErrors(error);
        const perLeg = {};
        for (const [i, fields] of Object.entries(parsed.legs)) perLeg[i] = Object.entries(fields).map(([k, m]) => `${k}: ${m}`).join("; ");
        this.builder.showErrors(perLeg);
        toast(error.message, "error");
      } else toast(error.message || "Could not save.", "error");
    } finally {
      button.disabled = false;
    }
  }

  showSaved(ids, title, underlying, firstExpiration = null) {
    this.source = { kind: "saved", ids, title, firstExpiration };
    this.writeHash();
    if (underlying && underlying !== this.symbol) this.loadSymbol(underlying, null).then(() => this.runAnalysis());
    else this.runAnalysis();
    this.$("[data-opt-analysis]").scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  // ---------- analysis ----------

  firstExpiration() {
    if (this.source.kind === "saved") return this.source.firstExpiration || this.analysis?.first_expiration || null;
    const exps = this.builder.legs.map((l) => l.expiration).filter(Boolean).sort();
    return exps[0] || null;
  }

  requestBody() {
    const scenario = this.scenario.request();
    if (this.source.kind === "saved") return { position_ids: this.source.ids, scenario };
    return { legs: legsForApi(this.builder.legs), scenario };
  }

  async runAnalysis() {
    const saved = this.source.kind === "saved";
    const legs = this.builder.legs;
    this.analysisPanel.showSource(saved);
    this.scenario.sync();
    if (!saved && !legs.some((l) => l.kind !== "stock")) {
      this.analysis = null;
      this.analysisPanel.empty(legs.length > 0);
      return;
    }
    const seq = ++this.analysisSeq;
    this.analysisPanel.busy();
    let a;
    try {
      a = await apiJson("/api/options/analyze", { method: "POST", json: this.requestBody(), toastOnError: false });
    } catch (error) {
      if (seq === this.analysisSeq) this.analysisPanel.failed(error.message);
      return;
    }
    if (seq !== this.analysisSeq) return; // a newer run is on its way
    this.analysis = a;
    const valuation = this.scenario.valuationDate();
    this.analysisPanel.render(a, {
      title: saved ? this.source.title || a.strategy.label : a.strategy.label,
      saved,
      graph: this.graph,
      heatmap: this.heatmap,
      todayLabel: valuation ? `On ${shortDate(valuation)}` : "Today",
      strengthOf: (l) => this.strength.get(l.label) ?? (l.label.startsWith("Confluence") ? 90 : 50),
    });
    this.scenario.sync(); // a saved position's first expiry is known now
  }

  // ---------- live refresh ----------

  visible() {
    return !document.hidden && (!this.panel || !this.panel.hidden);
  }

  timers() {
    const tick = async () => {
      if (!this.root.isConnected) return;
      if (this.visible()) {
        await Promise.all([this.loadQuote(), this.loadChain()]);
        if (this.analysis) this.runAnalysis();
      }
      this.timer = setTimeout(tick, REFRESH_MS);
    };
    this.timer = setTimeout(tick, REFRESH_MS);
    this.panel?.addEventListener("aicoach:tab-shown", () => {
      this.graph?.mounted.chart.resize();
      if (Date.now() - (this.shownAt || 0) > REFRESH_MS) {
        this.loadQuote();
        this.loadChain();
      }
      this.shownAt = Date.now();
    });
  }

  /** Load what a chat card asked for (see the module docstring). */
  async open(detail = {}) {
    await this.ready;
    const sym = String(detail.symbol || "").trim().toUpperCase();
    const ids = (detail.position_ids || []).map(Number).filter((n) => n > 0);
    const legs = Array.isArray(detail.legs) ? detail.legs : [];
    if (sym && (sym !== this.symbol || (detail.expiration && detail.expiration !== this.expiration))) {
      if (this.builder.legs.length && this.builder.legs[0].symbol !== sym) this.builder.clear();
      await this.loadSymbol(sym, detail.expiration || null);
    }
    if (ids.length) {
      this.showSaved(ids, detail.title || "Saved position", null);
    } else if (legs.length) {
      this.source = { kind: "builder" };
      this.builder.set(legs.map((l) => ({
        symbol: String(l.symbol || sym).toUpperCase(), kind: l.kind, strike: l.strike ?? null,
        expiration: l.expiration ?? null, quantity: Number(l.quantity), entry_price: Number(l.entry_price),
      })));
    }
  }
}

// ---------- start ----------

const instances = new WeakMap();

function current() {
  const root = document.querySelector("[data-opt-tab]");
  return root ? instances.get(root) : null;
}

function initAll() {
  for (const root of document.querySelectorAll("[data-opt-tab]")) {
    if (instances.has(root)) continue;
    const tab = new OptionsTab(root);
    instances.set(root, tab);
    tab.ready = tab.start();
  }
}

document.addEventListener("htmx:load", initAll);
initAll();
// After initAll: a detail opened before this tab first loaded is delivered right here.
workspace.on("options", (detail) => current()?.open(detail || {}));
