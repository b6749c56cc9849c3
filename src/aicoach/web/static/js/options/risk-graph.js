// The risk graph: P&L in dollars against the underlying price, from POST /api/options/analyze.
//
//   * at expiry (first expiration) — solid, green above zero and red below, filled;
//   * "today" (the valuation date the Date slider picks) — dashed;
//   * pinned dates — dotted;
//   * the price ranges that profit at expiry shaded green, those that lose shaded red;
//   * vertical lines at the current price, the breakevens, the one-sigma expected move and the
//     key levels (the strongest ones, from GET /api/levels/{symbol}, that do not crowd each
//     other), each with a horizontal label in a band above the plot: labels are staggered over
//     LABEL_ROWS rows, the most important first (price, breakevens, levels by strength, ±1σ),
//     and one that finds no room is left out (its line stays; hover the line's diamond, or the
//     levels table, for it). Every label's title (hover) gives its full name and P&L;
//   * the probability of profit in a box at the top left, outside the plot (never clipped).
//
// The labels and the PoP box are HTML over the canvas ([data-opt-risk-labels], [data-opt-pop]
// next to the chart's host), placed from the chart's own pixel conversion and placed again on
// every zoom and resize. Test hooks: each label is [data-risk-label] with data-kind and
// data-row (−1 = hidden).

import { axisStyle, mountChart, palette, tooltipStyle } from "./charts.js";
import { isFiniteNumber, MINUS, num, pctFromFraction, shortDate, dollars, signedDollars, signedMoney } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";
import { staggerLabels } from "../kit/label-layout.js";

const MAX_LEVEL_MARKS = 8;
const MIN_GAP_FRACTION = 0.035; // of the visible price range, between two labelled levels
const LABEL_ROWS = 3;
const ROW_H = 17; // px per label row
const LEGEND_H = 22; // the legend's (and the PoP box's) row at the very top
const PLOT_TOP = LEGEND_H + LABEL_ROWS * ROW_H + 6;
const SHORT = [
  [/^Prior day high/i, "PDH"], [/^Prior day low/i, "PDL"], [/^Prior day close/i, "Prev close"],
  [/^Prior week high/i, "PWH"], [/^Prior week low/i, "PWL"], [/^Prior month high/i, "PMH"],
  [/^Prior month low/i, "PML"], [/^Opening range high/i, "ORH"], [/^Opening range low/i, "ORL"],
  [/^Pre-?market high/i, "PM high"], [/^Pre-?market low/i, "PM low"],
  [/^Classic (daily|weekly|monthly) (\w+)/i, (m) => `${m[2]}${m[1][0].toLowerCase()}`],
  [/^Swing support/i, "Support"], [/^Swing resistance/i, "Resistance"],
  [/^(\d+)-day (SMA|EMA)/i, (m) => `${m[2].toUpperCase()}${m[1]}`],
  [/close\s*([+−-])\s*(\d+(?:\.\d+)?)\s*ATR/i, (m) => `${m[1] === "+" ? "+" : "−"}${m[2]} ATR`],
  [/^VWAP/i, "VWAP"],
];

/** A short name for a level label, for the crowded price axis ("Prior day high" → "PDH"). */
export function shortLevel(label) {
  const confluence = /^Confluence:\s*(.+)$/i.exec(label);
  if (confluence) {
    const members = confluence[1].split(/\s+\+\s+/);
    return `${shortLevel(members[0])} +${members.length - 1}`;
  }
  for (const [re, out] of SHORT) {
    const m = re.exec(label);
    if (m) return typeof out === "function" ? out(m) : out;
  }
  return label.length > 14 ? label.slice(0, 13) + "…" : label;
}

/** Levels to draw: inside [lo, hi], strongest first, none closer than the minimum gap. */
export function pickLevels(levels, lo, hi, strengthOf) {
  const gap = (hi - lo) * MIN_GAP_FRACTION;
  const inside = levels.filter((l) => isFiniteNumber(l.price) && l.price >= lo && l.price <= hi);
  const ranked = inside
    .map((l) => ({ ...l, strength: strengthOf(l) }))
    .sort((a, b) => b.strength - a.strength || a.price - b.price);
  const chosen = [];
  for (const l of ranked) {
    if (chosen.length >= MAX_LEVEL_MARKS) break;
    if (chosen.every((c) => Math.abs(c.price - l.price) >= gap)) chosen.push(l);
  }
  return chosen.sort((a, b) => a.price - b.price);
}

