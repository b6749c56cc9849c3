// Escaping for markup built from server data. `html` is a tagged template that escapes every
// interpolated value exactly once (arrays are joined, `raw(...)` / nested `html` are kept), so
// card modules and widgets never concatenate untrusted text into markup by hand.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text → safe to put in an element or a quoted attribute. */
export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

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
