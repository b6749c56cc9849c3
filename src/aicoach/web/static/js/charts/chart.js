// The price chart itself (lightweight-charts v5, vendored, loaded on first use): candlesticks,
// volume, extended-hours shading, the session VWAP with 1σ/2σ bands, key levels as price lines
// and a live last candle. Colours come from the theme's CSS variables; recolour() re-reads them.
//
//   const chart = new PriceChart(root, host, lib, { onCrosshair(param) {...}, onNearStart() {...} });
//   chart.show(bars, { timeframe, sessions, vwap: true });   chart.fold(quote) → "reload" | ...
//   chart.prepend(olderBars) → how many were added (the view stays on the same bars)
//
// Key-level labels never collide: whenever the view moves (scroll, zoom, resize, new data) the
// lines are laid out again — levels whose y positions are within a label height (LABEL_H) of a
// stronger one merge into its label ("PDH +2"). The names are chips at the pane's right edge
// ([data-chart-level-chips], the full names in their tooltip); the axis shows a level's price
// only where it stays two label heights from the others and clear of the last price, so the
// scale's own ticks always show. Hovering a line lists the full names of the levels on it
// ([data-chart-level-tip]). Test hook: the host's data-level-labels, JSON [{y, title, axis}].
//
// `onNearStart` fires when the view reaches the first loaded bars (the tab loads older ones).

import { price } from "../kit/format.js";
import { escapeHtml } from "../kit/html.js";
import { mergeNearby } from "../kit/label-layout.js";
import { TF_SECONDS, DAY, isIntraday } from "./data.js";
import { chartTimeText, extendedHoursFlags, sessionVwap, tickLabel, toWall } from "./draw.js";

let lwcLoading = null;

/** The global `LightweightCharts`, loaded once from `src` (only when the Chart tab opens). */
export function loadLibrary(src) {
  if (window.LightweightCharts) return Promise.resolve(window.LightweightCharts);
  if (!lwcLoading) {
    lwcLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => resolve(window.LightweightCharts);
      script.onerror = () => reject(new Error("The chart library could not be loaded."));
      document.head.append(script);
    });
  }
  return lwcLoading;
}

const BAND_SIGMAS = { upper_2: 2, upper_1: 1, lower_1: -1, lower_2: -2 };
/** A level label's height in px (11 px text with padding): labels closer than that merge. */
export const LABEL_H = 18;
/** Prices on the axis stay twice that apart, so the scale's own ticks show between them. */
const AXIS_GAP = 2 * LABEL_H;
const NEAR_START_BARS = 15;

/**
 * Lay out level labels. `lines`: [{y (px; null when off the scale), strength, title}]; `lastY`:
 * the last price's y (its axis label has the right of way). Levels within a label height of a
 * stronger one merge into its label ("PDH +2"); each label gets its level's price on the axis
 * when that stays AXIS_GAP from every other axis price and clear of the last price.
 * Returns {labels: per line {title ("" = merged into another), axis}, clusters: [{y, members}]}.
 */
export function levelLabelLayout(lines, lastY, gap = LABEL_H) {
  const order = lines
    .map((l, i) => ({ ...l, i }))
    .filter((l) => Number.isFinite(l.y))
    .sort((a, b) => (b.strength ?? 0) - (a.strength ?? 0) || a.y - b.y);
  const clusters = mergeNearby(order, gap);
  const out = lines.map(() => ({ title: "", axis: false }));
  const axisYs = Number.isFinite(lastY) ? [lastY] : [];
  const byStrength = [...clusters].sort((a, b) => (b.members[0].strength ?? 0) - (a.members[0].strength ?? 0));
  for (const c of byStrength) {
    const head = c.members[0];
    const more = c.members.length - 1;
    const axis = axisYs.every((y, k) => Math.abs(y - c.y) >= (k === 0 && Number.isFinite(lastY) ? LABEL_H : AXIS_GAP));
    if (axis) axisYs.push(c.y);
    out[head.i] = { title: more ? `${head.title} +${more}` : head.title, axis };
  }
  return { labels: out, clusters };
}

