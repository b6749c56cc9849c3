// Building blocks for card modules: an escaping `html` tagged template, citation chips,
// sparklines and number formatting. A card module builds its markup ONLY with these, so every
// value that came from the server is escaped exactly once.

import { escapeHtml } from "../chat/markdown.js";
import { citationText, citationTooltip } from "../chat/format.js";

export * from "../chat/format.js";

/** Trusted markup (built by `html` or by our own code, never from data). */
export class Raw {
  constructor(text) {
    this.text = String(text);
  }
  toString() {
    return this.text;
  }
}
export const raw = (text) => new Raw(text);

function part(value) {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map(part).join("");
  return escapeHtml(String(value));
}

/** html`<b>${userText}</b>` → Raw with every interpolated value escaped (arrays joined, Raw kept). */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += part(value) + strings[i + 1];
  });
  return new Raw(out);
}

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
