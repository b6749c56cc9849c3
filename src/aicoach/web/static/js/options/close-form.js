// "Close position": a modal listing a saved strategy's legs with a close price each (dollars
// per share), prefilled with the current mid — the option chain's mid, the stock's bid/ask mid —
// and the realized P&L it comes to, live as the prices are edited. Submits
// POST /api/strategies/{id}/close; a leg left blank closes at the server's current mid.
//
//   const form = new CloseForm(dialog, { onClosed(strategy) {...} });
//   form.open(strategy);   // a GET /api/strategies row

import { apiFetch, apiJson, ApiError, toast } from "../kit/api.js";
import { isFiniteNumber, num, signedDollars, tone } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";
import { legText } from "./legs.js";

const enc = encodeURIComponent;
const units = (leg) => leg.quantity * (leg.kind === "stock" ? 1 : leg.multiplier || 100);

/** Dollars realized by closing `legs` at `prices` ({id: price per share}); null if one is missing. */
export function realizedPnl(legs, prices) {
  let total = 0;
  for (const l of legs) {
    const p = prices[l.id];
    if (!isFiniteNumber(p)) return null;
    total += (p - l.entry_price) * units(l);
  }
  return Math.round(total * 100) / 100;
}

/** The current mid of each leg ({id: price}); legs whose quote cannot be had are left out. */
export async function currentMids(legs) {
  const out = {};
  const byExpiration = new Map();
  for (const l of legs) {
    if (l.kind === "stock") continue;
    const key = `${l.symbol}|${l.expiration}`;
    if (!byExpiration.has(key)) byExpiration.set(key, []);
    byExpiration.get(key).push(l);
  }
  const jobs = [...byExpiration.values()].map(async (group) => {
    const strikes = group.map((l) => l.strike);
    const { symbol, expiration } = group[0];
    try {
      const chain = await apiJson(`/api/options/${enc(symbol)}/chain?expiration=${enc(expiration)}` +
        `&strike_min=${Math.min(...strikes)}&strike_max=${Math.max(...strikes)}`, { toastOnError: false });
      for (const l of group) {
        const q = chain.strikes.find((r) => r.strike === l.strike)?.[l.kind];
        if (q && isFiniteNumber(q.mid)) out[l.id] = q.mid;
      }
    } catch {
      /* expired or unavailable: the trader types the price */
    }
  });
  const stock = legs.filter((l) => l.kind === "stock");
  if (stock.length) {
    jobs.push((async () => {
      try {
        const q = await apiJson(`/api/market/${enc(stock[0].symbol)}/quote`, { toastOnError: false });
        const mid = isFiniteNumber(q.bid) && isFiniteNumber(q.ask) && q.bid > 0 && q.ask >= q.bid ? (q.bid + q.ask) / 2 : q.last;
        for (const l of stock) if (isFiniteNumber(mid)) out[l.id] = mid;
      } catch {
        /* the trader types the price */
      }
    })());
  }
  await Promise.all(jobs);
  return out;
}

export class CloseForm {
  constructor(dialog, { onClosed }) {
    this.dialog = dialog;
    this.form = dialog.querySelector("[data-opt-close-form]");
    this.body = dialog.querySelector("[data-opt-close-legs] tbody");
    this.onClosed = onClosed;
    this.strategy = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.form.addEventListener("input", () => this.total());
    for (const b of dialog.querySelectorAll("[data-opt-close-cancel]")) b.addEventListener("click", () => dialog.close());
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
  }

  async open(strategy) {
    this.strategy = strategy;
    this.dialog.querySelector("[data-opt-close-title]").textContent = `Close ${strategy.underlying} ${strategy.title}`;
    this.dialog.querySelector("[data-opt-close-error]").textContent = "";
    this.body.innerHTML = strategy.legs.map((l) => `<tr data-leg="${l.id}">
        <td>${esc(`${l.quantity > 0 ? "Long" : "Short"} ${Math.abs(l.quantity)} ${legText(l)}`)}</td>
        <td class="num">${num(l.entry_price)}</td>
        <td class="num"><input class="opt-price num" type="number" min="0" step="0.01" inputmode="decimal"
            data-close-price aria-label="${esc(`Close price per share for ${legText(l)}`)}" placeholder="mid"></td>
        <td class="num" data-close-pnl>—</td></tr>`).join("");
    this.dialog.dataset.state = "loading";
    if (!this.dialog.open) this.dialog.showModal();
    const mids = await currentMids(strategy.legs);
    if (this.strategy !== strategy) return;
    for (const l of strategy.legs) {
      const input = this.input(l.id);
      if (input && !input.value && isFiniteNumber(mids[l.id])) input.value = mids[l.id].toFixed(2);
    }
    this.total();
    this.dialog.dataset.state = "ready";
    this.input(strategy.legs[0].id)?.focus();
  }

  input(id) {
    return this.body.querySelector(`tr[data-leg="${id}"] [data-close-price]`);
  }

  prices() {
    const out = {};
    for (const l of this.strategy.legs) {
      const raw = this.input(l.id)?.value.trim();
      if (raw !== "" && raw !== undefined) out[l.id] = Number(raw);
    }
    return out;
  }

  total() {
    if (!this.strategy) return;
    const prices = this.prices();
    for (const l of this.strategy.legs) {
      const cell = this.body.querySelector(`tr[data-leg="${l.id}"] [data-close-pnl]`);
      const p = prices[l.id];
      const v = isFiniteNumber(p) ? (p - l.entry_price) * units(l) : null;
      cell.className = `num ${tone(v)}`;
      cell.textContent = v === null ? "at mid" : signedDollars(v);
    }
    const sum = realizedPnl(this.strategy.legs, prices);
    const out = this.dialog.querySelector("[data-opt-close-total]");
    out.className = `num ${tone(sum)}`;
    out.textContent = sum === null ? "at the mids" : signedDollars(sum);
  }

  async submit() {
    const s = this.strategy;
    const prices = this.prices();
    const bad = Object.entries(prices).find(([, p]) => !isFiniteNumber(p) || p < 0);
    const error = this.dialog.querySelector("[data-opt-close-error]");
    if (bad) {
      error.textContent = "A close price is a number of dollars per share, 0 or more.";
      return;
    }
    const button = this.dialog.querySelector("[data-opt-close-submit]");
    button.disabled = true;
    try {
      const body = { legs: Object.entries(prices).map(([id, p]) => ({ position_id: Number(id), close_price: Number(p.toFixed(6)) })) };
      const res = await apiFetch(`/api/strategies/${s.id}/close`, { method: "POST", json: body, toastOnError: false });
      const closed = await res.json();
      this.dialog.close();
      toast(`Closed ${closed.underlying} ${closed.title}: realized ${signedDollars(closed.realized_pnl)}.`, "success");
      this.onClosed(closed);
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : "Could not close the position.";
    } finally {
      button.disabled = false;
    }
  }
}
