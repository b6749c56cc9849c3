// The option chain: calls on the left, puts on the right, strikes in the middle, the underlying
// price as a divider row. Optional columns (IV, Greeks, OI, volume) mirror around the strike.
// Each bid and ask is a button: ask = buy (a LONG leg at the ask), bid = sell (a SHORT leg at
// the bid). Contracts already in the builder are marked on the side they were taken.
//
//   const view = new ChainView(el, { onPick: ({ right, strike, side, price, contract }) => … });
//   view.render(chain, { columns: ["iv", "delta"], around: 12, range: null, legs, recenter: true });
//
// Which strikes: `around` on each side of the money (null: all of them), or a `range`
// {lo, hi} of strike prices. On a phone the calls and the puts take turns: the root's
// data-side ("call" | "put") says which one the narrow layout shows (options.css); every cell
// carries its side's class (opt-c / opt-p).

import { compact, isFiniteNumber, num, pctFromFraction, signedNum } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";
import { strikeText } from "./legs.js";

/** Each optional column's text; iv is a fraction (0.183 → "18.3%"). */
export const COLUMN_FORMAT = {
  iv: (x) => pctFromFraction(x, 1),
  delta: (x) => num(x, 2),
  gamma: (x) => num(x, 4),
  theta_per_day: (x) => num(x, 3),
  vega_per_vol_point: (x) => num(x, 3),
  open_interest: compact,
  volume: compact,
};

const LABELS = {
  iv: "IV", delta: "Δ", gamma: "Γ", theta_per_day: "Θ", vega_per_vol_point: "Vega",
  open_interest: "OI", volume: "Vol",
};

/** Index of the strike nearest `spot`. */
export function atmIndex(strikes, spot) {
  let best = -1;
  let dist = Infinity;
  strikes.forEach((row, i) => {
    const d = Math.abs(row.strike - spot);
    if (d < dist) [dist, best] = [d, i];
  });
  return best;
}

/** The `around` strikes on each side of the money (all when `around` is null). */
export function strikesAround(rows, spot, around) {
  if (around === null || around === undefined) return rows;
  const i = atmIndex(rows, spot);
  if (i < 0) return rows;
  return rows.slice(Math.max(0, i - around), i + around + 1);
}

/** The rows to show: those with a strike in `range` {lo, hi} (either bound may be null) when
 *  given, else `around` each side of the money (null: all). */
export function visibleStrikes(rows, spot, { around = null, range = null } = {}) {
  if (range && (Number.isFinite(range.lo) || Number.isFinite(range.hi))) {
    const lo = Number.isFinite(range.lo) ? range.lo : -Infinity;
    const hi = Number.isFinite(range.hi) ? range.hi : Infinity;
    return rows.filter((r) => r.strike >= Math.min(lo, hi) && r.strike <= Math.max(lo, hi));
  }
  return strikesAround(rows, spot, around);
}

