// The OHLC legend over the chart: the bar under the crosshair (or the last one), its change from
// the previous close, its volume and, intraday, the session VWAP at that bar.

import { compact, price, signedNum, signedPct, tone } from "../kit/format.js";
import { escapeHtml } from "../kit/html.js";
import { isIntraday } from "./data.js";
import { chartTimeText } from "./draw.js";

/** Fill `el` for bar `i` of `chart` (a PriceChart) showing `symbol`. */
export function renderLegend(el, chart, symbol, i) {
  const bars = chart.bars;
  const b = bars[i];
  if (!b) {
    el.replaceChildren();
    return;
  }
  const prev = bars[i - 1];
  const chg = prev ? b.close - prev.close : b.close - b.open;
  const base = prev ? prev.close : b.open;
  const tf = chart.timeframe;
  const parts = [
    ["", `<b>${escapeHtml(symbol)}</b> · ${tf} · ${chartTimeText(b.time, isIntraday(tf))}`],
    ["O", price(b.open)], ["H", price(b.high)], ["L", price(b.low)], ["C", price(b.close)],
    ["", `<span class="${tone(chg)}">${signedNum(chg)} (${signedPct(base ? (100 * chg) / base : 0)})</span>`],
    ["Vol", compact(b.volume)],
  ];
  const vw = chart.vwapPoints && chart.vwapPoints[i];
  if (vw) parts.push(["VWAP", `<span class="lg-vwap">${price(vw.vwap)}</span>`]);
  el.innerHTML = parts.map(([k, v]) => `<span>${k ? k + " " : ""}${k ? `<b>${v}</b>` : v}</span>`).join("");
}
