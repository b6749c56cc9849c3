// The risk graph: P&L in dollars against the underlying price, from POST /api/options/analyze.
//
//   * at expiry (first expiration) — solid, green above zero and red below, filled;
//   * "today" (the valuation date the Date slider picks) — dashed;
//   * pinned dates — dotted;
//   * the current price, breakevens and the one-sigma expected move (shaded) as markers;
//   * key levels on the price axis: a labelled line per level with the P&L at expiry at that
//     price (hover: the level's full name and the P&L now and at expiry). The strongest levels
//     (strength from GET /api/levels/{symbol}) are kept when they would crowd each other.

import { axisStyle, mountChart, palette, tooltipStyle } from "./charts.js";
import { isFiniteNumber, MINUS, num, shortDate, signedDollars, signedMoney } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";

const MAX_LEVEL_MARKS = 8;
const MIN_GAP_FRACTION = 0.035; // of the visible price range, between two labelled levels

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

export class RiskGraph {
  constructor(host, echarts) {
    this.host = host;
    this.echarts = echarts;
    this.mounted = mountChart(echarts, host);
    this.last = null;
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

    const vline = (x, color, label, { type = "dashed", width = 1, position = "insideEndTop" } = {}) => ({
      xAxis: x,
      lineStyle: { color, type, width },
      label: { show: Boolean(label), formatter: label, position, color, fontSize: 10, fontFamily: p.font,
        backgroundColor: p.surface, padding: [1, 3], borderRadius: 3 },
    });

    const series = [
      {
        name: "At expiry",
        type: "line",
        data: expiry,
        showSymbol: false,
        lineStyle: { width: 2 },
        areaStyle: { opacity: p.light ? 0.16 : 0.2 },
        z: 3,
        markLine: {
          symbol: "none",
          silent: true,
          animation: false,
          data: [
            { yAxis: 0, lineStyle: { color: p.faint, type: "solid", width: 1 }, label: { show: false } },
            vline(a.spot, p.strong, `${a.symbol} ${num(a.spot)}`, { type: "solid", width: 1.2, position: "insideEndTop" }),
            ...be.map((b) => vline(b, p.warn, `BE ${num(b)}`, { position: "insideStartBottom" })),
          ],
        },
        markArea: isFiniteNumber(pr?.expected_low) && isFiniteNumber(pr?.expected_high)
          ? { silent: true, itemStyle: { color: p.accent, opacity: 0.06 },
              label: { show: false },
              data: [[{ xAxis: Math.max(lo, pr.expected_low) }, { xAxis: Math.min(hi, pr.expected_high) }]] }
          : undefined,
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
        symbolSize: 8,
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
          data: levels.map((l) => vline(l.price, p.level, levelTag(l), { type: [2, 3], position: "insideEndBottom" })),
        },
      },
    ];

    const expirySeriesIndex = 0;
    this.mounted.chart.setOption(
      {
        animation: false,
        textStyle: { fontFamily: p.font },
        grid: { left: 8, right: 14, top: 30, bottom: 26, containLabel: true },
        legend: {
          top: 0,
          right: 4,
          itemWidth: 16,
          itemHeight: 8,
          textStyle: { color: p.muted, fontSize: 11 },
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
    return levels;
  }

  /** Redraw with the new theme's colours. */
  retheme() {
    if (this.last) this.update(...this.last);
  }

  dispose() {
    this.mounted.dispose();
  }
}