export class ChainView {
  constructor(root, { onPick }) {
    this.root = root;
    this.onPick = onPick;
    this.chain = null;
    root.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-pick]");
      if (!button || !this.chain) return;
      const row = this.chain.strikes.find((r) => r.strike === Number(button.dataset.strike));
      const quote = row && row[button.dataset.right];
      if (!quote) return;
      const side = button.dataset.pick;
      this.onPick({
        right: button.dataset.right,
        strike: row.strike,
        side,
        price: side === "buy" ? quote.ask : quote.bid,
        iv: quote.iv,
        contract: quote.contract,
        expiration: this.chain.expiration,
      });
    });
  }

  /** Markup for one side's quote button (or a dash when there is no market on that side). */
  quoteCell(q, right, strike, side, marks, m) {
    const value = q ? (side === "buy" ? q.ask : q.bid) : null;
    const cls = `${side === "buy" ? "opt-ask" : "opt-bid"} m-${m} opt-${right[0]}`;
    if (!isFiniteNumber(value) || value <= 0) return `<td class="num ${cls} opt-none">—</td>`;
    const held = marks.get(`${right}|${strike}|${side}`);
    const verb = side === "buy" ? "Buy" : "Sell";
    const label = `${verb} ${this.chain.symbol} ${this.chain.expiration} ${strikeText(strike)} ${right} at ${num(value)}`;
    return `<td class="num ${cls}"><button type="button" class="opt-q${held ? " is-held" : ""}" data-pick="${side}"
      data-right="${right}" data-strike="${strike}" aria-label="${esc(label)}"${held ? ` aria-pressed="true"` : ""}>${num(value)}${held ? `<span class="opt-held">${signedNum(held, 0)}</span>` : ""}</button></td>`;
  }

  render(chain, { columns, around, range = null, legs = [], recenter = false }) {
    this.chain = chain;
    const spot = chain.underlying_price;
    const rows = visibleStrikes(chain.strikes, spot, { around, range });
    const cols = columns.filter((c) => c in LABELS);
    const marks = new Map();
    for (const leg of legs) {
      if (leg.kind === "stock" || leg.expiration !== chain.expiration) continue;
      const key = `${leg.kind}|${leg.strike}|${leg.quantity > 0 ? "buy" : "sell"}`;
      marks.set(key, (marks.get(key) || 0) + leg.quantity);
    }
    const head = (c, side) => `<th scope="col" class="num opt-col opt-${side}">${LABELS[c]}</th>`;
    const callCols = [...cols].reverse();
    const cell = (q, c, m, side) => `<td class="num opt-col m-${m} opt-${side}">${q ? COLUMN_FORMAT[c](q[c]) : "—"}</td>`;
    const width = cols.length * 2 + 5;
    let spotDone = false;
    const body = [];
    const atm = atmIndex(rows, spot);
    rows.forEach((r, i) => {
      if (!spotDone && r.strike > spot) {
        body.push(`<tr class="opt-spot-row" data-spot-row><td colspan="${width}"><span>${esc(chain.symbol)} ${num(spot)}</span></td></tr>`);
        spotDone = true;
      }
      const c = r.call;
      const p = r.put;
      const mc = c ? c.moneyness.toLowerCase() : "";
      const mp = p ? p.moneyness.toLowerCase() : "";
      body.push(`<tr class="${i === atm ? "opt-atm" : ""}" data-strike-row="${r.strike}">
        ${callCols.map((k) => cell(c, k, mc, "c")).join("")}
        ${this.quoteCell(c, "call", r.strike, "sell", marks, mc)}
        ${this.quoteCell(c, "call", r.strike, "buy", marks, mc)}
        <th scope="row" class="num opt-strike">${strikeText(r.strike)}</th>
        ${this.quoteCell(p, "put", r.strike, "sell", marks, mp)}
        ${this.quoteCell(p, "put", r.strike, "buy", marks, mp)}
        ${cols.map((k) => cell(p, k, mp, "p")).join("")}
      </tr>`);
    });
    if (!spotDone) {
      body.push(`<tr class="opt-spot-row" data-spot-row><td colspan="${width}"><span>${esc(chain.symbol)} ${num(spot)}</span></td></tr>`);
    }
    const scrollTop = this.root.scrollTop;
    this.root.innerHTML = `<table class="opt-chain" aria-label="${esc(`${chain.symbol} options expiring ${chain.expiration}`)}">
      <thead>
        <tr class="opt-chain-sides"><th colspan="${cols.length + 2}" scope="colgroup" class="opt-calls opt-c">Calls</th>
          <th class="opt-strike-h" scope="col"></th>
          <th colspan="${cols.length + 2}" scope="colgroup" class="opt-puts opt-p">Puts</th></tr>
        <tr>${callCols.map((c) => head(c, "c")).join("")}<th scope="col" class="num opt-c">Bid</th><th scope="col" class="num opt-c">Ask</th>
          <th scope="col" class="num opt-strike">Strike</th>
          <th scope="col" class="num opt-p">Bid</th><th scope="col" class="num opt-p">Ask</th>${cols.map((c) => head(c, "p")).join("")}</tr>
      </thead>
      <tbody>${body.join("")}</tbody>
    </table>`;
    this.root.dataset.strikeCount = String(rows.length);
    if (recenter) this.center();
    else this.root.scrollTop = scrollTop;
  }

  /** Scroll the chain (not the page) so the underlying price sits in the middle. */
  center() {
    const go = () => {
      const spotRow = this.root.querySelector("[data-spot-row]");
      if (!spotRow) return;
      const head = this.root.querySelector("thead")?.offsetHeight || 0;
      const y = spotRow.getBoundingClientRect().top - this.root.getBoundingClientRect().top + this.root.scrollTop;
      this.root.scrollTop = Math.max(0, y - head - (this.root.clientHeight - head) / 2);
    };
    go();
    requestAnimationFrame(go); // again once the tab's stylesheet has sized the scroller
  }
}
