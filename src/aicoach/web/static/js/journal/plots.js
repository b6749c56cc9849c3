// ECharts options of the journal dashboard, built from the shapes model.js makes of the stats
// payload and a theme palette (libs.js). Pure: no DOM, no ECharts import — a test can build every
// option and check what it would draw. Money in dollars; times in epoch ms.

import { MINUS, compact, dateTimeET, num, pctFromFraction, shortDate, signedMoney } from "../kit/format.js";

/** Axis money: "$1.2K", "−$350", "$2.50", "$0". */
export function axisMoney(x) {
  if (!Number.isFinite(x)) return "";
  const a = Math.abs(x);
  if (a < 0.005) return "$0";
  const sign = x < 0 ? MINUS : "";
  const text = a >= 1000 ? compact(a) : a >= 10 ? num(a, 0) : num(a, 2).replace(/\.00$/, "");
  return sign + "$" + text;
}

/** Time-axis labels by level (ECharts picks the level per tick): days, then months, years. */
const TIME_LABELS = { year: "{yyyy}", month: "{MMM}", day: "{MMM} {d}", hour: "{HH}:{mm}", minute: "{HH}:{mm}", second: "{HH}:{mm}:{ss}", millisecond: "{HH}:{mm}" };

const axis = (p, extra = {}) => ({
  axisLine: { lineStyle: { color: p.border } },
  axisTick: { lineStyle: { color: p.border } },
  axisLabel: { color: p.muted, fontSize: 11, fontFamily: p.font },
  splitLine: { lineStyle: { color: p.border, opacity: 0.6 } },
  ...extra,
});

const tooltip = (p, extra = {}) => ({
  backgroundColor: p.surface2,
  borderColor: p.border,
  textStyle: { color: p.text, fontSize: 12, fontFamily: p.font },
  extraCssText: "box-shadow: var(--shadow); border-radius: 6px;",
  ...extra,
});

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const dayText = (ms) => shortDate(new Date(ms).toISOString().slice(0, 10), { weekday: true, year: true });

/** Equity curve (top) with its drawdown underneath (bottom), sharing the time axis. */
export function equityOption({ equity, drawdown }, p) {
  const last = equity.length ? equity[equity.length - 1][1] : 0;
  const color = last >= 0 ? p.up : p.down;
  return {
    animation: false,
    textStyle: { fontFamily: p.font },
    grid: [
      { left: 64, right: 16, top: 12, height: "58%" },
      { left: 64, right: 16, top: "74%", bottom: 24 },
    ],
    axisPointer: { link: [{ xAxisIndex: "all" }], lineStyle: { color: p.faint } },
    tooltip: tooltip(p, {
      trigger: "axis",
      formatter(items) {
        const list = Array.isArray(items) ? items : [items];
        if (!list.length) return "";
        const t = list[0].value[0];
        const rows = list.map((it) => `${esc(it.seriesName)} <b>${signedMoney(it.value[1])}</b>`);
        return [esc(dateTimeET(t)), ...rows].join("<br>");
      },
    }),
    xAxis: [
      axis(p, { type: "time", gridIndex: 0, axisLabel: { show: false }, splitLine: { show: false } }),
      axis(p, { type: "time", gridIndex: 1, splitLine: { show: false },
        axisLabel: { color: p.muted, fontSize: 11, hideOverlap: true, formatter: TIME_LABELS } }),
    ],
    yAxis: [
      axis(p, { type: "value", gridIndex: 0, scale: true, axisLabel: { color: p.muted, fontSize: 11, formatter: axisMoney } }),
      axis(p, { type: "value", gridIndex: 1, max: 0, splitNumber: 2, min: (v) => Math.min(v.min, -1),
        axisLabel: { color: p.muted, fontSize: 11, formatter: axisMoney } }),
    ],
    dataZoom: [{ type: "inside", xAxisIndex: [0, 1] }],
    series: [
      {
        name: "Equity", type: "line", xAxisIndex: 0, yAxisIndex: 0, data: equity, step: "end",
        showSymbol: equity.length <= 40, symbolSize: 4, lineStyle: { width: 2, color }, itemStyle: { color },
        areaStyle: { color, opacity: 0.08 },
        markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: p.faint, type: "dashed" }, data: [{ yAxis: 0 }] },
      },
      {
        name: "Drawdown", type: "line", xAxisIndex: 1, yAxisIndex: 1, data: drawdown, showSymbol: false, step: "end",
        lineStyle: { width: 1, color: p.down }, itemStyle: { color: p.down }, areaStyle: { color: p.down, opacity: 0.25 },
      },
    ],
  };
}

/** Daily P&L on a calendar (one cell per New York day), green up, red down. */
export function calendarOption({ cells, range, max }, p) {
  return {
    animation: false,
    textStyle: { fontFamily: p.font },
    tooltip: tooltip(p, {
      formatter: (it) => {
        const [day, pnl, n] = it.value;
        return `${esc(shortDate(day, { weekday: true, year: true }))}<br><b>${signedMoney(pnl)}</b> · ${n} trade${n === 1 ? "" : "s"} closed`;
      },
    }),
    visualMap: {
      show: true, type: "continuous", min: -max, max, dimension: 1, seriesIndex: 0, calculable: false,
      orient: "horizontal", right: 8, top: 0, itemWidth: 8, itemHeight: 90, text: ["gain", "loss"],
      textStyle: { color: p.faint, fontSize: 10 }, inRange: { color: [p.down, p.surface3, p.up] },
    },
    calendar: {
      range, top: 22, left: 34, right: 8, bottom: 4, cellSize: ["auto", 15],
      splitLine: { show: false },
      itemStyle: { color: p.surface2, borderColor: p.surface, borderWidth: 2 },
      dayLabel: { firstDay: 1, nameMap: ["S", "M", "T", "W", "T", "F", "S"], color: p.faint, fontSize: 10 },
      monthLabel: { color: p.muted, fontSize: 11, nameMap: "EN" },
      yearLabel: { show: false },
    },
    series: [{ type: "heatmap", coordinateSystem: "calendar", data: cells }],
  };
}

