// options_chain card: {symbol, expiration, underlying_price, rows:[{strike, call:{bid,ask,iv,delta},
// put:{...}}]}. iv is a fraction (0.18 = 18%). In-the-money sides are shaded; the at-the-money
// strike is marked. Click opens the Options tab on this chain.

import { html, isFiniteNumber, money, num } from "./kit.js";

function ivText(iv) {
  if (!isFiniteNumber(iv)) return "—";
  return num(iv <= 3 ? iv * 100 : iv, 1);
}

function side(q, itm, cls) {
  const c = q || {};
  return html`<td class="num ${cls} ${itm ? "itm" : ""}">${num(c.bid)}</td>
    <td class="num ${cls} ${itm ? "itm" : ""}">${num(c.ask)}</td>
    <td class="num ${cls} ${itm ? "itm" : ""} small">${ivText(c.iv)}</td>
    <td class="num ${cls} ${itm ? "itm" : ""} small">${num(c.delta, 2)}</td>`;
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
        <thead><tr><th colspan="4" scope="colgroup" class="oc-calls">Calls</th><th></th>
          <th colspan="4" scope="colgroup" class="oc-puts">Puts</th></tr>
        <tr><th class="num" scope="col">Bid</th><th class="num" scope="col">Ask</th><th class="num" scope="col">IV</th>
          <th class="num" scope="col">Δ</th><th class="num oc-strike" scope="col">Strike</th><th class="num" scope="col">Bid</th>
          <th class="num" scope="col">Ask</th><th class="num" scope="col">IV</th><th class="num" scope="col">Δ</th></tr></thead>
        <tbody>${rows.map((r, i) => {
          const callItm = isFiniteNumber(spot) && r.strike < spot;
          const putItm = isFiniteNumber(spot) && r.strike > spot;
          return html`<tr class="${i === atm ? "oc-atm" : ""}">${side(r.call, callItm, "oc-c")}
            <th scope="row" class="num oc-strike">${num(r.strike)}</th>${side(r.put, putItm, "oc-p")}</tr>`;
        })}</tbody></table></div>`;
  },
  open: (d) => ({
    event: "aicoach:open-options",
    detail: { symbol: d.symbol, position_ids: [], legs: [], expiration: d.expiration || null },
  }),
};
