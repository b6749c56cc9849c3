// The card kit: building blocks for chat card modules (citation chips, sparklines, labelled
// figures). A card module builds its markup ONLY with these, kit/html.js's `html` and
// kit/format.js, so every value that came from the server is escaped exactly once.
//
// A card module (e.g. levels/cards/key_levels.js) default-exports:
//   label                 "Key levels" (shown in the card header)
//   title(data)           "SPY" — what the card is about
//   render(data)          markup for the body (kit/html.js `html`), from the card's data only
//   open(data)            {tab, detail}: a click hands the detail to that center tab through
//                         kit/workspace.js; `tab` must be the one the type's CardSpec names
//                         (the server's card map decides; a CardSpec without a tab: no click)
//   mounted(body) (opt.)  called after each render with the body element (scroll positions etc.)
//   refresh (optional)    {everyMs, async load(data, {apiJson, citations}) → {data, citations?}}:
//                         re-fetch while visible

import { citationText, citationTooltip } from "./citations.js";
import { html } from "./html.js";

let tipSeq = 0;

/** One citation chip with a tooltip (hover or keyboard focus) naming the tool and the data. */
export function citationChip(citation, tool = "") {
  const id = `cite-tip-${++tipSeq}`;
  const source = String(citation?.source || "unknown").replace(/[^a-z-]/gi, "");
  return html`<span class="cite" tabindex="0" aria-describedby="${id}" data-source="${source}"
    ><span class="cite-dot" aria-hidden="true"></span><span class="cite-text">${citationText(citation)}</span
    ><span class="cite-tip" role="tooltip" id="${id}">${citationTooltip(citation, tool).map(
      (line) => html`<span>${line}</span>`,
    )}</span></span>`;
}

/** A row of citation chips. */
export function citationRow(citations, tool = "") {
  if (!citations || !citations.length) return "";
  return html`<div class="cite-row">${citations.map((c) => citationChip(c, tool))}</div>`;
}

/**
 * Inline SVG sparkline of `values` (any units), width×height px, coloured by first→last.
 * Returns "" for fewer than two finite points.
 */
export function sparkline(values, { width = 120, height = 28, label = "Trend" } = {}) {
  const ys = (values || []).filter((v) => typeof v === "number" && Number.isFinite(v));
  if (ys.length < 2) return "";
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const span = hi - lo || 1;
  const pts = ys.map((v, i) => {
    const x = (i / (ys.length - 1)) * (width - 2) + 1;
    const y = height - 1 - ((v - lo) / span) * (height - 2);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const tone = ys[ys.length - 1] >= ys[0] ? "up" : "down";
  return html`<svg class="spark spark-${tone}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"
    role="img" aria-label="${label}"><polyline points="${pts.join(" ")}" fill="none" stroke="currentColor"
    stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/></svg>`;
}

/** A labelled figure: <div class="cstat"><span>label</span><b class="num">value</b></div>. */
export function stat(label, value, tone = "") {
  return html`<div class="cstat"><span class="cstat-label">${label}</span><b class="num ${tone}">${value}</b></div>`;
}

/** The underlying a position card is about: its symbol, else the first ticker-looking word of
 *  its title or leg labels ("SPY 2026-01-16 600 C" → "SPY"), else "". */
export function positionSymbol(d) {
  if (d.symbol) return String(d.symbol).toUpperCase();
  const text = [d.title, ...(d.legs || []).map((l) => l.label)].join(" ");
  const m = /\b([A-Z]{1,5}(?:\.[A-Z])?)\b/.exec(text);
  return m ? m[1] : "";
}
