// The quote strip above the chart: symbol, last price and change, where the data comes from
// (simulated, files), whether it is stale, the market phase, and the watchlist "Add" button.

import { price, signedNum, signedPct, tone } from "../kit/format.js";

const PHASES = { regular: "Market open", "pre-market": "Pre-market", "after-hours": "After hours", closed: "Market closed" };

/** Render the strip inside `root` for `symbol`, its `quote`, the bars' `meta` and `levels`. */
export function renderHeader(root, { symbol, quote: q, meta, levels, watchlisted }) {
  const $ = (sel) => root.querySelector(sel);
  $("[data-chart-symbol]").textContent = symbol;
  $("[data-chart-last]").textContent = q ? price(q.last) : "—";
  const change = $("[data-chart-change]");
  if (q && q.change !== null && q.change !== undefined) {
    // change in dollars, change_percent already in percent (the quote API's fields).
    change.textContent = `${signedNum(q.change)} (${signedPct(q.change_percent)})`;
    change.className = "chart-change num chg " + tone(q.change);
  } else change.textContent = "";
  const source = (q && q.source) || (meta && meta.source);
  $("[data-chart-sim]").hidden = source !== "simulated";
  $("[data-chart-files]").hidden = source !== "files";
  const stale = Boolean((q && q.stale) || (meta && meta.stale) || (levels && levels.stale));
  $("[data-chart-stale]").hidden = !stale;
  const phase = $("[data-chart-phase]");
  const phaseName = (q && q.market_phase) || "";
  phase.hidden = !phaseName;
  phase.textContent = PHASES[phaseName] || phaseName;
  phase.className = "badge " + (phaseName === "regular" ? "badge-up" : "");
  $("[data-chart-watch-add-symbol]").textContent = symbol;
  $("[data-chart-watch-add]").hidden = watchlisted;
}
