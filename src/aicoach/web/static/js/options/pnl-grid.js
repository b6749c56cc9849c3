// The date × price P&L grid of POST /api/options/analyze (`grid`: prices, dates, pnl[date][price]),
// shown two ways, OptionStrat style:
//   * a table: dates as columns (today … the first expiration), underlying prices as rows (high
//     at the top), each cell coloured by its P&L (green profit, red loss, deeper with size); the
//     row nearest the current price and the rows nearest each breakeven are marked;
//   * an ECharts heatmap of the same cells.
// Both tell, per cell: the date, the price, the P&L in dollars and that P&L as a percent of the
// position's maximum risk (the max loss at expiry; when the loss is unlimited, the worst loss in
// the grid). Pure helpers are exported for the unit tests.

import { axisStyle, mountChart, palette, tooltipStyle } from "./charts.js";
import { isFiniteNumber, MINUS, num, shortDate, signedDollars, signedPct } from "../kit/format.js";
import { nyDate } from "../kit/dates.js";
import { escapeHtml as esc } from "../kit/html.js";

export const MAX_TABLE_ROWS = 25;
export const MAX_HEAT_ROWS = 60;

/**
 * The grid's columns: one per New York calendar day, in order — the first instant for the first
 * day (now), the last instant of every later day (the expiration's close for the last one).
 * Returns [{index, day}] with `index` into grid.dates / grid.pnl.
 */
export function dayColumns(dates) {
  const out = [];
  dates.forEach((at, index) => {
    const day = nyDate(new Date(at));
    const last = out[out.length - 1];
    if (!last || last.day !== day) out.push({ index, day });
    else if (out.length > 1) last.index = index;
  });
  // A same-day expiration (0 DTE) still gets its own column: the close.
  const end = dates.length - 1;
  if (out.length === 1 && end > 0) out.push({ index: end, day: out[0].day });
  return out;
}

/**
 * The price rows to show: grid indexes inside [lo, hi], evenly thinned to at most `maxRows`, always
 * keeping the row nearest `spot` and the row nearest each breakeven; highest price first.
 * Returns {rows: [index], spot: index, breakevens: [index]}.
 */
export function priceRows(prices, { lo, hi, spot, breakevens = [], maxRows = MAX_TABLE_ROWS }) {
  const inside = prices.map((p, i) => i).filter((i) => isFiniteNumber(prices[i]) && prices[i] >= lo && prices[i] <= hi);
  const pool = inside.length ? inside : prices.map((p, i) => i).filter((i) => isFiniteNumber(prices[i]));
  const pick = (x) => pool.reduce((b, i) => (b < 0 || Math.abs(prices[i] - x) < Math.abs(prices[b] - x) ? i : b), -1);
  const spotRow = pick(spot);
  const beRows = [...new Set(breakevens.filter(isFiniteNumber).map(pick).filter((i) => i >= 0))];
  const must = new Set([spotRow, ...beRows].filter((i) => i >= 0));
  const room = Math.max(1, maxRows - must.size);
  const step = Math.max(1, Math.ceil(pool.length / room));
  const chosen = new Set(must);
  // Thin around the spot row so it sits on the regular ladder.
  const at = pool.indexOf(spotRow);
  for (let k = at % step; k < pool.length; k += step) chosen.add(pool[k]);
  const rows = [...chosen].sort((a, b) => prices[b] - prices[a]);
  return { rows, spot: spotRow, breakevens: beRows };
}

/** The dollars a cell's percent is taken of: the max loss, else the worst loss in the grid. */
export function maxRisk(a) {
  const e = a.expiry || {};
  if (!e.max_loss_unlimited && isFiniteNumber(e.max_loss) && e.max_loss < 0) return -e.max_loss;
  let worst = 0;
  for (const row of a.grid.pnl) for (const v of row) if (isFiniteNumber(v) && v < worst) worst = v;
  return worst < 0 ? -worst : null;
}

