// Small Greeks and volatility panels under the chain:
//   delta(chain, rows)   call and put delta across strikes, the underlying price marked
//   smile(curves)        IV by strike per expiration, out-of-the-money side (puts below the
//                        price, calls above): [{expiration, spot, rows}]
//   term(points)         at-the-money IV per expiration: [{expiration, dte, iv}]
// IV is shown in percent; the chain's IV is an annual decimal.

import { axisStyle, mountChart, palette, tooltipStyle } from "./charts.js";
import { isFiniteNumber, num, pct, pctFromFraction, shortDate } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";

/** Out-of-the-money IV by strike: put IV below `spot`, call IV at and above. */
export function otmSmile(rows, spot) {
  const out = [];
  for (const r of rows) {
    const q = r.strike < spot ? r.put : r.call;
    if (q && isFiniteNumber(q.iv)) out.push([r.strike, q.iv * 100]);
  }
  return out;
}

/** At-the-money IV: mean of the call and put IV at the strike nearest `spot`. */
export function atmIv(rows, spot) {
  let best = null;
  for (const r of rows) {
    const ivs = [r.call?.iv, r.put?.iv].filter(isFiniteNumber);
    if (!ivs.length) continue;
    if (!best || Math.abs(r.strike - spot) < Math.abs(best.strike - spot)) {
      best = { strike: r.strike, iv: ivs.reduce((s, x) => s + x, 0) / ivs.length };
    }
  }
  return best ? best.iv : null;
}

export class GreeksCharts {
  constructor(hosts, echarts) {
    this.charts = {};
    for (const [name, host] of Object.entries(hosts)) {
      if (host) this.charts[name] = { host, mounted: mountChart(echarts, host), last: null };
    }
  }

  base(p, extra = {}) {
    return {
      animation: false,
      textStyle: { fontFamily: p.font },
      grid: { left: 4, right: 10, top: 24, bottom: 4, containLabel: true },
      tooltip: { trigger: "axis", ...tooltipStyle(p) },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 6, textStyle: { color: p.muted, fontSize: 10 } },
      ...extra,
    };
  }

  set(name, build, args) {
    const c = this.charts[name];
    if (!c) return;
    c.last = [build, args];
    c.mounted.chart.setOption(build.call(this, palette(c.host), ...args), { notMerge: true });
  }

  delta(chain, rows) {
    this.set("delta", this.deltaOption, [chain, rows]);
  }

  deltaOption(p, chain, rows) {
    const calls = rows.filter((r) => isFiniteNumber(r.call?.delta)).map((r) => [r.strike, r.call.delta]);
    const puts = rows.filter((r) => isFiniteNumber(r.put?.delta)).map((r) => [r.strike, r.put.delta]);
    const line = (name, data, color) => ({ name, type: "line", data, showSymbol: false, lineStyle: { width: 1.6, color }, itemStyle: { color } });
    return this.base(p, {
      xAxis: { type: "value", scale: true, ...axisStyle(p), splitLine: { show: false } },
      yAxis: { type: "value", min: -1, max: 1, interval: 0.5, ...axisStyle(p) },
      tooltip: {
        trigger: "axis", ...tooltipStyle(p),
        formatter: (ps) => `<b>${num(ps[0].value[0])}</b>` + ps.map((q) => `<br>${q.marker}${esc(q.seriesName)} ${num(q.value[1], 2)}`).join(""),
      },
      series: [
        { ...line("Call Δ", calls, p.up),
          markLine: { symbol: "none", silent: true, label: { show: false }, data: [{ xAxis: chain.underlying_price, lineStyle: { color: p.faint, type: "dashed" } }] } },
        line("Put Δ", puts, p.down),
      ],
    });
  }

  smile(curves) {
    this.set("smile", this.smileOption, [curves]);
  }

  smileOption(p, curves) {
    const colors = [p.info, p.dates[0], p.dates[1], p.dates[2]];
    return this.base(p, {
      xAxis: { type: "value", scale: true, ...axisStyle(p), splitLine: { show: false } },
      yAxis: { type: "value", scale: true, ...axisStyle(p), axisLabel: { ...axisStyle(p).axisLabel, formatter: (v) => pct(v, 0) } },
      tooltip: {
        trigger: "axis", ...tooltipStyle(p),
        formatter: (ps) => `<b>${num(ps[0].value[0])}</b>` + ps.map((q) => `<br>${q.marker}${esc(q.seriesName)} ${pct(q.value[1], 1)}`).join(""),
      },
      series: curves.map((c, i) => ({
        name: shortDate(c.expiration),
        type: "line",
        data: otmSmile(c.rows, c.spot),
        showSymbol: false,
        smooth: 0.2,
        lineStyle: { width: i === 0 ? 2 : 1.3, color: colors[i % colors.length] },
        itemStyle: { color: colors[i % colors.length] },
      })),
    });
  }

  term(points) {
    this.set("term", this.termOption, [points]);
  }

  termOption(p, points) {
    const pts = points.filter((x) => isFiniteNumber(x.iv));
    return this.base(p, {
      legend: { show: false },
      xAxis: { type: "value", name: "days", nameLocation: "end", nameGap: 4, ...axisStyle(p), splitLine: { show: false }, min: 0 },
      yAxis: { type: "value", scale: true, ...axisStyle(p), axisLabel: { ...axisStyle(p).axisLabel, formatter: (v) => pct(v, 0) } },
      tooltip: {
        trigger: "axis", ...tooltipStyle(p),
        formatter: (ps) => {
          const x = pts[ps[0].dataIndex];
          return x ? `<b>${esc(shortDate(x.expiration, { weekday: true }))}</b> · ${x.dte}d<br>ATM IV ${pctFromFraction(x.iv, 1)}` : "";
        },
      },
      series: [{
        name: "ATM IV",
        type: "line",
        data: pts.map((x) => [x.dte, x.iv * 100]),
        symbolSize: 5,
        lineStyle: { width: 1.8, color: p.accent },
        itemStyle: { color: p.accent },
      }],
    });
  }

  retheme() {
    for (const c of Object.values(this.charts)) {
      if (c.last) c.mounted.chart.setOption(c.last[0].call(this, palette(c.host), ...c.last[1]), { notMerge: true });
    }
  }
}
