// Markdown-lite for the coach's answers, and the search-snippet sanitiser.
//
// renderMarkdown(text) → HTML string. Model text is untrusted: every character is escaped
// FIRST and only then are our own tags added, so nothing the model writes can become markup.
// Supported: paragraphs (blank line), line breaks, **bold**, *italic* / _italic_, `code`,
// fenced ``` code blocks (an unclosed fence while streaming renders as code so far),
// "- " / "* " / "1. " lists (one level), "#".."###" headings, "> " quotes, "---" rules and
// simple pipe tables (header row + |---| separator), numbers in tables right-aligned.
// No links and no images: the coach cites tools, not URLs.

import { escapeHtml } from "../kit/html.js";

/** Inline spans on ALREADY-ESCAPED text: code first (its content is left alone), then emphasis. */
function inline(escaped) {
  const parts = escaped.split(/(`[^`\n]+`)/g);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `<code>${part.slice(1, -1)}</code>`;
      return part
        .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
        .replace(/__(?=\S)([\s\S]*?\S)__/g, "<strong>$1</strong>")
        .replace(/(^|[^*\w])\*(?=\S)([^*\n]*?\S)\*(?!\*)/g, "$1<em>$2</em>")
        .replace(/(^|[^_\w])_(?=\S)([^_\n]*?\S)_(?![_\w])/g, "$1<em>$2</em>");
    })
    .join("");
}

const NUMERIC_CELL = /^[\s$+\-−–(]*[\d.,]+%?[)\s]*$/;

function splitRow(row) {
  let cells = row.trim();
  if (cells.startsWith("|")) cells = cells.slice(1);
  if (cells.endsWith("|")) cells = cells.slice(0, -1);
  return cells.split("|").map((c) => c.trim());
}

function table(lines) {
  const head = splitRow(lines[0]);
  const body = lines.slice(2).map(splitRow);
  const numeric = head.map((_, col) => body.length > 0 && body.every((r) => !r[col] || NUMERIC_CELL.test(r[col])));
  const cell = (tag, text, col) => `<${tag}${numeric[col] ? ' class="num"' : ""}>${inline(text ?? "")}</${tag}>`;
  return (
    '<div class="md-table"><table class="table table-compact"><thead><tr>' +
    head.map((h, c) => cell("th", h, c)).join("") +
    "</tr></thead><tbody>" +
    body.map((r) => "<tr>" + head.map((_, c) => cell("td", r[c], c)).join("") + "</tr>").join("") +
    "</tbody></table></div>"
  );
}

const LIST_ITEM = /^\s{0,3}([-*+•]|\d{1,3}[.)])\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** Markdown-lite → safe HTML. */
export function renderMarkdown(text) {
  const lines = escapeHtml(String(text ?? "").replace(/\r\n?/g, "\n")).split("\n");
  const out = [];
  let para = [];
  let list = null; // {ordered, items: [string]}

  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map(inline).join("<br>")}</p>`);
    para = [];
  };
  const flushList = () => {
    if (!list) return;
    const tag = list.ordered ? "ol" : "ul";
    out.push(`<${tag}>${list.items.map((item) => `<li>${inline(item)}</li>`).join("")}</${tag}>`);
    list = null;
  };
  const flush = () => {
    flushPara();
    flushList();
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const fence = /^\s*```\s*([\w+-]*)\s*$/.exec(raw);
    if (fence) {
      flush();
      const code = [];
      i++;
      while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) code.push(lines[i++]);
      const lang = fence[1] ? ` data-lang="${fence[1]}"` : "";
      out.push(`<pre${lang}><code>${code.join("\n")}</code></pre>`);
      continue;
    }
    if (!raw.trim()) {
      flush();
      continue;
    }
    if (raw.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      flush();
      const rows = [raw, lines[i + 1]];
      i += 2;
      while (i < lines.length && lines[i].includes("|") && lines[i].trim()) rows.push(lines[i++]);
      i--;
      out.push(table(rows));
      continue;
    }
    const heading = /^\s{0,3}(#{1,3})\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) {
      flush();
      const level = heading[1].length + 2; // h3..h5: answers live inside a small panel
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(raw)) {
      flush();
      out.push("<hr>");
      continue;
    }
    const quote = /^\s{0,3}&gt;\s?(.*)$/.exec(raw);
    if (quote) {
      flush();
      out.push(`<blockquote>${inline(quote[1])}</blockquote>`);
      continue;
    }
    const item = LIST_ITEM.exec(raw);
    if (item) {
      flushPara();
      const ordered = /\d/.test(item[1]);
      if (list && list.ordered !== ordered) flushList();
      if (!list) list = { ordered, items: [] };
      list.items.push(item[2]);
      continue;
    }
    if (list && /^\s{2,}\S/.test(raw)) {
      list.items[list.items.length - 1] += " " + raw.trim(); // continuation of the last item
      continue;
    }
    flushList();
    para.push(raw.trim());
  }
  flush();
  return out.join("");
}

/** Plain text of markdown-lite (for the screen-reader announcement and titles). */
export function markdownToText(text) {
  return String(text ?? "")
    .replace(/```[\s\S]*?(```|$)/g, " ")
    .replace(/[*_`#>|]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Search snippets arrive as HTML with <mark> around the hits. Keep ONLY <mark> (without any
 * attributes) and text; every other element is flattened to its text. The snippet is parsed in
 * an inert document (DOMParser runs no scripts and loads no images), then rebuilt node by node.
 * With `plain`, markdown markers (* ` # |) are dropped from the text: a snippet reads as prose.
 * Returns a DocumentFragment.
 */
export function sanitizeSnippet(html, { plain = false } = {}) {
  const doc = new DOMParser().parseFromString(`<body>${String(html ?? "")}</body>`, "text/html");
  const fragment = document.createDocumentFragment();
  const walk = (node, into) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        const text = plain ? child.nodeValue.replace(/[*`#|]+/g, "") : child.nodeValue;
        into.append(document.createTextNode(text));
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = child.tagName.toLowerCase();
        if (tag === "script" || tag === "style" || tag === "template") continue;
        if (tag === "mark") {
          const mark = document.createElement("mark");
          walk(child, mark);
          into.append(mark);
        } else {
          walk(child, into);
        }
      }
    }
  };
  walk(doc.body, fragment);
  return fragment;
}
