// The journal dashboard: the headline numbers ([data-jr-kpis]) and the analytics view — equity
// curve with drawdown, daily P&L calendar, entry-time heatmap, R-multiple histogram, breakdowns
// and the patterns list — from GET /api/journal/stats and /patterns (analytics.dashboard's
// payload: numbers are dollars, rates fractions, unavailable values {value: null, reason}).
//
//   const dash = new Dashboard({kpis, analytics}, echartsPromise);
//   dash.render(stats, patterns);   dash.shown();  (plots draw once their view is visible)

import { html } from "../kit/html.js";
import { dollars, num, pctFromFraction, shortDate, signedDollars, signedNum, tone } from "../kit/format.js";
import { mountChart, palette } from "./libs.js";
import { BREAKDOWNS, breakdownRows, calendarData, equitySeries, heatmapCells, histogramBins, humanize, statValue } from "./model.js";
import { breakdownHeight, breakdownOption, calendarOption, equityOption, heatmapOption, histogramOption } from "./plots.js";

/** Below this many days, Sharpe and Sortino say little (shown, with that caution). */
const FEW_DAYS = 20;
/** One of two figures in a tile: its text and tone ("—" when there is none). */
const pairPart = (x) => (x === null ? { text: "—", tone: "" } : { text: signedDollars(x), tone: tone(x) });
const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : "");
const plural = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

/** {text, tone, sub, missing} of each headline number. */
export function headline(stats) {
  const s = stats?.summary || {};
  const t = stats?.trades || {};
  const n = s.n || 0;
  const v = (x) => statValue(x);
  const out = {};
  const missing = (reason) => ({ text: "—", tone: "", sub: cap(reason || "not available"), missing: true });

  const net = v(s.net_pnl);
  const openNote = t.open ? ` · ${plural(t.open, "open trade")} not counted` : "";
  out.net = n
    ? { text: signedDollars(net.value), tone: tone(net.value), sub: `${plural(n, "closed trade")}${openNote}` }
    : missing(t.open ? `no closed trades yet (${plural(t.open, "open trade")})` : "no closed trades");

  const wr = v(s.win_rate);
  const scratch = s.scratches ? ` · ${s.scratches} even` : "";
  out.win_rate = wr.value === null ? missing(wr.reason) : { text: pctFromFraction(wr.value, 1), tone: "", sub: `${s.wins ?? 0} won · ${s.losses ?? 0} lost${scratch}` };

  const pf = v(s.profit_factor);
  out.profit_factor = pf.value === null ? missing(pf.reason) : { text: num(pf.value, 2), tone: pf.value >= 1 ? "up" : "down", sub: `${dollars(s.gross_profit)} won ÷ ${dollars(s.gross_loss)} lost` };

  const ex = v(s.expectancy);
  const exr = v(s.expectancy_r);
  out.expectancy = ex.value === null ? missing(ex.reason) : {
    text: signedDollars(ex.value), tone: tone(ex.value),
    sub: exr.value === null ? "per trade" : `per trade · ${signedNum(exr.value, 2)}R over ${plural(s.n_r || 0, "trade")} with a planned risk`,
  };

  const aw = v(s.average_win);
  const al = v(s.average_loss);
  out.avg = aw.value === null && al.value === null ? missing(aw.reason) : {
    pair: [pairPart(aw.value), pairPart(al.value)],
    tone: "", sub: aw.value === null ? cap(aw.reason) : al.value === null ? cap(al.reason) : "per winning / losing trade",
  };

  const po = v(s.payoff_ratio);
  out.payoff = po.value === null ? missing(po.reason) : { text: num(po.value, 2), tone: "", sub: "average win ÷ average loss" };

  const lw = v(s.largest_win);
  const ll = v(s.largest_loss);
  out.largest = lw.value === null && ll.value === null ? missing(lw.reason) : {
    pair: [pairPart(lw.value), pairPart(ll.value)],
    tone: "", sub: lw.value === null ? cap(lw.reason) : ll.value === null ? cap(ll.reason) : "best and worst single trade",
  };

  const dd = stats?.drawdown || {};
  const mdd = v(dd.max_drawdown);
  const when = (sec) => (sec ? shortDate(new Date(sec * 1000).toISOString().slice(0, 10), { year: true }) : "");
  out.drawdown = mdd.value === null ? missing(mdd.reason) : {
    text: mdd.value > 0 ? signedDollars(-mdd.value) : dollars(0), tone: mdd.value > 0 ? "down" : "",
    sub: mdd.value > 0 ? `${dd.peak_s ? when(dd.peak_s) : "From the start"} → ${when(dd.trough_s)}` : "never below a peak",
  };

  const risk = stats?.risk || {};
  const sh = v(risk.sharpe);
  const so = v(risk.sortino);
  const few = (risk.days || 0) < FEW_DAYS;
  out.ratios = sh.value === null && so.value === null ? missing(sh.reason) : {
    pair: [{ text: sh.value === null ? "—" : num(sh.value, 2), tone: few ? "faint" : "" }, { text: so.value === null ? "—" : num(so.value, 2), tone: few ? "faint" : "" }],
    tone: "",
    sub: few ? `only ${plural(risk.days || 0, "day")} with closed trades: too few to lean on`
      : sh.value === null ? `Sharpe: ${sh.reason}` : so.value === null ? `Sortino: ${so.reason}` : `over ${plural(risk.days || 0, "day")} (${risk.basis || "days with closed trades"})`,
  };
  return out;
}

