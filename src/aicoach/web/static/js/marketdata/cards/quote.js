// quote card: {symbol, last, change, change_percent, bid, ask, source, as_of}: dollars, and
// change_percent already in percent (-0.49 = −0.49 %). Refreshes from
// GET /api/market/{symbol}/quote; a click opens the Chart tab on the symbol.

import { html } from "../../kit/html.js";
import { isFiniteNumber, money, num, signedNum, signedPct, tone } from "../../kit/format.js";

export default {
  label: "Quote",
  title: (d) => String(d.symbol || "").toUpperCase(),
  render(d) {
    const change = tone(d.change);
    const spread = isFiniteNumber(d.bid) && isFiniteNumber(d.ask) ? d.ask - d.bid : null;
    return html`<div class="q-main">
        <span class="cprice num">${money(d.last)}</span>
        <span class="num chg ${change}">${signedNum(d.change)} (${signedPct(d.change_percent)})</span>
      </div>
      <div class="cstats">
        <div class="cstat"><span class="cstat-label">Bid</span><b class="num">${num(d.bid)}</b></div>
        <div class="cstat"><span class="cstat-label">Ask</span><b class="num">${num(d.ask)}</b></div>
        <div class="cstat"><span class="cstat-label">Spread</span><b class="num">${num(spread)}</b></div>
      </div>`;
  },
  open: (d) => ({ tab: "chart", detail: { symbol: d.symbol } }),
  refresh: {
    everyMs: 15_000,
    async load(d, { apiJson }) {
      const q = await apiJson(`/api/market/${encodeURIComponent(d.symbol)}/quote`, { toastOnError: false });
      if (!q || !isFiniteNumber(q.last)) return null;
      const data = {
        ...d,
        last: q.last,
        change: q.change,
        change_percent: q.change_percent,
        bid: q.bid,
        ask: q.ask,
        source: q.source,
        as_of: q.as_of,
      };
      const citations = [
        { source: q.source, as_of: q.as_of, market_session: q.market_phase, label: `${data.symbol} quote` },
      ];
      return { data, citations };
    },
  },
};
