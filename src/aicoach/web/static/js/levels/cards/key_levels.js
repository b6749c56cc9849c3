// key_levels card: {symbol, price, nearest_support:{label,price,distance_dollars,distance_percent},
// nearest_resistance:{...}, atr_daily, top_levels:[{label,kind,price,distance_dollars,strength}],
// source, as_of}. Distances are level − price: distance_dollars in dollars, distance_percent
// already in percent of price (1.04 = 1.04 %). Refreshes from GET /api/levels/{symbol}; a click
// opens the Chart tab on the symbol.

import { html } from "../../kit/html.js";
import { isFiniteNumber, money, num, signedNum, signedPct, tone } from "../../kit/format.js";

function near(side, level, price) {
  if (!level) return html`<div class="kl-near kl-${side}"><span class="kl-side">${side}</span><b>—</b></div>`;
  const dollars = isFiniteNumber(level.distance_dollars) ? level.distance_dollars : level.price - price;
  const percent = isFiniteNumber(level.distance_percent) ? level.distance_percent : (dollars / price) * 100;
  return html`<div class="kl-near kl-${side}">
    <span class="kl-side">${side === "support" ? "Support" : "Resistance"}</span>
    <b class="num">${num(level.price)}</b>
    <span class="kl-label truncate" title="${level.label}">${level.label}</span>
    <span class="num small ${tone(dollars)}">${signedNum(dollars)} · ${signedPct(percent)}</span>
  </div>`;
}

/** Where price sits between support and resistance, as a bar (0% = at support). */
function rangeBar(data) {
  const s = data.nearest_support?.price;
  const r = data.nearest_resistance?.price;
  if (!isFiniteNumber(s) || !isFiniteNumber(r) || r <= s || !isFiniteNumber(data.price)) return "";
  const at = Math.min(100, Math.max(0, ((data.price - s) / (r - s)) * 100));
  return html`<div class="kl-range" role="img"
      aria-label="${`Price is ${Math.round(at)}% of the way from support to resistance`}">
    <span class="kl-range-fill" style="width:${at.toFixed(1)}%"></span>
    <span class="kl-range-dot" style="left:${at.toFixed(1)}%"></span>
  </div>`;
}

function levelRows(data) {
  const rows = (data.top_levels || []).slice(0, 6);
  if (!rows.length) return "";
  return html`<table class="table table-compact ctable">
    <thead><tr><th scope="col">Level</th><th scope="col" class="num">Price</th>
      <th scope="col" class="num">Dist</th><th scope="col" class="num" title="Strength 0–100">Str</th></tr></thead>
    <tbody>${rows.map((lv) => {
      const d = isFiniteNumber(lv.distance_dollars) ? lv.distance_dollars : lv.price - data.price;
      const strength = isFiniteNumber(lv.strength) ? Math.round(lv.strength) : null;
      return html`<tr class="kl-row kl-kind-${String(lv.kind || "").replace(/[^a-z_]/g, "")}">
        <td class="truncate" title="${lv.label}">${lv.label}</td>
        <td class="num">${num(lv.price)}</td>
        <td class="num ${tone(d)}">${signedNum(d)}</td>
        <td class="num">${strength === null ? "—" : html`<span class="strength" style="--s:${strength}%">${strength}</span>`}</td>
      </tr>`;
    })}</tbody></table>`;
}

/** The top levels again at their new distance from a fresh price. */
function redistance(levels, price) {
  return (levels || []).map((lv) => ({
    ...lv,
    distance_dollars: lv.price - price,
    distance_percent: ((lv.price - price) / price) * 100,
  }));
}

function pickLevel(level) {
  if (!level) return null;
  const { label, price, distance_dollars, distance_percent, kind, strength } = level;
  return { label, price, distance_dollars, distance_percent, kind, strength };
}

export default {
  label: "Key levels",
  title: (d) => String(d.symbol || "").toUpperCase(),
  render(d) {
    return html`<div class="kl-top">
        <div class="cprice"><span class="num">${money(d.price)}</span></div>
        ${isFiniteNumber(d.atr_daily) ? html`<span class="small muted">ATR ${money(d.atr_daily)}/day</span>` : ""}
      </div>
      <div class="kl-ladder">${near("resistance", d.nearest_resistance, d.price)}${rangeBar(d)}${near(
        "support",
        d.nearest_support,
        d.price,
      )}</div>
      ${levelRows(d)}`;
  },
  open: (d) => ({ tab: "chart", detail: { symbol: d.symbol } }),
  refresh: {
    everyMs: 15_000,
    async load(d, { apiJson, citations: previous }) {
      const fresh = await apiJson(`/api/levels/${encodeURIComponent(d.symbol)}`, { toastOnError: false });
      if (!fresh || !isFiniteNumber(fresh.price)) return null;
      const data = {
        ...d,
        price: fresh.price,
        as_of: fresh.as_of,
        atr_daily: isFiniteNumber(fresh.atr_daily) ? fresh.atr_daily : d.atr_daily,
        nearest_support: pickLevel(fresh.nearest_support),
        nearest_resistance: pickLevel(fresh.nearest_resistance),
        top_levels: redistance(d.top_levels, fresh.price),
      };
      // The levels route carries no source or session: those of the original citation still hold.
      const base = previous?.[0] || { source: d.source, label: `${data.symbol} key levels` };
      const citations = [{ ...base, as_of: fresh.as_of }];
      return { data, citations };
    },
  },
};
