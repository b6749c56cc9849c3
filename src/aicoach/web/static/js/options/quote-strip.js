// The Options tab's quote strip: the underlying's last price and change, whether the data is
// simulated or stale, and the market phase when it is not the regular session.

import { isFiniteNumber, num, signedNum, signedPct, tone } from "../kit/format.js";

const PHASES = { closed: "Market closed", pre: "Pre-market", premarket: "Pre-market", after: "After hours", afterhours: "After hours" };

/** Show quote `q` (GET /api/market/{symbol}/quote) in the strip inside `root`. */
export function renderQuote(root, q) {
  const $ = (sel) => root.querySelector(sel);
  $("[data-opt-last]").textContent = `${q.symbol} ${num(q.last)}`;
  const ch = $("[data-opt-change]");
  ch.className = `num chg ${tone(q.change)}`;
  // change in dollars; change_percent is already in percent units (the quote API's field).
  ch.textContent = isFiniteNumber(q.change) ? `${signedNum(q.change)} (${signedPct(q.change_percent)})` : "";
  $("[data-opt-sim]").hidden = q.source !== "simulated";
  $("[data-opt-stale]").hidden = !q.stale;
  const phase = $("[data-opt-phase]");
  const label = PHASES[String(q.market_phase).replace(/[-_ ]/g, "")];
  phase.hidden = !label;
  phase.textContent = label || "";
}
