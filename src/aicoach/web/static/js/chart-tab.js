// The Chart tab: candlesticks + volume (lightweight-charts v5), timeframe switcher, symbol
// search, the user's watchlist, key levels as price lines (toggle per group), the session VWAP
// with 1σ/2σ bands, extended-hours shading, a live last price and an OHLC legend.
//
// Wiring (templates/charts/_tab.html): [data-chart-tab] holds everything; [data-chart] is the
// canvas host and test hook (data-level-count = price lines drawn, data-symbol, data-tf,
// data-state = loading | ready | error).
//
// State lives in the URL hash next to the shell's tab (#tab=chart&sym=AAPL&tf=5m) and in
// localStorage ("aicoach-chart": symbol, timeframe, level groups).
//
// Opening the tab on a symbol from elsewhere (the chat's Key Levels card):
//   window.dispatchEvent(new CustomEvent("aicoach:open-chart", {detail: {symbol: "AAPL"}}))
// or, when this module may not be loaded yet, set the hash: location.hash = "tab=chart&sym=AAPL"
// (the shell activates the tab from the hash and the tab reads the symbol when it loads).

import { apiFetch, apiJson, toast } from "./api.js";
import {
  extendedHoursFlags, fmtChartTime, fmtPrice, fmtSigned, fmtVolume, levelColorVar, levelStyle,
  levelTitle, nyDate, sessionVwap, tickLabel, toWall,
} from "./chart-draw.js";

const STORE_KEY = "aicoach-chart";
const QUOTE_EVERY_MS = 5000;
const LEVELS_EVERY_MS = 60000;
const TF_SECONDS = { "1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600 };
/** Intraday: how many sessions to show. Coarser: how many days to look back. */
const SESSIONS_SHOWN = { "1m": 1, "5m": 3, "15m": 8, "30m": 15, "1h": 30 };
const LOOKBACK_DAYS = { "1d": 400, "1w": 5 * 366, "1mo": 20 * 366 };
const DAY = 86400;

const isIntraday = (tf) => tf in TF_SECONDS;

function recall() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

function remember(patch) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify({ ...recall(), ...patch }));
  } catch {
    /* private mode: not remembered */
  }
}