const DIMENSION_LABEL = {
  strategy: humanize,
  premium: cap,
  level: cap,
};

const EMPTY_NOTES = {
  tag: "No tags yet: tag trades in their detail (setups, mistakes) to compare them here.",
  iv_rank: "IV rank at entry is not known for these trades.",
  delta: "Delta at entry is not known for these trades.",
  dte: "No option trades here (days to expiration at entry).",
  level: "The level context at entry is not known for these trades.",
};

export class Dashboard {
  constructor({ kpis, analytics }, echarts) {
    this.kpis = kpis;
    this.root = analytics;
    this.echarts = echarts; // a promise of the library (null when it failed)
    this.charts = new Map();
    this.stats = null;
    this.patterns = null;
    this.drawn = false;
  }

  /** New numbers: the headline now, the plots when their view is visible. */
  render(stats, patterns) {
    this.stats = stats;
    this.patterns = patterns;
    this.renderKpis(stats);
    this.renderPatterns(patterns);
    this.drawn = false;
    if (!this.root.hidden) this.draw();
  }

  renderKpis(stats) {
    const figures = headline(stats);
    for (const [key, f] of Object.entries(figures)) {
      const el = this.kpis.querySelector(`[data-kpi="${key}"]`);
      if (!el) continue;
      const b = el.querySelector("b");
      if (f.pair) {
        b.innerHTML = html`<span class="${f.pair[0].tone}">${f.pair[0].text}</span> <span class="jr-kpi-sep">/</span> <span class="${f.pair[1].tone}">${f.pair[1].text}</span>`.text;
        b.className = "num jr-kpi-pair";
      } else {
        b.textContent = f.text;
        b.className = `num ${f.tone}`;
      }
      el.querySelector(".jr-kpi-sub").textContent = f.sub;
      el.toggleAttribute("data-unavailable", Boolean(f.missing));
      el.title = f.missing ? f.sub : "";
    }
    this.kpis.dataset.state = "ready";
  }

  renderPatterns(patterns) {
    const box = this.root.querySelector("[data-jr-patterns]");
    const list = box.querySelector("[data-jr-pattern-list]");
    const found = patterns?.findings || [];
    if (!found.length) {
      list.innerHTML = html`<li class="jr-pattern jr-pattern-none muted">No patterns yet: each needs at least 3 closed trades in a group (an hour, a weekday, a strategy, a tag) to compare.</li>`.text;
      box.dataset.state = "empty";
      return;
    }
    const mark = { strength: "▲", weakness: "▼", neutral: "•" };
    list.innerHTML = html`${found.map((f) => html`<li class="jr-pattern jr-tone-${String(f.tone).replace(/[^a-z]/g, "")}" data-kind="${f.kind}">
        <span class="jr-pattern-mark" aria-hidden="true">${mark[f.tone] || "•"}</span>
        <span class="jr-pattern-text">${f.sentence}</span>
        <span class="jr-pattern-meta"><span class="badge" title="Trades behind this finding">n = ${f.n}</span>${f.caution
          ? html`<span class="badge badge-warn" title="Fewer than 10 trades: could be chance">Small sample</span>` : ""}</span>
      </li>`)}`.text;
    box.dataset.state = "ready";
  }

  /** The analytics view became visible: draw what is pending. */
  shown() {
    if (!this.drawn && this.stats) this.draw();
    for (const c of this.charts.values()) c.chart.resize();
  }

