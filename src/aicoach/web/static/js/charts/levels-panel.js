// Key levels on the Chart tab: the per-group toggles ([data-chart-groups] checkboxes with a
// count each), the price lines they draw, a screen-reader list of what is drawn, and the summary
// under the chart (nearest resistance and support, ATR, VWAP, the session the levels are for).
// The levels are GET /api/levels/{symbol}'s body: {groups: {group: [level]}, nearest_*, ...}.
// Only the levels that belong to the chart's timeframe are drawn (draw.js levelFitsTimeframe):
// on daily and longer charts the session-only groups (VWAP, opening range, pre-market,
// confluence) are greyed out with a tooltip saying why, and counts show what this chart draws.

import { pct, price, signedPct } from "../kit/format.js";
import { escapeHtml } from "../kit/html.js";
import { groupIsIntradayOnly, levelColorVar, levelFitsTimeframe, levelStyle, levelTitle } from "./draw.js";

export class LevelsPanel {
  constructor(root) {
    this.root = root;
    this.list = root.querySelector("[data-chart-level-list]");
  }

  boxes() {
    return Array.from(this.root.querySelectorAll('[data-chart-groups] input[type="checkbox"]'));
  }

  /** Groups switched on, in page order. */
  checked() {
    return this.boxes().filter((b) => b.checked).map((b) => b.value);
  }

  /** Switch on exactly `groups` (a remembered choice). */
  restore(groups) {
    for (const box of this.boxes()) box.checked = groups.includes(box.value);
  }

  isOn(group) {
    return this.boxes().some((b) => b.value === group && b.checked);
  }

  /** Draw the checked groups of `levels` on `chart` (a PriceChart); returns how many lines. */
  draw(chart, levels) {
    const groups = (levels && levels.groups) || {};
    const tf = chart.timeframe;
    const lines = [];
    // A drawn confluence level stands for its members: drawing them too would stack lines.
    const merged = new Set();
    if (this.isOn("confluence") && !groupIsIntradayOnly("confluence", tf)) {
      for (const c of groups.confluence || []) for (const m of c.members || []) merged.add(m);
    }
    for (const box of this.boxes()) {
      const group = box.value;
      const inGroup = (groups[group] || []).filter((lv) => lv.price !== null && levelFitsTimeframe(group, lv, tf));
      const label = box.closest("label");
      const sessionOnly = groupIsIntradayOnly(group, tf);
      label.classList.toggle("is-off-tf", sessionOnly);
      if (sessionOnly) label.title = "Session levels: shown on the intraday timeframes (1m to 1h)";
      else label.removeAttribute("title");
      label.querySelector("[data-group-count]").textContent = inGroup.length ? String(inGroup.length) : "";
      if (!box.checked || sessionOnly) continue;
      // Intraday, the VWAP is drawn as its curve with bands; flat lines would repeat it.
      if (group === "vwap" && chart.vwapIsCurve()) continue;
      for (const lv of inGroup) {
        if (merged.has(lv.label)) continue;
        lines.push({ ...lv, group, ...levelStyle(lv.kind), color: levelColorVar(group, lv.kind), title: levelTitle(lv) });
      }
    }
    const count = chart.setPriceLines(lines);
    this.list?.replaceChildren(...lines.map((lv) => Object.assign(document.createElement("li"), {
      textContent: `${lv.label}: ${price(lv.price)}`,
    })));
    return count;
  }

  /** The summary under the chart; `vwapPoints` are the chart's own (for before today trades). */
  summarize(levels, vwapPoints) {
    const lv = levels;
    const set = (key, markup) => (this.root.querySelector(`[data-stat="${key}"]`).innerHTML = markup);
    // distance_percent is already in percent of price (the levels API's field).
    const level = (l) => (l
      ? `${price(l.price)} <span class="muted" title="${escapeHtml(l.label)}">${escapeHtml(levelTitle(l))} · ${signedPct(l.distance_percent)}</span>`
      : "—");
    set("resistance", level(lv && lv.nearest_resistance));
    set("support", level(lv && lv.nearest_support));
    const atr = lv && lv.atr_daily;
    set("atr", atr ? `${price(atr)} <span class="muted">${pct((100 * atr) / lv.price)}</span>` : "—");
    // The engine's VWAP is today's; before today trades, show the chart's last session VWAP.
    const pts = (vwapPoints || []).filter(Boolean);
    const vw = lv && lv.vwap && lv.vwap.vwap !== null ? lv.vwap : pts[pts.length - 1];
    set("vwap", vw ? `${price(vw.vwap)} <span class="muted">σ ${price(vw.sigma)}</span>` : "—");
    set("session", lv ? `${escapeHtml(lv.session_date)}${lv.historical ? " (historical data)" : ""}` : "—");
  }
}