/** Entry weekday × hour: net P&L per cell (empty cells have no trades). */
export function heatmapOption({ hours, days, cells, max }, p) {
  return {
    animation: false,
    textStyle: { fontFamily: p.font },
    grid: { left: 40, right: 8, top: 8, bottom: 28 },
    tooltip: tooltip(p, {
      formatter: (it) => {
        const [x, y, net, n, wins] = it.value;
        if (!n) return `${esc(days[y])} ${esc(hours[x])}<br>No trades`;
        return `${esc(days[y])} ${esc(hours[x])}–${esc(hours[x].slice(0, 2))}:59<br><b>${signedMoney(net)}</b> · ${n} trade${n === 1 ? "" : "s"}, ${wins} won`;
      },
    }),
    xAxis: axis(p, { type: "category", data: hours, splitArea: { show: false }, axisLabel: { color: p.muted, fontSize: 10, formatter: (h) => h.slice(0, 2) } }),
    yAxis: axis(p, { type: "category", data: days, inverse: true, splitArea: { show: false } }),
    visualMap: { show: false, type: "continuous", min: -max, max, dimension: 2, seriesIndex: 0, inRange: { color: [p.down, p.surface3, p.up] } },
    series: [{
      type: "heatmap",
      data: cells.map((c) => (c[2] === null ? { value: [c[0], c[1], "-", 0, 0], itemStyle: { color: p.surface2 } } : c)),
      itemStyle: { borderColor: p.surface, borderWidth: 2 },
      label: { show: true, color: p.strong, fontSize: 10, formatter: (it) => (it.value[3] ? String(it.value[3]) : "") },
      emphasis: { itemStyle: { borderColor: p.strong, borderWidth: 1 } },
    }],
  };
}

/** R-multiple histogram: losing bins red, winning bins green. */
export function histogramOption(bins, p) {
  return {
    animation: false,
    textStyle: { fontFamily: p.font },
    grid: { left: 36, right: 8, top: 12, bottom: 44 },
    tooltip: tooltip(p, { trigger: "item", formatter: (it) => `${esc(it.name)}<br><b>${it.value}</b> trade${it.value === 1 ? "" : "s"}` }),
    xAxis: axis(p, { type: "category", data: bins.map((b) => b.label), axisLabel: { color: p.muted, fontSize: 10, interval: 0, rotate: 35 } }),
    yAxis: axis(p, { type: "value", minInterval: 1 }),
    series: [{
      type: "bar", barCategoryGap: "12%",
      data: bins.map((b) => ({ value: b.count, itemStyle: { color: b.sign < 0 ? p.down : b.sign > 0 ? p.up : p.muted, borderRadius: [3, 3, 0, 0] } })),
    }],
  };
}

/** One breakdown as horizontal bars of net P&L per group, the count in each label. */
export function breakdownOption(rows, p) {
  return {
    animation: false,
    textStyle: { fontFamily: p.font },
    grid: { left: 8, right: 8, top: 4, bottom: 4, containLabel: true },
    tooltip: tooltip(p, {
      trigger: "item",
      formatter: (it) => {
        const r = rows[it.dataIndex];
        const bits = [`${r.n} trade${r.n === 1 ? "" : "s"}`];
        if (r.winRate !== null) bits.push(`${pctFromFraction(r.winRate, 0)} won`);
        if (r.expectancy !== null) bits.push(`${signedMoney(r.expectancy)} per trade`);
        return `${esc(r.label)}<br><b>${signedMoney(r.net)}</b><br>${bits.join(" · ")}`;
      },
    }),
    xAxis: axis(p, {
      type: "value", axisLabel: { show: false }, splitLine: { show: false }, axisLine: { show: false }, axisTick: { show: false },
      // Room for the value labels beside the longest bars on either side.
      min: (v) => (v.min < 0 ? v.min - (Math.max(v.max, 0) - v.min) * 0.3 : 0),
      max: (v) => (v.max > 0 ? v.max + (v.max - Math.min(v.min, 0)) * 0.25 : 0),
    }),
    yAxis: axis(p, {
      type: "category", inverse: true, data: rows.map((r) => `${r.label} (${r.n})`),
      axisTick: { show: false }, axisLine: { onZero: false, lineStyle: { color: p.border } },
      axisLabel: { color: p.text, fontSize: 11, width: 130, overflow: "truncate" },
    }),
    series: [{
      type: "bar", barMaxWidth: 16,
      data: rows.map((r) => ({
        value: r.net, itemStyle: { color: r.net < 0 ? p.down : p.up, borderRadius: 2 },
        label: { position: r.net < 0 ? "left" : "right" },
      })),
      label: { show: true, color: p.muted, fontSize: 11, formatter: (it) => axisMoney(it.value) },
      markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: p.faint }, data: [{ xAxis: 0 }] },
    }],
  };
}

/** Pixel height a breakdown of `n` groups needs. */
export const breakdownHeight = (n) => Math.max(60, n * 24 + 12);

/** Day text for tests and tooltips (exported for the unit tests). */
export { dayText };
