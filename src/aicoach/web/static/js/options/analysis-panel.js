// The analysis box ([data-opt-analysis]) and its states: empty (nothing to analyse), loading
// (a first run) or busy (a re-run over the last result), error, and ready with a result of
// POST /api/options/analyze drawn: title, stats, Greeks, risk graph, levels, warnings.
// Test hooks: data-state, data-strategy, data-level-marks, aria-busy while a run is out.

import { num } from "../kit/format.js";
import { renderGreeks, renderLevels, renderStats, renderWarnings, viewWindow } from "./analysis-view.js";

const NOTHING = "Add legs to see the profit and loss at expiry and today, breakevens, probability of profit and Greeks.";
const NO_OPTION = "Add an option leg: the analysis needs at least one.";

export class AnalysisPanel {
  constructor(root) {
    this.root = root;
    this.box = root.querySelector("[data-opt-analysis]");
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
  render(a, { title, saved, graph, todayLabel, strengthOf }) {
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
    renderWarnings(this.$("[data-opt-warnings]"), a.warnings);
    Object.assign(this.box.dataset, { state: "ready", strategy: a.strategy.name, levelMarks: String(marked.length) });
  }
}