/** The colour strength of a P&L (0..1 of the largest |P&L| shown), for cells and the legend. */
export const intensity = (pnl, scale) => (isFiniteNumber(pnl) && scale > 0 ? Math.min(1, Math.abs(pnl) / scale) : 0);

/** "+$258", "−$1.2k": whole dollars, thousands shortened, for a crowded cell. */
export function cellMoney(x) {
  if (!isFiniteNumber(x)) return "—";
  const a = Math.abs(x);
  const text = a >= 10000 ? `$${(a / 1000).toFixed(0)}k` : a >= 1000 ? `$${(a / 1000).toFixed(1)}k` : `$${a.toFixed(0)}`;
  if (Number(a.toFixed(0)) === 0) return "$0";
  return (x < 0 ? MINUS : "+") + text;
}

/** One cell's tooltip: "Thu Dec 10 · SPY 705.00 · P&L +$120.00 · +48% of max risk". */
export function cellTitle(symbol, day, price, pnl, risk) {
  const of = isFiniteNumber(pnl) && risk ? ` · ${signedPct((100 * pnl) / risk, 0)} of max risk` : "";
  return `${shortDate(day, { weekday: true })} · ${symbol} ${num(price)} · P&L ${signedDollars(pnl)}${of}`;
}

/** The largest |P&L| among the cells shown (the colour scale). */
function scaleOf(pnl, cols, rows) {
  let m = 0;
  for (const c of cols) for (const r of rows) {
    const v = pnl[c.index][r];
    if (isFiniteNumber(v)) m = Math.max(m, Math.abs(v));
  }
  return m;
}

/** The table view, rendered into `el` from analysis `a` over the price window [lo, hi]. */
export function renderTable(el, a, [lo, hi]) {
  const g = a.grid;
  const cols = dayColumns(g.dates);
  const { rows, spot, breakevens } = priceRows(g.prices, { lo, hi, spot: a.spot, breakevens: a.expiry.breakevens });
  const scale = scaleOf(g.pnl, cols, rows);
  const risk = maxRisk(a);
  const expiry = a.first_expiration;
  const head = cols.map((c, i) => {
    const label = i === 0 ? "Now" : c.day === expiry ? `${shortDate(c.day)} exp` : shortDate(c.day);
    return `<th scope="col" class="num" title="${esc(shortDate(c.day, { weekday: true, year: true }))}">${esc(label)}</th>`;
  }).join("");
  const be = new Set(breakevens);
  const body = rows.map((r) => {
    const price = g.prices[r];
    const marks = [r === spot ? "data-spot" : "", be.has(r) ? "data-be" : ""].join(" ");
    const tag = r === spot ? `<span class="opt-grid-tag">${esc(a.symbol)}</span>` : be.has(r) ? `<span class="opt-grid-tag is-be">BE</span>` : "";
    const cells = cols.map((c) => {
      const v = g.pnl[c.index][r];
      const pct = Math.round(8 + 62 * intensity(v, scale));
      const color = v > 0 ? "var(--up)" : "var(--down)";
      const style = isFiniteNumber(v) && Math.abs(v) >= 0.5 ? ` style="background: color-mix(in srgb, ${color} ${pct}%, transparent)"` : "";
      return `<td class="num"${style} title="${esc(cellTitle(a.symbol, c.day, price, v, risk))}">${cellMoney(v)}</td>`;
    }).join("");
    return `<tr ${marks}><th scope="row" class="num">${tag}${num(price)}</th>${cells}</tr>`;
  }).join("");
  // A refresh of the same position keeps the trader's scroll; a new one starts at the price.
  const key = `${a.symbol}|${a.strategy.label}|${rows.length}|${cols.length}`;
  const keep = el.dataset.key === key ? [el.scrollTop, el.scrollLeft] : null;
  el.innerHTML = `<table class="opt-grid" aria-label="${esc(`P&L of ${a.symbol} ${a.strategy.label} by date and underlying price`)}">
    <thead><tr><th scope="col" class="num">${esc(a.symbol)}</th>${head}</tr></thead>
    <tbody>${body}</tbody></table>`;
  Object.assign(el.dataset, { rows: String(rows.length), cols: String(cols.length) });
  el.dataset.key = key;
  if (keep) {
    [el.scrollTop, el.scrollLeft] = keep;
    return;
  }
  // Start with the current price's row in view.
  const spotRow = el.querySelector("tr[data-spot]");
  if (spotRow) {
    const top = spotRow.offsetTop - el.clientHeight / 2 + spotRow.offsetHeight / 2;
    el.scrollTop = Math.max(0, top);
  }
}

