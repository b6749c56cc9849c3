// options_chain card: {symbol, expiration, underlying_price, rows:[{strike, call:{bid,ask,iv,delta},
// put:{...}}]}. iv is a fraction (0.18 = 18 %, shown in each row's tooltip). In-the-money sides
// are shaded; the at-the-money strike is marked. A click opens the Options tab on this chain.
// Refreshes the same strikes from GET /api/options/{symbol}/chain?expiration=&strike_min=
// &strike_max= (quotes move; strikes don't).

import { html } from "../../kit/html.js";
import { isFiniteNumber, money, num, pctFromFraction } from "../../kit/format.js";

function side(q, itm, cls, order) {
  const c = q || {};
  const cells = {
    bid: html`<td class="num ${cls} ${itm ? "itm" : ""}">${num(c.bid)}</td>`,
    ask: html`<td class="num ${cls} ${itm ? "itm" : ""}">${num(c.ask)}</td>`,
    delta: html`<td class="num ${cls} ${itm ? "itm" : ""} oc-delta">${num(c.delta, 2)}</td>`,
  };
  return order.map((k) => cells[k]);
}

/** Row tooltip: both IVs (the narrow card has no room for IV columns). */
function ivTitle(r) {
  return `Strike ${num(r.strike)} · call IV ${pctFromFraction(r.call?.iv, 1)} · put IV ${pctFromFraction(r.put?.iv, 1)}`;
}

export default {
  label: "Options chain",
  title: (d) => `${String(d.symbol || "").toUpperCase()} ${d.expiration || ""}`.trim(),
  render(d) {
    const rows = d.rows || [];
    const spot = d.underlying_price;
    let atm = -1;
    if (isFiniteNumber(spot)) {
      let best = Infinity;
      rows.forEach((r, i) => {
        const dist = Math.abs(r.strike - spot);
        if (dist < best) [best, atm] = [dist, i];
      });
    }
    return html`<div class="oc-top"><span class="small muted">Underlying</span>
        <b class="num">${money(spot)}</b></div>
      <div class="oc-wrap"><table class="table table-compact ctable oc-table">
        <thead><tr><th colspan="3" scope="colgroup" class="oc-calls">Calls</th><th></th>
          <th colspan="3" scope="colgroup" class="oc-puts">Puts</th></tr>
        <tr><th class="num" scope="col">Δ</th><th class="num" scope="col">Bid</th><th class="num" scope="col">Ask</th>
          <th class="num oc-strike" scope="col">Strike</th><th class="num" scope="col">Bid</th>
          <th class="num" scope="col">Ask</th><th class="num" scope="col">Δ</th></tr></thead>
        <tbody>${rows.map((r, i) => {
          const callItm = isFiniteNumber(spot) && r.strike < spot;
          const putItm = isFiniteNumber(spot) && r.strike > spot;
          return html`<tr class="${i === atm ? "oc-atm" : ""}" title="${ivTitle(r)}">${side(r.call, callItm, "oc-c", ["delta", "bid", "ask"])}
            <th scope="row" class="num oc-strike">${num(r.strike)}</th>${side(r.put, putItm, "oc-p", ["bid", "ask", "delta"])}</tr>`;
        })}</tbody></table></div>`;
  },
  /** Scroll the at-the-money strike to the middle of the table. */
  mounted(body) {
    const wrap = body.querySelector(".oc-wrap");
    const row = body.querySelector(".oc-atm");
    if (wrap && row) wrap.scrollTop = Math.max(0, row.offsetTop - wrap.clientHeight / 2 + row.offsetHeight);
  },
  open: (d) => ({
    tab: "options",
    detail: { symbol: d.symbol, position_ids: [], legs: [], expiration: d.expiration || null },
  }),
  refresh: {
    everyMs: 15_000,
    async load(d, { apiJson, citations: previous }) {
      const strikes = (d.rows || []).map((r) => r.strike).filter(isFiniteNumber);
      if (!d.symbol || !d.expiration || !strikes.length) return null;
      const params = new URLSearchParams({
        expiration: d.expiration,
        strike_min: String(Math.min(...strikes)),
        strike_max: String(Math.max(...strikes)),
      });
      const chain = await apiJson(`/api/options/${encodeURIComponent(d.symbol)}/chain?${params}`, {
        toastOnError: false,
      });
      if (!chain || !Array.isArray(chain.strikes)) return null;
      const pick = (c) => (c ? { bid: c.bid, ask: c.ask, iv: c.iv, delta: c.delta } : null);
      const data = {
        ...d,
        underlying_price: chain.underlying_price,
        rows: chain.strikes.map((r) => ({ strike: r.strike, call: pick(r.call), put: pick(r.put) })),
      };
      const base = previous?.[0] || { label: `${d.symbol} ${d.expiration} chain` };
      return { data, citations: [{ ...base, source: chain.source, as_of: chain.as_of }] };
    },
  },
};