  async draw() {
    const stats = this.stats;
    let echarts = null;
    try {
      echarts = await this.echarts;
    } catch {
      echarts = null;
    }
    if (stats !== this.stats) return; // newer numbers arrived meanwhile
    this.drawn = true;
    const p = palette(this.root);
    const closed = stats.summary?.n || 0;
    const none = closed ? "" : "No closed trades for these filters yet.";

    const eq = equitySeries(stats.equity);
    this.plot("equity", echarts, none || (eq.equity.length ? "" : "No closed trades."), () => equityOption(eq, p));
    const cal = calendarData(stats.daily);
    this.plot("calendar", echarts, none || (cal.range ? "" : "No closed trades."), () => calendarOption(cal, p));
    const heat = heatmapCells(stats.heatmap);
    this.plot("heatmap", echarts, none, () => heatmapOption(heat, p));
    const bins = histogramBins(stats.r_histogram);
    const withR = bins.reduce((s, b) => s + b.count, 0);
    this.plot("r_histogram", echarts, none || (withR ? "" : "No closed trade has a planned risk yet: set one in a trade's detail to see its R-multiple."), () => histogramOption(bins, p));
    this.drawBreakdowns(stats, echarts, p, none);
    this.root.dataset.state = closed ? "ready" : "empty";
  }

  /** Draw one plot into its [data-plot] host, or show `message` there instead. */
  plot(name, echarts, message, option) {
    const host = this.root.querySelector(`[data-plot="${name}"]`);
    if (!host) return;
    this.drawInto(name, host, echarts, message, option);
  }

  drawInto(name, host, echarts, message, option) {
    const failed = !echarts && !message ? "The chart library could not be loaded." : "";
    if (message || failed) {
      this.charts.get(name)?.dispose();
      this.charts.delete(name);
      host.innerHTML = html`<p class="jr-plot-msg">${message || failed}</p>`.text;
      host.dataset.state = failed ? "error" : "empty";
      return;
    }
    let mounted = this.charts.get(name);
    if (!mounted || mounted.host !== host) {
      host.replaceChildren();
      mounted = { ...mountChart(echarts, host), host };
      this.charts.set(name, mounted);
    }
    mounted.chart.setOption(option(), true);
    host.dataset.state = "ready";
  }

  drawBreakdowns(stats, echarts, p, none) {
    const grid = this.root.querySelector("[data-jr-breakdowns]");
    const groups = stats.breakdowns || {};
    // A dimension no trade has (no tags, no IV rank at entry…) is a line under the grid, not a
    // card; the others get a figure each, kept across renders so their charts are reused.
    const missing = [];
    const shown = BREAKDOWNS.filter(([dim]) => {
      if (dim === "account" && (groups.account || []).length <= 1) return false;
      const { rows, known } = breakdownRows(dim, groups[dim]);
      if (!none && (!rows.length || (!known && EMPTY_NOTES[dim]))) {
        missing.push(EMPTY_NOTES[dim] || `${BREAKDOWNS.find((b) => b[0] === dim)[1]}: no trades.`);
        return false;
      }
      return true;
    });
    this.root.querySelector("[data-jr-breakdowns-missing]").innerHTML = html`${missing.map((m) => html`<li>${m}</li>`)}`.text;
    for (const [dim, title] of shown) {
      let fig = grid.querySelector(`[data-breakdown="${dim}"]`);
      if (!fig) {
        fig = document.createElement("figure");
        fig.className = "card jr-fig jr-breakdown";
        fig.dataset.breakdown = dim;
        fig.innerHTML = html`<figcaption>${title}</figcaption><div class="jr-plot" data-plot="breakdown-${dim}" role="img" aria-label="${title}: net P&amp;L per group"></div>`.text;
        grid.append(fig);
      }
      const { rows, known } = breakdownRows(dim, groups[dim], DIMENSION_LABEL[dim] || ((k) => k));
      const host = fig.querySelector(".jr-plot");
      const note = none || (!rows.length || !known ? EMPTY_NOTES[dim] || "No trades." : "");
      host.style.height = note ? "" : `${breakdownHeight(rows.length)}px`;
      this.drawInto(`breakdown-${dim}`, host, echarts, note, () => breakdownOption(rows, p));
    }
    for (const fig of grid.querySelectorAll("[data-breakdown]")) {
      if (!shown.some(([dim]) => dim === fig.dataset.breakdown)) {
        this.charts.get(`breakdown-${fig.dataset.breakdown}`)?.dispose();
        this.charts.delete(`breakdown-${fig.dataset.breakdown}`);
        fig.remove();
      }
    }
  }

  /** The theme changed: redraw with its colours. */
  retheme() {
    if (this.stats && !this.root.hidden) this.draw();
    else this.drawn = false;
  }
}