/** "PDH −$116": the level's short name and the P&L at expiry there. */
const levelTag = (l) =>
  `${shortLevel(l.label)}${isFiniteNumber(l.pnl_at_expiry) ? " " + signedMoney(l.pnl_at_expiry, 0) : ""}`;

const pairs = (xs, ys) => xs.map((x, i) => [x, ys[i]]).filter(([x, y]) => isFiniteNumber(x) && isFiniteNumber(y));

function moneyAxis(v) {
  const a = Math.abs(v);
  const s = a >= 10000 ? `$${(a / 1000).toFixed(0)}k` : a >= 1000 ? `$${(a / 1000).toFixed(1)}k` : `$${a.toFixed(0)}`;
  return v < 0 ? MINUS + s : s;
}

/** The price ranges at expiry as [[from, to, profitable]] over [lo, hi]: the profitable
 *  ranges (null = unbounded) and the gaps between them. */
export function pnlZones(ranges, lo, hi) {
  const wins = (ranges || [])
    .map(([a, b]) => [a === null ? lo : Math.max(lo, a), b === null ? hi : Math.min(hi, b)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out = [];
  let at = lo;
  for (const [a, b] of wins) {
    if (a > at) out.push([at, a, false]);
    out.push([Math.max(a, at), b, true]);
    at = Math.max(at, b);
  }
  if (at < hi) out.push([at, hi, false]);
  return out;
}

/** The plot area in pixels ({x, y, width, height}) of an ECharts instance's first grid. */
function plotRect(chart) {
  try {
    return chart.getModel().getComponent("grid").coordinateSystem.getRect();
  } catch {
    return null; // not drawn yet
  }
}

export class RiskGraph {
  constructor(host, echarts) {
    this.host = host;
    this.echarts = echarts;
    this.mounted = mountChart(echarts, host);
    this.layer = host.parentElement.querySelector("[data-opt-risk-labels]");
    this.pop = host.parentElement.querySelector("[data-opt-pop]");
    this.last = null;
    this.marks = [];
    this.layoutKey = "";
    // Zoom, pan and resize move the lines: place the labels again once the chart has drawn.
    this.mounted.chart.on("rendered", () => this.placeLabels());
  }

  /**
   * Draw `a` (AnalysisRead). `opts`: {todayLabel, strengthOf(level) → number, window: [lo, hi]
   * (the price range shown first; wheel/pinch zooms)}. Returns the key levels marked.
   */
  update(a, opts = {}) {
    this.last = [a, opts];
    const p = palette(this.host);
    const rg = a.risk_graph;
    const xs = rg.prices;
    const finiteX = xs.filter(isFiniteNumber);
    const lo = Math.min(...finiteX);
    const hi = Math.max(...finiteX);
    const expiry = pairs(xs, rg.expiry);
    const today = pairs(xs, rg.today);
    const strengthOf = opts.strengthOf || (() => 0);
    const [wlo, whi] = opts.window || [lo, hi];
    const levels = pickLevels(a.levels || [], wlo, whi, strengthOf);
    const be = (a.expiry.breakevens || []).filter((b) => b >= lo && b <= hi);
    const pr = a.probability;
    const todayName = opts.todayLabel || "Today";
    const sigma = isFiniteNumber(pr?.expected_low) && isFiniteNumber(pr?.expected_high)
      ? [[pr.expected_low, "−1σ"], [pr.expected_high, "+1σ"]].filter(([x]) => x > lo && x < hi) : [];

    const vline = (x, color, type = "dashed", width = 1) => ({ xAxis: x, lineStyle: { color, type, width }, label: { show: false } });
    // The labels, most important first (the stagger keeps the first ones).
    const ranked = [...levels].sort((x, y) => y.strength - x.strength);
    this.marks = [
      { kind: "spot", x: a.spot, text: `${a.symbol} ${num(a.spot)}`, color: p.strong, priority: 0,
        title: `${a.symbol} now: ${num(a.spot)}` },
      ...be.map((b) => ({ kind: "be", x: b, text: `BE ${num(b)}`, color: p.warn, priority: 1,
        title: `Breakeven at expiry: ${num(b)}` })),
      ...ranked.map((l, i) => ({ kind: "level", x: l.price, text: levelTag(l), color: p.level, priority: 2 + i / 100,
        title: `${l.label}: ${num(l.price)} · P&L now ${signedDollars(l.pnl_now)} · at expiry ${signedDollars(l.pnl_at_expiry)}` })),
      ...sigma.map(([x, t]) => ({ kind: "sigma", x, text: `${t} ${num(x, 0)}`, color: p.info, priority: 3,
        title: `One standard deviation ${t[0] === "+" ? "above" : "below"} by the first expiration: ${num(x)}` })),
    ];
    const zones = pnlZones(a.expiry.profitable_ranges, lo, hi);

    const series = [
      {
        name: "At expiry",
        type: "line",
        data: expiry,
        showSymbol: false,
        lineStyle: { width: 2 },
        areaStyle: { opacity: p.light ? 0.22 : 0.26 },
        z: 3,
        markLine: {
          symbol: "none",
          silent: true,
          animation: false,
          data: [
            { yAxis: 0, lineStyle: { color: p.faint, type: "solid", width: 1 }, label: { show: false } },
            vline(a.spot, p.strong, "solid", 1.3),
            ...be.map((b) => vline(b, p.warn, "dashed", 1.2)),
            ...sigma.map(([x]) => vline(x, p.info, [1, 3], 1)),
          ],
        },
        // Profit zones green, loss zones red, across the whole height.
        markArea: {
          silent: true,
          label: { show: false },
          data: zones.map(([from, to, win]) => [
            { xAxis: from, itemStyle: { color: win ? p.up : p.down, opacity: win ? (p.light ? 0.1 : 0.09) : (p.light ? 0.06 : 0.06) } },
            { xAxis: to },
          ]),
        },
      },
      {
        name: todayName,
        type: "line",
        data: today,
        showSymbol: false,
        lineStyle: { width: 1.6, type: "dashed", color: p.info },
        itemStyle: { color: p.info },
        z: 4,
      },
      ...(rg.dates || []).map((d, i) => ({
        name: shortDate(d.at.slice(0, 10)),
        type: "line",
        data: pairs(xs, d.pnl),
        showSymbol: false,
        lineStyle: { width: 1.3, type: "dotted", color: p.dates[i % p.dates.length] },
        itemStyle: { color: p.dates[i % p.dates.length] },
        z: 2,
      })),
      {
        name: "Key levels",
        type: "scatter",
        symbol: "diamond",
        symbolSize: 9,
        z: 5,
        itemStyle: { color: p.level, borderColor: p.surface, borderWidth: 1 },
        data: levels
          .filter((l) => isFiniteNumber(l.pnl_at_expiry))
          .map((l) => ({ value: [l.price, l.pnl_at_expiry], level: l })),
        tooltip: {
          trigger: "item",
          formatter: (q) => {
            const l = q.data.level;
            return `<b>${esc(l.label)}</b><br>${num(l.price)}<br>P&amp;L now ${esc(signedDollars(l.pnl_now))}` +
              `<br>At expiry ${esc(signedDollars(l.pnl_at_expiry))}`;
          },
        },
        markLine: {
          symbol: "none",
          silent: true,
          animation: false,
          data: levels.map((l) => vline(l.price, p.level, [2, 3], 1)),
        },
      },
    ];

    this.renderPop(a);
    const popWidth = this.pop && !this.pop.hidden ? this.pop.offsetWidth + 16 : 8;
    const expirySeriesIndex = 0;
    this.mounted.chart.setOption(
      {
        animation: false,
        textStyle: { fontFamily: p.font },
        grid: { left: 8, right: 14, top: PLOT_TOP, bottom: 26, containLabel: true },
        legend: {
          type: "scroll",
          top: 2,
          left: popWidth,
          right: 4,
          itemWidth: 16,
          itemHeight: 8,
          textStyle: { color: p.muted, fontSize: 11 },
          pageTextStyle: { color: p.muted },
          data: series.filter((s) => s.type === "line").map((s) => s.name),
        },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "line", lineStyle: { color: p.faint } },
          ...tooltipStyle(p),
          formatter: (params) => {
            const rows = params.filter((q) => q.seriesType === "line");
            if (!rows.length) return "";
            const x = rows[0].value[0];
            return `<b>${esc(a.symbol)} ${num(x)}</b>` +
              rows.map((q) => `<br>${q.marker}${esc(q.seriesName)} <b style="float:right;margin-left:12px">${esc(signedDollars(q.value[1]))}</b>`).join("");
          },
        },
        xAxis: { type: "value", scale: true, ...axisStyle(p), splitLine: { show: false },
          axisLabel: { ...axisStyle(p).axisLabel, showMinLabel: false, showMaxLabel: false, formatter: (v) => num(v, v % 1 ? 1 : 0) } },
        yAxis: { type: "value", scale: true, ...axisStyle(p), axisLabel: { ...axisStyle(p).axisLabel, formatter: moneyAxis } },
        visualMap: {
          show: false,
          type: "piecewise",
          seriesIndex: expirySeriesIndex,
          dimension: 1,
          // Bounded pieces: open-ended ones ({lt: 0}) throw inside ECharts 6's line gradient.
          pieces: [{ gt: -1e12, lt: 0, color: p.down }, { gte: 0, lt: 1e12, color: p.up }],
        },
        dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "filter", startValue: wlo, endValue: whi }],
        series,
      },
      { notMerge: true },
    );
    this.layoutKey = "";
    this.renderLabels();
    return levels;
  }

  /** The PoP box: chance of profit, the model, the expected move. */
  renderPop(a) {
    if (!this.pop) return;
    const pr = a.probability;
    this.pop.hidden = !pr || !isFiniteNumber(pr.pop);
    if (this.pop.hidden) return;
    this.pop.innerHTML = `<span class="opt-pop-k">Chance of profit</span> <b class="num">${pctFromFraction(pr.pop, 0)}</b>` +
      (isFiniteNumber(pr.expected_move) ? ` <span class="opt-pop-sub">±${esc(dollars(pr.expected_move))} 1σ move</span>` : "");
    this.pop.title = `Probability of profit at the first expiration (${pr.model}).`;
  }

  /** (Re)build the label elements for this.marks; placeLabels() positions them. */
  renderLabels() {
    if (!this.layer) return;
    this.layer.innerHTML = this.marks
      .map((m, i) => `<span class="opt-risk-label is-${m.kind}" data-risk-label="${i}" data-kind="${m.kind}" data-row="-1"
        title="${esc(m.title)}" style="--c: ${esc(m.color)}">${esc(m.text)}</span>`)
      .join("");
    this.widths = Array.from(this.layer.children, (el) => el.offsetWidth);
    this.placeLabels();
  }

  /** Put each label over its line, staggered; hide the ones with no room. */
  placeLabels() {
    if (!this.layer || !this.marks.length || this.layer.children.length !== this.marks.length) return;
    const chart = this.mounted.chart;
    const grid = plotRect(chart);
    if (!grid || !(grid.width > 0)) return;
    const xs = this.marks.map((m) => chart.convertToPixel({ xAxisIndex: 0 }, m.x));
    const key = `${grid.x},${grid.width},${this.layer.offsetWidth},${xs.map((x) => Math.round(x)).join(",")}`;
    if (key === this.layoutKey) return;
    this.layoutKey = key;
    if (this.widths.some((w) => !w)) this.widths = Array.from(this.layer.children, (el) => el.offsetWidth);
    const items = this.marks.map((m, i) => ({
      x: xs[i] - grid.x, w: this.widths[i] || 60, priority: m.priority,
      // Outside the plot (zoomed away): no label.
      ...(xs[i] < grid.x - 1 || xs[i] > grid.x + grid.width + 1 ? { x: -1 } : {}),
    }));
    const laid = staggerLabels(items, { width: grid.width, rows: LABEL_ROWS, gap: 6 });
    Array.from(this.layer.children).forEach((el, i) => {
      const l = laid[i];
      el.dataset.row = String(l.row);
      el.hidden = l.row < 0;
      if (l.row < 0) return;
      // Row 0 sits just above the plot; a tick runs from each label down to the plot's top.
      const top = PLOT_TOP - 4 - (l.row + 1) * ROW_H;
      el.style.left = `${grid.x + l.left}px`;
      el.style.top = `${top}px`;
      el.style.setProperty("--tick-x", `${Math.max(0, Math.min(l.w ?? 0, xs[i] - grid.x - l.left))}px`);
      el.style.setProperty("--tick-h", `${PLOT_TOP - top - ROW_H + 3}px`);
    });
    this.host.dataset.labelsShown = String(laid.filter((l) => l.row >= 0).length);
  }

  /** Redraw with the new theme's colours. */
  retheme() {
    if (this.last) this.update(...this.last);
  }

  dispose() {
    this.mounted.dispose();
  }
}