/** The heatmap view of the same grid (ECharts). */
export class PnlHeatmap {
  constructor(host, echarts) {
    this.host = host;
    this.mounted = mountChart(echarts, host);
    this.last = null;
  }

  update(a, window) {
    this.last = [a, window];
    const p = palette(this.host);
    const g = a.grid;
    const cols = dayColumns(g.dates);
    const { rows, spot, breakevens } = priceRows(g.prices, {
      lo: window[0], hi: window[1], spot: a.spot, breakevens: a.expiry.breakevens, maxRows: MAX_HEAT_ROWS,
    });
    const ordered = [...rows].reverse(); // the y axis runs upward: lowest price first
    const scale = scaleOf(g.pnl, cols, rows) || 1;
    const risk = maxRisk(a);
    const data = [];
    cols.forEach((c, x) => ordered.forEach((r, y) => {
      const v = g.pnl[c.index][r];
      data.push([x, y, isFiniteNumber(v) ? v : null]);
    }));
    const yLabels = ordered.map((r) => num(g.prices[r]));
    const xLabels = cols.map((c, i) => (i === 0 ? "Now" : shortDate(c.day)));
    const mark = (r, color, label) => ({
      yAxis: ordered.indexOf(r), lineStyle: { color, type: "dashed", width: 1.2 },
      label: { show: true, formatter: label, position: "insideEndTop", color, fontSize: 10, backgroundColor: p.surface, padding: [1, 3] },
    });
    this.mounted.chart.setOption({
      animation: false,
      textStyle: { fontFamily: p.font },
      grid: { left: 8, right: 60, top: 10, bottom: 8, containLabel: true },
      tooltip: {
        ...tooltipStyle(p),
        formatter: (q) => {
          const [x, y, v] = q.data;
          return esc(cellTitle(a.symbol, cols[x].day, g.prices[ordered[y]], v, risk)).replace(/ · /g, "<br>");
        },
      },
      xAxis: { type: "category", data: xLabels, ...axisStyle(p), splitArea: { show: false }, axisLabel: { ...axisStyle(p).axisLabel, hideOverlap: true } },
      yAxis: { type: "category", data: yLabels, ...axisStyle(p), axisLabel: { ...axisStyle(p).axisLabel, hideOverlap: true } },
      visualMap: {
        type: "continuous", min: -scale, max: scale, calculable: false, orient: "vertical", right: 4, top: "middle",
        itemHeight: 140, itemWidth: 10, text: ["Profit", "Loss"], textStyle: { color: p.muted, fontSize: 10 },
        inRange: { color: [p.down, p.surface3, p.up] }, formatter: (v) => cellMoney(v),
      },
      series: [{
        type: "heatmap", data, progressive: 0,
        emphasis: { itemStyle: { borderColor: p.strong, borderWidth: 1 } },
        markLine: {
          symbol: "none", silent: true, animation: false,
          data: [mark(spot, p.strong, `${a.symbol} ${num(a.spot)}`), ...breakevens.map((r) => mark(r, p.warn, "BE"))],
        },
      }],
    }, { notMerge: true });
    this.host.dataset.cells = String(data.length);
    this.host.dataset.rows = String(ordered.length);
    this.host.dataset.cols = String(cols.length);
  }

  resize() {
    this.mounted.chart.resize();
  }

  retheme() {
    if (this.last) this.update(...this.last);
  }
}
