// The trade detail's chart of the underlying (lightweight-charts v5, vendored): candles around
// the trade from GET /api/market/{symbol}/bars — intraday bars for a short trade, daily bars for
// a longer one (model.barWindow) — with a marker at each entry and exit, the option strikes and
// the underlying's price at entry as price lines. Intraday bars are shown on the New York clock.
//
//   const chart = new TradeChart(host, LightweightCharts);
//   await chart.show(trade, {timeframe: ""});   // "" picks the bars by how long it was held

import { apiJson } from "../kit/api.js";
import { price } from "../kit/format.js";
import { amount, barWindow, strikeLines, toWallSeconds, tradeMarkers } from "./model.js";

const enc = encodeURIComponent;

export class TradeChart {
  constructor(host, lib) {
    this.host = host;
    this.L = lib;
    this.lines = [];
    this.seq = 0;
    this.build();
  }

  color(name, fallback = "#888") {
    return getComputedStyle(this.host).getPropertyValue(name).trim() || fallback;
  }

  build() {
    const L = this.L;
    const c = (n) => this.color(n);
    this.chart = L.createChart(this.host, {
      autoSize: true,
      layout: { background: { type: "solid", color: c("--surface") }, textColor: c("--muted"), attributionLogo: false,
        fontFamily: getComputedStyle(document.body).fontFamily, fontSize: 11 },
      grid: { vertLines: { color: c("--border") + "80" }, horzLines: { color: c("--border") + "80" } },
      rightPriceScale: { borderColor: c("--border") },
      timeScale: { borderColor: c("--border"), timeVisible: true, secondsVisible: false, rightOffset: 3 },
      localization: { priceFormatter: (p) => price(p) },
      crosshair: { mode: L.CrosshairMode ? L.CrosshairMode.Normal : 0 },
    });
    this.candles = this.chart.addSeries(L.CandlestickSeries, { priceLineVisible: false, lastValueVisible: false });
    this.markers = L.createSeriesMarkers ? L.createSeriesMarkers(this.candles, []) : null;
    this.recolour();
  }

  recolour() {
    const up = this.color("--up");
    const down = this.color("--down");
    this.candles.applyOptions({ upColor: up, downColor: down, borderUpColor: up, borderDownColor: down, wickUpColor: up, wickDownColor: down });
  }

  async fetchBars(symbol, win) {
    const url = `/api/market/${enc(symbol)}/bars?timeframe=${enc(win.timeframe)}&start=${enc(win.start)}&end=${enc(win.end)}`;
    const body = await apiJson(url, { toastOnError: false });
    return body?.bars || [];
  }

  /**
   * Draw the trade. Resolves to {timeframe, bars, markers, source}; throws (an ApiError) when the
   * market has no bars for the symbol at all.
   */
  async show(trade, { timeframe = "" } = {}) {
    const seq = ++this.seq;
    let win = barWindow(trade.opened_at, trade.closed_at, Date.now(), timeframe);
    const wanted = win.timeframe;
    let bars = [];
    try {
      bars = await this.fetchBars(trade.underlying, win);
    } catch (error) {
      if (win.timeframe === "1d") throw error;
    }
    if (!bars.length && win.timeframe !== "1d") {
      // No intraday history that far back (or a provider that has none): daily bars instead.
      win = barWindow(trade.opened_at, trade.closed_at, Date.now(), "1d");
      bars = await this.fetchBars(trade.underlying, win);
    }
    if (seq !== this.seq) return null; // another trade was opened meanwhile
    const daily = win.timeframe === "1d";
    const shown = (t) => (daily ? t : toWallSeconds(t));
    this.candles.setData(bars.map((b) => ({ time: shown(b.time), open: b.open, high: b.high, low: b.low, close: b.close })));
    const marks = tradeMarkers(trade.legs, bars.map((b) => b.time), { daily });
    const entry = this.color("--jr-entry", "#5ea3ff");
    const exit = this.color("--jr-exit", "#f0b90b");
    this.markers?.setMarkers(marks.map((m) => ({
      time: shown(m.time),
      position: m.kind === "entry" ? "belowBar" : "aboveBar",
      shape: m.kind === "entry" ? "arrowUp" : "arrowDown",
      color: m.kind === "entry" ? entry : exit,
      text: m.text,
    })));
    for (const line of this.lines) this.candles.removePriceLine(line);
    this.lines = [];
    const spot = trade.enrichment?.underlying_price;
    const spotValue = spot && spot.state === "ok" ? amount(spot.value) : null;
    if (spotValue !== null) {
      this.lines.push(this.candles.createPriceLine({ price: spotValue, color: entry, lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: "at entry" }));
    }
    const strikes = strikeLines(trade.legs);
    for (const k of strikes) {
      this.lines.push(this.candles.createPriceLine({
        price: k.price, color: k.side === "short" ? this.color("--down") : this.color("--info"),
        lineWidth: 1, lineStyle: 1, axisLabelVisible: false, title: k.title,
      }));
    }
    // The price axis takes in the strikes and the price at entry when they are near the bars
    // (a strike far outside them would squash the candles to a line).
    const lows = bars.map((b) => b.low);
    const highs = bars.map((b) => b.high);
    const lo = Math.min(...lows);
    const hi = Math.max(...highs);
    const reach = (hi - lo) * 0.6;
    const near = [spotValue, ...strikes.map((k) => k.price)].filter((v) => v !== null && v >= lo - reach && v <= hi + reach);
    this.candles.applyOptions({
      autoscaleInfoProvider: (base) => {
        const r = base();
        if (!r || !near.length) return r;
        return { ...r, priceRange: { minValue: Math.min(r.priceRange.minValue, ...near), maxValue: Math.max(r.priceRange.maxValue, ...near) } };
      },
    });
    this.chart.timeScale().fitContent();
    return {
      timeframe: win.timeframe, wanted, bars: bars.length, markers: marks.length,
      spot: spotValue !== null, strikes: strikes.length, strikesAway: strikes.filter((k) => !near.includes(k.price)).length,
    };
  }

  clear() {
    this.seq++;
    this.candles.setData([]);
    this.markers?.setMarkers([]);
  }

  dispose() {
    this.chart.remove();
  }
}
