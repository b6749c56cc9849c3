// The numbers around the risk graph, from POST /api/options/analyze (AnalysisRead): max profit
// and loss ("Unlimited" when so), breakevens, probability of profit with its model, the
// expected move, net debit/credit, P&L now, the Greeks in dollars and in plain English, the
// P&L at every key level in view, and the analysis' warnings.

import { dollars, greek, isFiniteNumber, num, pctFromFraction, signedDollars, tone } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";

const setStat = (root, key, htmlText, title = "") => {
  const dd = root.querySelector(`[data-stat="${key}"]`);
  if (!dd) return;
  dd.innerHTML = htmlText;
  if (title) dd.title = title;
  else dd.removeAttribute("title");
};

/** "lognormal, risk-neutral drift r-q, …" → "lognormal". */
const modelName = (m) => String(m || "").split(",")[0].trim();

export function renderStats(root, a) {
  const e = a.expiry;
  setStat(root, "max-gain", e.max_gain_unlimited ? `<span class="up">Unlimited</span>` : `<span class="${tone(e.max_gain)}">${signedDollars(e.max_gain)}</span>`,
    isFiniteNumber(e.max_gain_at) ? `at ${num(e.max_gain_at)} at expiry` : "");
  setStat(root, "max-loss", e.max_loss_unlimited ? `<span class="down">Unlimited</span>` : `<span class="${tone(e.max_loss)}">${signedDollars(e.max_loss)}</span>`,
    isFiniteNumber(e.max_loss_at) ? `at ${num(e.max_loss_at)} at expiry` : "");
  setStat(root, "breakevens", e.breakevens.length ? e.breakevens.map((b) => num(b)).join(" / ") : "None");
  const pr = a.probability;
  setStat(root, "pop",
    `${pctFromFraction(pr.pop, 0)} <span class="opt-stat-sub">${esc(modelName(pr.model))} · σ ${pctFromFraction(pr.sigma, 1)}</span>`,
    `Probability of profit at the first expiration. Model: ${pr.model}`);
  setStat(root, "move", `±${dollars(pr.expected_move)} <span class="opt-stat-sub">${num(pr.expected_low)}–${num(pr.expected_high)}</span>`,
    "One standard deviation to the first expiration, from the position's implied volatility");
  root.querySelector('[data-stat="cost-label"]').textContent = a.entry_cost > 0 ? "Net debit" : "Net credit";
  setStat(root, "cost", dollars(Math.abs(a.entry_cost)));
  setStat(root, "pnl-now", `<span class="${tone(a.pnl_now)}">${signedDollars(a.pnl_now)}</span>`,
    "Value now minus what was paid, at the model's prices (mid IV)");
}

/** The Greeks in dollars with the server's plain-English readings. */
export function renderGreeks(el, a) {
  const g = a.greeks;
  const ph = a.phrases || {};
  const row = (sym, name, value, unit, phrase) => `<div class="opt-greek">
      <span class="opt-greek-sym" aria-hidden="true">${sym}</span>
      <span class="opt-greek-name">${name}</span>
      <b class="num ${tone(value)}">${value === null || value === undefined ? "—" : unit(value)}</b>
      <span class="opt-greek-say small">${esc(phrase || "")}</span>
    </div>`;
  el.innerHTML = [
    row("Δ", "Delta", g.delta_shares, (v) => `${greek(v)} sh · ${signedDollars(g.delta_dollars)}`, ph.delta),
    row("Γ", "Gamma", g.gamma_shares_per_dollar, (v) => `${greek(v)} sh/$1`, ph.gamma),
    row("Θ", "Theta", g.theta_dollars_per_day, (v) => `${signedDollars(v)}/day`, ph.theta),
    row("V", "Vega", g.vega_dollars_per_vol_point, (v) => `${signedDollars(v)}/IV pt`, ph.vega),
  ].join("");
}

/** Every level inside [lo, hi], nearest the price first; marked ones get a diamond. */
export function renderLevels(box, a, lo, hi, marked) {
  const inView = (a.levels || []).filter((l) => l.price >= lo && l.price <= hi).sort((x, y) => y.price - x.price);
  const shown = new Set(marked.map((l) => l.label));
  box.querySelector("[data-opt-levels-count]").textContent = inView.length ? `(${inView.length} in view, ${marked.length} on the graph)` : "(none in view)";
  box.querySelector("tbody").innerHTML = inView
    .map((l) => `<tr${shown.has(l.label) ? ' class="opt-level-marked"' : ""}>
        <td>${shown.has(l.label) ? '<span class="opt-diamond" aria-label="on the graph">◆</span> ' : ""}${esc(l.label)}</td>
        <td class="num">${num(l.price)}</td>
        <td class="num ${tone(l.pnl_now)}">${signedDollars(l.pnl_now)}</td>
        <td class="num ${tone(l.pnl_at_expiry)}">${signedDollars(l.pnl_at_expiry)}</td></tr>`)
    .join("");
}

export function renderWarnings(ul, warnings) {
  ul.innerHTML = (warnings || []).map((w) => `<li>${esc(w)}</li>`).join("");
}

/** The price window worth looking at: strikes and price ± 1.5 expected moves, inside the grid. */
export function viewWindow(a) {
  const xs = a.risk_graph.prices.filter(isFiniteNumber);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const anchors = [a.spot, ...a.strategy.strikes, ...a.expiry.breakevens].filter(isFiniteNumber);
  const move = isFiniteNumber(a.probability?.expected_move) ? a.probability.expected_move : (hi - lo) / 6;
  const from = Math.min(...anchors) - 1.5 * move;
  const to = Math.max(...anchors) + 1.5 * move;
  return [Math.max(lo, from), Math.min(hi, to)];
}
