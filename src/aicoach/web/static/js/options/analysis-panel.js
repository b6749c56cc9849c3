// The analysis box ([data-opt-analysis]) and its states: empty (nothing to analyse), loading
// (a first run) or busy (a re-run over the last result), error, and ready with a result of
// POST /api/options/analyze drawn: title, stats, Greeks, levels, warnings, and one of three
// views of the P&L (tabs, the choice remembered): the risk graph, the date × price table, or
// the heatmap of that table (pnl-grid.js).
// Test hooks: data-state, data-strategy, data-level-marks, data-view, aria-busy while a run is out.

import { num } from "../kit/format.js";
import { jsonStore } from "../kit/storage.js";
import { renderGreeks, renderLevels, renderStats, renderWarnings, viewWindow } from "./analysis-view.js";
import { renderTable } from "./pnl-grid.js";

const VIEWS = ["graph", "table", "heatmap"];
const { recall, remember } = jsonStore("aicoach-options-view");

const NOTHING = "Add legs to see the profit and loss at expiry and today, breakevens, probability of profit and Greeks.";
const NO_OPTION = "Add an option leg: the analysis needs at least one.";

export class AnalysisPanel {
  constructor(root, { onView } = {}) {
    this.root = root;
    this.box = root.querySelector("[data-opt-analysis]");
    this.onView = onView || (() => {});
    this.last = null;
    this.heatmap = null;
    const tabs = root.querySelector("[data-opt-views]");
    tabs.addEventListener("click", (event) => {
      const b = event.target.closest("[data-opt-view]");
      if (b) this.show(b.dataset.optView, { focus: false });
    });
    tabs.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = VIEWS[(VIEWS.indexOf(this.view) + step + VIEWS.length) % VIEWS.length];
      this.show(next, { focus: true });
    });
    const saved = recall().view;
    this.show(VIEWS.includes(saved) ? saved : "graph", { focus: false, store: false });
  }

  /** Switch the P&L view: "graph" | "table" | "heatmap". */
  show(view, { focus = false, store = true } = {}) {
    this.view = view;
    for (const b of this.root.querySelectorAll("[data-opt-view]")) {
      const on = b.dataset.optView === view;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    for (const pane of this.root.querySelectorAll("[data-opt-pane]")) pane.hidden = pane.dataset.optPane !== view;
    this.box.dataset.view = view;
    if (store) remember({ view });
    this.onView(view);
    this.drawView();
  }

  /** Draw the current view from the last result (the heatmap only once it is visible). */
  drawView() {
    if (!this.last) return;
    const [a, view] = this.last;
    if (this.view === "table") renderTable(this.$("[data-opt-grid]"), a, view);
    if (this.view === "heatmap" && this.heatmap) {
      this.heatmap.resize();
      this.heatmap.update(a, view);
    }
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  /** Saved positions show a "Saved" badge and a way back to the builder. */
  showSource(saved) {
    this.$("[data-opt-back]").hidden = !saved;
    const src = this.$("[data-opt-analysis-src]");
    src.hidden = !saved;
    src.textContent = saved ? "Saved" : "";
  }

  /** Nothing to analyse: `hasLegs` says whether the builder holds stock only or nothing. */
  empty(hasLegs) {
    this.box.dataset.state = "empty";
    this.message(hasLegs ? NO_OPTION : NOTHING);
    this.$("[data-opt-analysis-title]").textContent = "Risk graph";
    this.$("[data-opt-strategy-name]").hidden = true;
  }

  busy() {
    this.$("[data-opt-analysis-busy]").hidden = false;
    this.box.dataset.state = this.box.dataset.state === "ready" ? "ready" : "loading";
    this.box.setAttribute("aria-busy", "true");
  }

  idle() {
    this.$("[data-opt-analysis-busy]").hidden = true;
    this.box.removeAttribute("aria-busy");
  }

  failed(message) {
    this.idle();
    this.box.dataset.state = "error";
    this.message(message);
  }

  message(text) {
    const empty = this.$("[data-opt-analysis-empty]");
    empty.hidden = false;
    empty.textContent = text;
    this.$("[data-opt-analysis-body]").hidden = true;
  }

  /**
   * Draw analysis `a`. `title` heads it; `saved` hides the detected strategy's name (a saved
   * position keeps its own); `graph` (a RiskGraph, absent when ECharts failed) gets
   * `todayLabel` and `strengthOf(level)` to pick the levels worth marking.
   */
  render(a, { title, saved, graph, heatmap, todayLabel, strengthOf }) {
    this.idle();
    this.$("[data-opt-analysis-empty]").hidden = true;
    this.$("[data-opt-analysis-body]").hidden = false;
    this.$("[data-opt-analysis-title]").textContent = `${a.symbol} ${title}`;
    const name = this.$("[data-opt-strategy-name]");
    name.hidden = saved || a.strategy.name === "custom";
    name.textContent = a.strategy.name.replace(/_/g, " ");
    renderStats(this.box, a);
    renderGreeks(this.$("[data-opt-greeks]"), a);
    const view = viewWindow(a);
    let marked = [];
    if (graph) {
      marked = graph.update(a, { window: view, todayLabel, strengthOf });
      const be = a.expiry.breakevens.map((b) => num(b)).join(" and ");
      this.$("[data-opt-risk]").setAttribute("aria-label",
        `Risk graph of ${a.symbol} ${a.strategy.label}: breakevens ${be || "none"}; ${marked.length} key levels marked`);
    }
    renderLevels(this.$("[data-opt-levels-box]"), a, view[0], view[1], marked);
    this.heatmap = heatmap || null;
    this.last = [a, view];
    this.drawView();
    renderWarnings(this.$("[data-opt-warnings]"), a.warnings);
    Object.assign(this.box.dataset, { state: "ready", strategy: a.strategy.name, levelMarks: String(marked.length) });
  }
}