function hashParams() {
  return new URLSearchParams(window.location.hash.replace(/^#/, ""));
}

let lwcLoading = null;
function loadLibrary(src) {
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

class ChartTab {
  constructor(root) {
    this.root = root;
    this.host = root.querySelector("[data-chart]");
    this.panel = root.closest('[role="tabpanel"]');
    const saved = recall();
    const hash = hashParams();
    this.symbol = (hash.get("sym") || saved.symbol || root.dataset.defaultSymbol || "SPY").toUpperCase();
    const tf = hash.get("tf") || saved.timeframe || root.dataset.defaultTimeframe;
    this.timeframe = this.tfButtons().some((b) => b.dataset.timeframe === tf) ? tf : root.dataset.defaultTimeframe;
    if (Array.isArray(saved.groups)) {
      for (const box of this.groupBoxes()) box.checked = saved.groups.includes(box.value);
    }
    this.bars = [];
    this.barIndex = new Map();
    this.sessions = [];
    this.levels = null;
    this.quote = null;
    this.priceLines = [];
    this.watchlist = [];
    this.loadSeq = 0;
    this.lastReload = 0;
  }

  tfButtons() {
    return Array.from(this.root.querySelectorAll("[data-chart-timeframes] [data-timeframe]"));
  }

  groupBoxes() {
    return Array.from(this.root.querySelectorAll('[data-chart-groups] input[type="checkbox"]'));
  }

  $(sel) {
    return this.root.querySelector(sel);
  }

  async start() {
    try {
      this.lib = await loadLibrary(this.root.dataset.lwcSrc);
    } catch (error) {
      this.showOverlay("Chart unavailable", error.message);
      this.host.dataset.state = "error";
      return;
    }
    this.buildChart();
    this.wireControls();
    this.loadWatchlist();
    await this.load(this.symbol, this.timeframe);
    this.timers();
  }

  // ---------- chart ----------

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

  buildChart() {
    const L = this.lib;
    this.chart = L.createChart(this.host, {
      autoSize: true,
      ...this.themeOptions(),
      rightPriceScale: { ...this.themeOptions().rightPriceScale, scaleMargins: { top: 0.08, bottom: 0.22 } },
      timeScale: { ...this.themeOptions().timeScale, rightOffset: 6, timeVisible: true, secondsVisible: false,
        tickMarkFormatter: (t, type) => tickLabel(t, type) },
      localization: { timeFormatter: (t) => fmtChartTime(t, isIntraday(this.timeframe)), priceFormatter: (p) => fmtPrice(p) },
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
    this.bands = ["upper_2", "upper_1", "lower_1", "lower_2"].map((key) =>
      this.chart.addSeries(L.LineSeries, { ...quiet, key, lineWidth: 1, crosshairMarkerVisible: false }),
    );
    this.vwapLine = this.chart.addSeries(L.LineSeries, { ...quiet, lineWidth: 2, crosshairMarkerVisible: false });
    this.candles = this.chart.addSeries(L.CandlestickSeries, { priceLineVisible: true });
    this.applyColors();
    this.chart.subscribeCrosshairMove((param) => this.renderLegend(param));
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

  // ---------- data ----------

  /** The bar range to request: recent sessions for intraday, a look-back for coarser bars. Both
   *  end at the data's end (the quote's as_of), so a closed market or a historical dataset still
   *  shows its last session instead of an empty chart. */
  async range(tf, quote) {
    const nowS = Date.now() / 1000;
    const dataEnd = Math.min(nowS, Date.parse(quote.as_of) / 1000 || nowS);
    const end = Math.min(nowS, dataEnd + DAY) + 60;
    if (!isIntraday(tf)) {
      return { start: end - LOOKBACK_DAYS[tf] * DAY, end, sessions: [] };
    }
    const want = SESSIONS_SHOWN[tf];
    const first = new Date((dataEnd - (want * 1.6 + 8) * DAY) * 1000);
    const last = new Date(dataEnd * 1000);
    const list = await apiJson(`/api/market/sessions?start=${nyDate(first)}&end=${nyDate(last)}`, { toastOnError: false });
    const sessions = list
      .map((s) => ({ date: s.date, pre: Date.parse(s.premarket_start) / 1000, open: Date.parse(s.open_at) / 1000,
        close: Date.parse(s.close_at) / 1000, afterEnd: Date.parse(s.after_hours_end) / 1000 }))
      .filter((s) => s.pre <= dataEnd);
    let n = want;
    // 1m early in a session: keep the previous session in view too, for context.
    const latest = sessions[sessions.length - 1];
    if (tf === "1m" && latest && dataEnd < latest.open + 1800) n += 1;
    const shown = sessions.slice(-n);
    if (!shown.length) return { start: end - 2 * DAY, end, sessions: [] };
    return { start: shown[0].pre, end: Math.min(end, shown[shown.length - 1].afterEnd + 60), sessions: shown };
  }

  async load(symbol, tf, { silent = false } = {}) {
    const seq = ++this.loadSeq;
    const sym = symbol.toUpperCase();
    this.host.dataset.state = "loading";
    if (!silent) this.showOverlay("Loading " + sym + "…", "");
    try {
      const enc = encodeURIComponent(sym);
      const levelsP = apiJson(`/api/levels/${enc}`, { toastOnError: false }).catch((e) => e);
      const quote = await apiJson(`/api/market/${enc}/quote`, { toastOnError: false });
      const { start, end, sessions } = await this.range(tf, quote);
      const iso = (s) => new Date(s * 1000).toISOString();
      const bars = await apiJson(
        `/api/market/${enc}/bars?timeframe=${tf}&start=${encodeURIComponent(iso(start))}&end=${encodeURIComponent(iso(end))}`,
        { toastOnError: false },
      );
      const levels = await levelsP;
      if (seq !== this.loadSeq) return; // a newer request won
      this.symbol = sym;
      this.timeframe = tf;
      this.quote = quote;
      this.sessions = sessions;
      this.levels = levels instanceof Error ? null : levels;
      if (levels instanceof Error) toast(`Key levels unavailable: ${levels.message}`, "warning");
      this.setBars(bars.bars, bars);
      this.renderHeader();
      this.renderLevels();
      this.renderSummary();
      this.syncControls();
      this.saveState();
      this.chart.timeScale().fitContent();
      this.host.dataset.state = "ready";
      if (!bars.bars.length) this.showOverlay(`No ${tf} bars for ${sym}`, "Try a coarser timeframe.");
      else this.hideOverlay();
    } catch (error) {
      if (seq !== this.loadSeq) return;
      this.host.dataset.state = "error";
      if (silent) return;
      const first = !this.bars.length || this.symbol === sym;
      const msg = error.status === 404 ? `${sym} was not found.` : error.message;
      if (first) this.showOverlay(`Could not load ${sym}`, msg);
      else {
        toast(msg, "error");
        this.hideOverlay();
        this.host.dataset.state = "ready";
        this.syncControls();
      }
    }
  }

  setBars(raw, meta) {
    const intraday = isIntraday(this.timeframe);
    this.meta = meta;
    this.bars = raw.map((b) => ({ ...b, utc: b.time, time: intraday ? toWall(b.time) : b.time }));
    this.barIndex = new Map(this.bars.map((b, i) => [b.time, i]));
    this.candles.setData(this.bars.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
    const up = this.color("--up-soft").replace(/[\d.]+\)$/, "0.45)");
    const down = this.color("--down-soft").replace(/[\d.]+\)$/, "0.45)");
    this.volume.setData(this.bars.map((b) => ({ time: b.time, value: b.volume, color: b.close >= b.open ? up : down })));
    this.renderOverlays();
    this.renderLegend(null);
  }

  /** Extended-hours shading and the VWAP curve (intraday only). */
  renderOverlays() {
    const intraday = isIntraday(this.timeframe);
    const utcBars = this.bars.map((b) => ({ ...b, time: b.utc }));
    if (intraday && this.sessions.length) {
      const ext = extendedHoursFlags(utcBars, this.sessions);
      const shade = this.color("--shade");
      const none = "transparent";
      this.shade.setData(this.bars.map((b, i) => ({ time: b.time, value: 1, lineColor: none,
        topColor: ext[i] ? shade : none, bottomColor: ext[i] ? shade : none })));
    } else this.shade.setData([]);
    const showVwap = intraday && this.groupOn("vwap") && this.sessions.length;
    if (!showVwap) {
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
    const k = { upper_2: 2, upper_1: 1, lower_1: -1, lower_2: -2 };
    this.bands.forEach((s) => {
      const m = k[s.options().key];
      s.setData(line((p) => p.vwap + m * p.sigma));
    });
  }

  groupOn(group) {
    return this.groupBoxes().some((b) => b.value === group && b.checked);
  }

  renderLevels() {
    for (const line of this.priceLines) this.candles.removePriceLine(line);
    this.priceLines = [];
    const groups = (this.levels && this.levels.groups) || {};
    const intraday = isIntraday(this.timeframe);
    const list = this.$("[data-chart-level-list]");
    const items = [];
    // A drawn confluence level stands for its members: drawing them too would stack lines.
    const merged = new Set();
    if (this.groupOn("confluence")) for (const c of groups.confluence || []) for (const m of c.members || []) merged.add(m);
    for (const box of this.groupBoxes()) {
      const group = box.value;
      const levels = (groups[group] || []).filter((lv) => lv.price !== null);
      const count = box.closest("label").querySelector("[data-group-count]");
      count.textContent = levels.length ? String(levels.length) : "";
      if (!box.checked) continue;
      // Intraday, the VWAP is drawn as its curve with bands; flat lines would repeat it.
      if (group === "vwap" && intraday && this.sessions.length) continue;
      for (const lv of levels) {
        if (merged.has(lv.label)) continue;
        const { lineWidth, lineStyle } = levelStyle(lv.kind);
        this.priceLines.push(this.candles.createPriceLine({
          price: lv.price, color: this.color(levelColorVar(group, lv.kind)), lineWidth, lineStyle,
          axisLabelVisible: true, title: levelTitle(lv), lineVisible: true,
        }));
        items.push(`${lv.label}: ${fmtPrice(lv.price)}`);
      }
    }
    this.host.dataset.levelCount = String(this.priceLines.length);
    if (list) list.replaceChildren(...items.map((t) => Object.assign(document.createElement("li"), { textContent: t })));
  }

  // ---------- header, legend, summary ----------

  renderHeader() {
    const q = this.quote;
    this.$("[data-chart-symbol]").textContent = this.symbol;
    this.$("[data-chart-last]").textContent = q ? fmtPrice(q.last) : "—";
    const change = this.$("[data-chart-change]");
    if (q && q.change !== null && q.change !== undefined) {
      change.textContent = `${fmtSigned(q.change)} (${fmtSigned(q.change_percent, "%")})`;
      change.className = "chart-change num chg " + (q.change > 0 ? "up" : q.change < 0 ? "down" : "");
    } else change.textContent = "";
    const source = (q && q.source) || (this.meta && this.meta.source);
    this.$("[data-chart-sim]").hidden = source !== "simulated";
    this.$("[data-chart-files]").hidden = source !== "files";
    const stale = Boolean((q && q.stale) || (this.meta && this.meta.stale) || (this.levels && this.levels.stale));
    this.$("[data-chart-stale]").hidden = !stale;
    const phase = this.$("[data-chart-phase]");
    const phaseName = (q && q.market_phase) || "";
    phase.hidden = !phaseName;
    phase.textContent = { regular: "Market open", "pre-market": "Pre-market", "after-hours": "After hours", closed: "Market closed" }[phaseName] || phaseName;
    phase.className = "badge " + (phaseName === "regular" ? "badge-up" : "");
    this.$("[data-chart-watch-add-symbol]").textContent = this.symbol;
    this.$("[data-chart-watch-add]").hidden = this.watchlist.includes(this.symbol);
  }

  renderLegend(param) {
    const legend = this.$("[data-chart-legend]");
    let i = this.bars.length - 1;
    if (param && param.time !== undefined && this.barIndex.has(param.time)) i = this.barIndex.get(param.time);
    const b = this.bars[i];
    if (!b) {
      legend.replaceChildren();
      return;
    }
    const prev = this.bars[i - 1];
    const chg = prev ? b.close - prev.close : b.close - b.open;
    const base = prev ? prev.close : b.open;
    const cls = chg > 0 ? "up" : chg < 0 ? "down" : "";
    const parts = [
      ["", `<b>${this.symbol}</b> · ${this.timeframe} · ${fmtChartTime(b.time, isIntraday(this.timeframe))}`],
      ["O", fmtPrice(b.open)], ["H", fmtPrice(b.high)], ["L", fmtPrice(b.low)], ["C", fmtPrice(b.close)],
      ["", `<span class="${cls}">${fmtSigned(chg)} (${fmtSigned(base ? (100 * chg) / base : 0, "%")})</span>`],
      ["Vol", fmtVolume(b.volume)],
    ];
    const vw = this.vwapPoints && this.vwapPoints[i];
    if (vw) parts.push(["VWAP", `<span class="lg-vwap">${fmtPrice(vw.vwap)}</span>`]);
    legend.innerHTML = parts.map(([k, v]) => `<span>${k ? k + " " : ""}${k ? `<b>${v}</b>` : v}</span>`).join("");
  }

  renderSummary() {
    const lv = this.levels;
    const set = (key, html) => (this.$(`[data-stat="${key}"]`).innerHTML = html);
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const level = (l) => (l
      ? `${fmtPrice(l.price)} <span class="muted" title="${esc(l.label)}">${esc(levelTitle(l))} · ${fmtSigned(l.distance_percent, "%")}</span>`
      : "—");
    set("resistance", level(lv && lv.nearest_resistance));
    set("support", level(lv && lv.nearest_support));
    const atr = lv && lv.atr_daily;
    set("atr", atr ? `${fmtPrice(atr)} <span class="muted">${fmtSigned((100 * atr) / lv.price, "%").replace("+", "")}</span>` : "—");
    // The engine's VWAP is today's; before today trades, show the chart's last session VWAP.
    const pts = (this.vwapPoints || []).filter(Boolean);
    const vw = lv && lv.vwap && lv.vwap.vwap !== null ? lv.vwap : pts[pts.length - 1];
    set("vwap", vw ? `${fmtPrice(vw.vwap)} <span class="muted">σ ${fmtPrice(vw.sigma)}</span>` : "—");
    set("session", lv ? `${esc(lv.session_date)}${lv.historical ? " (historical data)" : ""}` : "—");
  }

  showOverlay(title, text) {
    this.$("[data-chart-overlay]").hidden = false;
    this.$("[data-chart-overlay-title]").textContent = title;
    this.$("[data-chart-overlay-text]").textContent = text || "";
  }

  hideOverlay() {
    this.$("[data-chart-overlay]").hidden = true;
  }

  // ---------- live updates ----------

  visible() {
    return document.visibilityState === "visible" && !(this.panel && this.panel.hidden) && this.root.isConnected;
  }

  timers() {
    setInterval(() => this.visible() && this.host.dataset.state === "ready" && this.pollQuote(), QUOTE_EVERY_MS);
    setInterval(() => this.visible() && this.host.dataset.state === "ready" && this.refreshLevels(), LEVELS_EVERY_MS);
  }

  async refreshLevels() {
    const sym = this.symbol;
    try {
      const levels = await apiJson(`/api/levels/${encodeURIComponent(sym)}`, { toastOnError: false });
      if (sym !== this.symbol) return;
      this.levels = levels;
      this.renderLevels();
      this.renderSummary();
    } catch {
      /* keep the levels we have; the stale badge tells the story */
    }
  }

  async pollQuote() {
    const sym = this.symbol;
    const seq = this.loadSeq;
    let q;
    try {
      q = await apiJson(`/api/market/${encodeURIComponent(sym)}/quote`, { toastOnError: false });
    } catch {
      this.$("[data-chart-stale]").hidden = false; // the provider is down and nothing is cached
      return;
    }
    if (seq !== this.loadSeq || sym !== this.symbol) return;
    this.quote = q;
    this.renderHeader();
    this.updateLastBar(q);
  }

  /** Fold the quote into the last candle, or reload when it belongs to a newer bar. */
  updateLastBar(q) {
    const last = this.bars[this.bars.length - 1];
    if (!last || !Number.isFinite(q.last)) return;
    const at = Date.parse(q.as_of) / 1000;
    let inLast;
    if (isIntraday(this.timeframe)) {
      inLast = toWall(at) < last.time + TF_SECONDS[this.timeframe];
    } else {
      if (q.market_phase !== "regular") return; // daily bars are regular-session bars
      const day = new Date(toWall(at) * 1000).toISOString().slice(0, 10);
      const barDay = new Date(last.time * 1000).toISOString().slice(0, 10);
      const period = { "1d": 10, "1w": -1, "1mo": 7 }[this.timeframe];
      inLast = period === -1 ? (Date.parse(day) / 1000 - last.time) < 7 * DAY : day.slice(0, period) === barDay.slice(0, period);
    }
    if (!inLast) {
      if (Date.now() - this.lastReload > 30000) {
        this.lastReload = Date.now();
        this.load(this.symbol, this.timeframe, { silent: true });
      }
      return;
    }
    if (at < last.utc) return; // an older print than the bar: nothing to fold in
    const bar = { time: last.time, open: last.open, high: Math.max(last.high, q.last), low: Math.min(last.low, q.last), close: q.last };
    Object.assign(last, bar);
    this.candles.update(bar);
    this.renderLegend(null);
  }

  // ---------- controls ----------

  syncControls() {
    for (const b of this.tfButtons()) b.setAttribute("aria-pressed", String(b.dataset.timeframe === this.timeframe));
    this.host.dataset.symbol = this.symbol;
    this.host.dataset.tf = this.timeframe;
    this.host.setAttribute("aria-label", `${this.symbol} ${this.timeframe} price chart`);
    for (const li of this.root.querySelectorAll("[data-watch-symbol]")) {
      li.classList.toggle("is-active", li.dataset.watchSymbol === this.symbol);
      li.querySelector("[data-watch-open]").setAttribute("aria-current", String(li.dataset.watchSymbol === this.symbol));
    }
  }

  saveState() {
    remember({ symbol: this.symbol, timeframe: this.timeframe, groups: this.groupBoxes().filter((b) => b.checked).map((b) => b.value) });
    const params = hashParams();
    if (params.get("tab") === "chart" || (this.panel && !this.panel.hidden)) {
      params.set("sym", this.symbol);
      params.set("tf", this.timeframe);
      history.replaceState(history.state, "", "#" + params.toString());
    }
  }

  open(symbol) {
    const sym = String(symbol || "").trim().toUpperCase();
    if (sym) this.load(sym, this.timeframe);
  }

  wireControls() {
    this.$("[data-chart-timeframes]").addEventListener("click", (event) => {
      const b = event.target.closest("[data-timeframe]");
      if (b && b.dataset.timeframe !== this.timeframe) this.load(this.symbol, b.dataset.timeframe);
    });
    this.$("[data-chart-groups]").addEventListener("change", () => {
      this.renderLevels();
      this.renderOverlays();
      this.renderLegend(null);
      this.saveState();
    });
    this.wireSearch();
    this.wireWatchlist();
    window.addEventListener("themechange", () => {
      this.applyColors();
      this.setBars(this.bars.map((b) => ({ ...b, time: b.utc })), this.meta);
      this.renderLevels();
    });
    this.root.closest("[role=tabpanel]")?.addEventListener("aicoach:tab-shown", () => {
      const { width, height } = this.host.getBoundingClientRect();
      if (width && height) this.chart.resize(width, height);
      this.saveState();
    });
    window.addEventListener("hashchange", () => {
      const p = hashParams();
      const sym = (p.get("sym") || "").toUpperCase();
      const tf = p.get("tf") || this.timeframe;
      if ((sym && sym !== this.symbol) || tf !== this.timeframe) this.load(sym || this.symbol, tf);
    });
  }

  wireSearch() {
    const input = this.$("[data-chart-search-input]");
    const list = this.$("[data-chart-search-list]");
    let timer = 0;
    let active = -1;
    let results = [];
    let querySeq = 0;
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (i) => {
      active = i;
      list.querySelectorAll("[role=option]").forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
      if (i >= 0) input.setAttribute("aria-activedescendant", `chart-opt-${i}`);
    };
    const render = () => {
      list.replaceChildren();
      if (!results.length) {
        const li = document.createElement("li");
        li.className = "none";
        li.textContent = "No matching symbol";
        list.append(li);
      }
      results.forEach((r, i) => {
        const li = document.createElement("li");
        li.id = `chart-opt-${i}`;
        li.setAttribute("role", "option");
        li.dataset.symbol = r.symbol;
        for (const [cls, text] of [["sym", r.symbol], ["name", r.name], ["kind", r.kind]]) {
          const span = document.createElement("span");
          span.className = cls;
          span.textContent = text;
          li.append(span);
        }
        list.append(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(results.length ? 0 : -1);
    };
    const choose = (symbol) => {
      close();
      input.value = "";
      input.blur();
      this.open(symbol);
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (!q) return close();
      timer = setTimeout(async () => {
        const seq = ++querySeq;
        try {
          const found = await apiJson(`/api/market/search?q=${encodeURIComponent(q)}&limit=8`, { toastOnError: false });
          if (seq !== querySeq || input.value.trim() !== q) return;
          results = found;
          render();
        } catch {
          close();
        }
      }, 150);
    });
    input.addEventListener("keydown", (event) => {
      const n = results.length;
      if (event.key === "ArrowDown" && !list.hidden && n) {
        event.preventDefault();
        highlight((active + 1) % n);
      } else if (event.key === "ArrowUp" && !list.hidden && n) {
        event.preventDefault();
        highlight((active - 1 + n) % n);
      } else if (event.key === "Enter") {
        event.preventDefault();
        const pick = !list.hidden && active >= 0 ? results[active].symbol : input.value.trim();
        if (pick) choose(pick);
      } else if (event.key === "Escape") {
        if (!list.hidden) close();
        else input.value = "";
      }
    });
    list.addEventListener("mousedown", (event) => {
      const li = event.target.closest("[role=option]");
      if (!li) return;
      event.preventDefault(); // keep focus in the input until the choice is made
      choose(li.dataset.symbol);
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
  }

  // ---------- watchlist ----------

  async loadWatchlist() {
    try {
      const body = await apiJson("/api/watchlist", { toastOnError: false });
      this.watchlist = body.symbols;
    } catch {
      this.watchlist = [];
    }
    this.renderWatchlist();
  }

  renderWatchlist() {
    const ul = this.$("[data-chart-watchlist]");
    ul.replaceChildren(...this.watchlist.map((sym) => {
      const li = document.createElement("li");
      li.className = "chart-watch-item";
      li.dataset.watchSymbol = sym;
      li.innerHTML =
        '<button type="button" data-watch-open></button>' +
        '<button type="button" data-watch-remove><svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg></button>';
      const open = li.querySelector("[data-watch-open]");
      open.textContent = sym;
      open.title = `Chart ${sym}`;
      li.querySelector("[data-watch-remove]").setAttribute("aria-label", `Remove ${sym} from watchlist`);
      return li;
    }));
    this.syncControls();
    this.renderHeader();
  }

  wireWatchlist() {
    this.$("[data-chart-watchlist]").addEventListener("click", async (event) => {
      const li = event.target.closest("[data-watch-symbol]");
      if (!li) return;
      const sym = li.dataset.watchSymbol;
      if (event.target.closest("[data-watch-remove]")) {
        try {
          await apiFetch(`/api/watchlist/${encodeURIComponent(sym)}`, { method: "DELETE" });
          this.watchlist = this.watchlist.filter((s) => s !== sym);
          this.renderWatchlist();
          toast(`${sym} removed from your watchlist.`, "success");
        } catch {
          /* apiFetch showed the error */
        }
      } else if (sym !== this.symbol) this.open(sym);
    });
    this.$("[data-chart-watch-add]").addEventListener("click", async () => {
      try {
        const body = await apiJson("/api/watchlist", { method: "POST", json: { symbol: this.symbol } });
        this.watchlist = body.symbols;
        this.renderWatchlist();
        toast(`${this.symbol} added to your watchlist.`, "success");
      } catch {
        /* apiFetch showed the error */
      }
    });
  }
}

// ---------- start ----------

const instances = new WeakMap();

function initAll() {
  for (const root of document.querySelectorAll("[data-chart-tab]")) {
    if (instances.has(root)) continue;
    const tab = new ChartTab(root);
    instances.set(root, tab);
    tab.start();
  }
}

function current() {
  const root = document.querySelector("[data-chart-tab]");
  return root ? instances.get(root) : null;
}

/** Open the Chart tab on `symbol` (works before this tab has ever been shown). */
export function openChart(symbol) {
  const sym = String(symbol || "").trim().toUpperCase();
  if (!sym) return;
  // Same as app.js activateTab("chart"): importing app.js here would run its set-up twice.
  const tab = document.querySelector('[data-tabs] [role="tab"][data-tab="chart"]');
  const chart = current();
  if (chart) {
    if (tab && tab.getAttribute("aria-selected") !== "true") tab.click();
    chart.open(sym);
    return;
  }
  const params = hashParams();
  params.set("sym", sym);
  history.replaceState(history.state, "", "#" + params.toString());
  if (tab) tab.click(); // the tab loads, and its ChartTab reads the symbol from the hash
}

if (!window.__aicoachChartEvents) {
  window.__aicoachChartEvents = true;
  window.addEventListener("aicoach:open-chart", (event) => openChart(event.detail && event.detail.symbol));
}

document.addEventListener("htmx:load", initAll);
initAll();