export class PriceChart {
  constructor(root, host, lib, { onCrosshair, onNearStart = () => {} }) {
    this.root = root;
    this.host = host;
    this.timeframe = "";
    this.sessions = [];
    this.bars = [];
    this.barIndex = new Map();
    this.vwapPoints = null;
    this.priceLines = [];
    this.levelLines = [];
    this.clusters = [];
    this.onNearStart = onNearStart;
    this.tip = root.querySelector("[data-chart-level-tip]");
    this.chips = root.querySelector("[data-chart-level-chips]");
    this.build(lib);
    this.chart.subscribeCrosshairMove((param) => {
      onCrosshair(param);
      this.hoverLevels(param);
    });
    this.chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
      this.scheduleLayout();
      // Only the trader's own scrolling asks for history, not the first fit of the data.
      if (range && range.from < NEAR_START_BARS && this.bars.length && this.interacted) this.onNearStart();
    });
    this.chart.timeScale().subscribeSizeChange(() => this.scheduleLayout());
    // Dragging the price axis rescales without a range change: lay out again on release.
    host.addEventListener("pointerup", () => this.scheduleLayout());
    host.addEventListener("wheel", () => this.scheduleLayout(), { passive: true });
    this.interacted = false;
    for (const type of ["pointerdown", "wheel", "touchstart", "keydown"]) {
      host.addEventListener(type, () => (this.interacted = true), { passive: true });
    }
  }

  color(name) {
    return getComputedStyle(this.root).getPropertyValue(name).trim() || "#888";
  }

  themeOptions() {
    const c = (n) => this.color(n);
    return {
      layout: { background: { type: "solid", color: c("--surface") }, textColor: c("--muted"), attributionLogo: false,
        fontFamily: getComputedStyle(document.body).fontFamily, fontSize: 11 },
      grid: { vertLines: { color: c("--border") + "80" }, horzLines: { color: c("--border") + "80" } },
      rightPriceScale: { borderColor: c("--border") },
      timeScale: { borderColor: c("--border") },
      crosshair: {
        vertLine: { color: c("--faint"), labelBackgroundColor: c("--surface-3") },
        horzLine: { color: c("--faint"), labelBackgroundColor: c("--surface-3") },
      },
    };
  }

  build(L) {
    const theme = this.themeOptions();
    this.chart = L.createChart(this.host, {
      autoSize: true,
      ...theme,
      rightPriceScale: { ...theme.rightPriceScale, scaleMargins: { top: 0.08, bottom: 0.22 } },
      timeScale: { ...theme.timeScale, rightOffset: 6, timeVisible: true, secondsVisible: false,
        tickMarkFormatter: (t, type) => tickLabel(t, type) },
      localization: { timeFormatter: (t) => chartTimeText(t, isIntraday(this.timeframe)), priceFormatter: (p) => price(p) },
      crosshair: { mode: L.CrosshairMode ? L.CrosshairMode.Normal : 0 },
    });
    const quiet = { priceLineVisible: false, lastValueVisible: false };
    // Extended hours: a full-height area on its own hidden scale, coloured per bar (a histogram
    // would leave stripes between columns).
    this.shade = this.chart.addSeries(L.AreaSeries, {
      ...quiet, priceScaleId: "shade", lineWidth: 1, lineColor: "transparent", crosshairMarkerVisible: false,
      topColor: "transparent", bottomColor: "transparent",
      autoscaleInfoProvider: () => ({ priceRange: { minValue: 0, maxValue: 1 } }),
    });
    this.chart.priceScale("shade").applyOptions({ scaleMargins: { top: 0, bottom: 0 }, visible: false });
    this.volume = this.chart.addSeries(L.HistogramSeries, {
      ...quiet, priceScaleId: "volume", priceFormat: { type: "volume" },
    });
    this.chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 }, visible: false });
    this.bands = Object.keys(BAND_SIGMAS).map((key) =>
      this.chart.addSeries(L.LineSeries, { ...quiet, key, lineWidth: 1, crosshairMarkerVisible: false }),
    );
    this.vwapLine = this.chart.addSeries(L.LineSeries, { ...quiet, lineWidth: 2, crosshairMarkerVisible: false });
    this.candles = this.chart.addSeries(L.CandlestickSeries, { priceLineVisible: true });
    this.applyColors();
  }

  applyColors() {
    const up = this.color("--up");
    const down = this.color("--down");
    const vwap = this.color("--level-vwap");
    this.chart.applyOptions(this.themeOptions());
    this.candles.applyOptions({ upColor: up, downColor: down, borderUpColor: up, borderDownColor: down,
      wickUpColor: up, wickDownColor: down, priceLineColor: this.color("--faint") });
    this.vwapLine.applyOptions({ color: vwap });
    this.bands.forEach((s, i) => s.applyOptions({ color: vwap + (i === 0 || i === 3 ? "70" : "b0"), lineStyle: i === 0 || i === 3 ? 1 : 2 }));
  }

  /** Draw `raw` bars (UTC seconds, as the bars API sends them) for `timeframe`. */
  show(raw, { timeframe, sessions, vwap }) {
    this.interacted = false; // new data is fitted first: history waits for the trader to scroll
    this.timeframe = timeframe;
    this.sessions = sessions;
    const intraday = isIntraday(timeframe);
    this.bars = raw.map((b) => ({ ...b, utc: b.time, time: intraday ? toWall(b.time) : b.time }));
    this.barIndex = new Map(this.bars.map((b, i) => [b.time, i]));
    this.candles.setData(this.bars.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
    const up = this.color("--up-soft").replace(/[\d.]+\)$/, "0.45)");
    const down = this.color("--down-soft").replace(/[\d.]+\)$/, "0.45)");
    this.volume.setData(this.bars.map((b) => ({ time: b.time, value: b.volume, color: b.close >= b.open ? up : down })));
    this.drawOverlays({ vwap });
  }

  /** The theme changed: new colours for everything, the same bars. */
  recolour({ vwap }) {
    this.applyColors();
    this.show(this.bars.map((b) => ({ ...b, time: b.utc })), { timeframe: this.timeframe, sessions: this.sessions, vwap });
  }

  /** True when the VWAP is drawn as its curve (intraday with sessions), not as flat levels. */
  vwapIsCurve() {
    return isIntraday(this.timeframe) && this.sessions.length > 0;
  }

  /** Extended-hours shading and the VWAP curve (intraday only). */
  drawOverlays({ vwap }) {
    const utcBars = this.bars.map((b) => ({ ...b, time: b.utc }));
    if (this.vwapIsCurve()) {
      const ext = extendedHoursFlags(utcBars, this.sessions);
      const shade = this.color("--shade");
      const none = "transparent";
      this.shade.setData(this.bars.map((b, i) => ({ time: b.time, value: 1, lineColor: none,
        topColor: ext[i] ? shade : none, bottomColor: ext[i] ? shade : none })));
    } else this.shade.setData([]);
    if (!vwap || !this.vwapIsCurve()) {
      this.vwapLine.setData([]);
      this.bands.forEach((s) => s.setData([]));
      this.vwapPoints = null;
      return;
    }
    const points = sessionVwap(utcBars, this.sessions);
    this.vwapPoints = points;
    // Line series join consecutive points across whitespace, and a segment takes the colour of
    // the point it starts from: each session's last point is transparent, so no line runs from
    // one session's close to the next open.
    const line = (f) => {
      let last = null;
      return this.bars.map((b, i) => {
        const p = points[i];
        if (!p || p.carried) {
          if (p === null && last) last.color = "transparent";
          if (p === null) last = null;
          return { time: b.time };
        }
        last = { time: b.time, value: f(p) };
        return last;
      });
    };
    this.vwapLine.setData(line((p) => p.vwap));
    this.bands.forEach((s) => {
      const m = BAND_SIGMAS[s.options().key];
      s.setData(line((p) => p.vwap + m * p.sigma));
    });
  }

  /** Replace the key-level price lines: [{price, color (CSS variable), lineWidth, lineStyle,
   *  title (short), label (full), strength}]. Their labels are laid out once drawn. */
  setPriceLines(lines) {
    for (const line of this.priceLines) this.candles.removePriceLine(line);
    this.levelLines = lines;
    this.priceLines = lines.map((l) => this.candles.createPriceLine({
      price: l.price, color: this.color(l.color), lineWidth: l.lineWidth, lineStyle: l.lineStyle,
      axisLabelVisible: false, title: "", lineVisible: true,
    }));
    this.layoutLabels();
    this.scheduleLayout(); // again once the price scale has taken the new data in
    return this.priceLines.length;
  }

  scheduleLayout() {
    if (this.layoutQueued) return;
    this.layoutQueued = true;
    requestAnimationFrame(() => {
      this.layoutQueued = false;
      this.layoutLabels();
    });
  }

  /** Merge the labels of levels that would collide (see the module comment): the axis gets a
   *  price per label where there is room; the names are chips at the pane's right edge. */
  layoutLabels() {
    const lines = this.levelLines.map((l) => ({ y: this.candles.priceToCoordinate(l.price), strength: l.strength, title: l.title, line: l }));
    const last = this.bars[this.bars.length - 1];
    const lastY = last ? this.candles.priceToCoordinate(last.close) : null;
    const { labels, clusters } = levelLabelLayout(lines, lastY);
    labels.forEach((lab, i) => this.priceLines[i].applyOptions({ axisLabelVisible: lab.axis, title: "" }));
    this.clusters = clusters;
    if (this.chips) {
      const axisWidth = this.chart.priceScale("right").width();
      const paneHeight = this.host.clientHeight - this.chart.timeScale().height();
      this.chips.style.right = `${axisWidth + 4}px`;
      this.chips.innerHTML = clusters
        .filter((c) => c.y >= LABEL_H / 2 && c.y <= paneHeight - LABEL_H / 2)
        .map((c) => {
          const head = c.members[0];
          const lab = labels[head.i];
          const full = c.members.map((m) => `${m.line.label} ${price(m.line.price)}`).join("\n");
          return `<span class="chart-level-chip" style="top: ${Math.round(c.y - LABEL_H / 2)}px; --c: ${this.color(head.line.color)}"
            title="${escapeHtml(full)}" data-y="${Math.round(c.y)}" data-axis="${lab.axis}">${escapeHtml(lab.title)}</span>`;
        })
        .join("");
    }
    this.host.dataset.levelLabels = JSON.stringify(Array.from(this.chips?.children || [], (el) => ({
      y: Number(el.dataset.y), title: el.textContent, axis: el.dataset.axis === "true",
    })));
  }

  /** Under the crosshair, near a level line or its label: list the full names there. */
  hoverLevels(param) {
    if (!this.tip) return;
    const pt = param && param.point;
    const hit = pt && this.clusters.find((c) => c.members.some((m) => Math.abs(m.y - pt.y) <= 4));
    if (!hit) {
      this.tip.hidden = true;
      return;
    }
    const rows = [...hit.members].sort((a, b) => b.line.price - a.line.price);
    this.tip.innerHTML = rows.map((m) => `<div><b>${escapeHtml(price(m.line.price))}</b> ${escapeHtml(m.line.label)}</div>`).join("");
    this.tip.hidden = false;
    this.tip.style.top = `${Math.max(0, hit.y - 10)}px`;
  }

  /**
   * Put older bars (`raw`, UTC seconds, oldest first) in front of the loaded ones, keeping the
   * view on the same bars. Returns how many were added (bars already loaded are skipped).
   */
  prepend(raw) {
    const first = this.bars[0];
    const intraday = isIntraday(this.timeframe);
    const older = raw
      .filter((b) => !first || b.time < first.utc)
      .map((b) => ({ ...b, utc: b.time, time: intraday ? toWall(b.time) : b.time }));
    if (!older.length) return 0;
    const ts = this.chart.timeScale();
    const range = ts.getVisibleLogicalRange();
    this.bars = [...older, ...this.bars];
    this.barIndex = new Map(this.bars.map((b, i) => [b.time, i]));
    this.candles.setData(this.bars.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
    const up = this.color("--up-soft").replace(/[\d.]+\)$/, "0.45)");
    const down = this.color("--down-soft").replace(/[\d.]+\)$/, "0.45)");
    this.volume.setData(this.bars.map((b) => ({ time: b.time, value: b.volume, color: b.close >= b.open ? up : down })));
    if (range) ts.setVisibleLogicalRange({ from: range.from + older.length, to: range.to + older.length });
    return older.length;
  }

  /** The first and last bar times in view (chart seconds), or null. */
  visibleTimes() {
    const r = this.chart.timeScale().getVisibleRange();
    return r ? { from: r.from, to: r.to } : null;
  }

  /** Index of the bar under the crosshair (`param` from lightweight-charts), else the last one. */
  barAt(param) {
    if (param && param.time !== undefined && this.barIndex.has(param.time)) return this.barIndex.get(param.time);
    return this.bars.length - 1;
  }

  /**
   * Fold a quote into the last candle: "folded"; "reload" when the quote belongs to a newer bar;
   * "ignored" when there is nothing to fold (no bars, an older print, a daily bar outside hours).
   */
  fold(q) {
    const last = this.bars[this.bars.length - 1];
    if (!last || !Number.isFinite(q.last)) return "ignored";
    const at = Date.parse(q.as_of) / 1000;
    let inLast;
    if (isIntraday(this.timeframe)) {
      inLast = toWall(at) < last.time + TF_SECONDS[this.timeframe];
    } else {
      if (q.market_phase !== "regular") return "ignored"; // daily bars are regular-session bars
      const day = new Date(toWall(at) * 1000).toISOString().slice(0, 10);
      const barDay = new Date(last.time * 1000).toISOString().slice(0, 10);
      const period = { "1d": 10, "1w": -1, "1mo": 7 }[this.timeframe];
      inLast = period === -1 ? (Date.parse(day) / 1000 - last.time) < 7 * DAY : day.slice(0, period) === barDay.slice(0, period);
    }
    if (!inLast) return "reload";
    if (at < last.utc) return "ignored"; // an older print than the bar: nothing to fold in
    const bar = { time: last.time, open: last.open, high: Math.max(last.high, q.last), low: Math.min(last.low, q.last), close: q.last };
    Object.assign(last, bar);
    this.candles.update(bar);
    return "folded";
  }

  fit() {
    this.chart.timeScale().fitContent();
  }

  resize() {
    const { width, height } = this.host.getBoundingClientRect();
    if (width && height) this.chart.resize(width, height);
  }
}
