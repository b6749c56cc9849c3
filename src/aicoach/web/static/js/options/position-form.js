// "New position": a modal form for one leg (stock, call or put) that saves through
// POST /api/positions, or drops the leg into the builder. The API's 422 answers are shown next
// to the field they name, whichever form they take:
//   {"error": {"details": [{"field": "legs.0.strike", "message": "..."}]}}        (schema)
//   {"error": {"details": [{"field": "legs.0", "message": "Value error, strike: ..."}]}}
//   {"error": {"message": "legs[0].expiration: SPY has no listed expiration ..."}}  (service)

import { apiFetch, apiJson, ApiError, toast } from "../kit/api.js";
import { shortDate } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";

const FIELDS = ["symbol", "kind", "strike", "expiration", "quantity", "entry_price", "label"];

const cleanMessage = (m) => String(m || "").replace(/^Value error,\s*/i, "");

/**
 * Field-level errors from an ApiError: {fields: {name: message}, legs: {index: {name: msg}},
 * other: [message]}. Leg indexes come from "legs.0.x" or "legs[0].x".
 */
export function fieldErrors(error, known = FIELDS) {
  const out = { fields: {}, legs: {}, other: [] };
  const put = (index, name, message) => {
    if (name && known.includes(name)) {
      out.fields[name] ??= message;
      if (index !== null) (out.legs[index] ??= {})[name] ??= message;
    } else out.other.push(message);
  };
  const parse = (path, message) => {
    const parts = String(path || "").replace(/\[(\d+)\]/g, ".$1").split(".").filter(Boolean);
    let index = null;
    let name = null;
    for (const part of parts) {
      if (/^\d+$/.test(part)) index = Number(part);
      else if (known.includes(part)) name = part;
    }
    let text = cleanMessage(message);
    const prefixed = /^([a-z_]+)(?:\/[a-z_]+)?:\s*(.+)$/i.exec(text);
    if (!name && prefixed && known.includes(prefixed[1])) [name, text] = [prefixed[1], prefixed[2]];
    put(index, name, text);
  };
  const details = Array.isArray(error?.details) ? error.details : [];
  if (details.length) {
    for (const d of details) parse(d.field, d.message);
  } else {
    const m = /^((?:body|legs?(?:\[\d+\]|\.\d+)?)\.[a-z_]+|[a-z_]+):\s*(.+)$/i.exec(error?.message || "");
    if (m) parse(m[1], m[2]);
    else out.other.push(error?.message || "Something went wrong.");
  }
  return out;
}

export class PositionForm {
  /** `onSaved(strategy)` after a save; `onBuilder(leg)` for "Add to builder"; `symbol()` default. */
  constructor(dialog, { onSaved, onBuilder, symbol, expirations }) {
    this.dialog = dialog;
    this.form = dialog.querySelector("[data-opt-form]");
    this.onSaved = onSaved;
    this.onBuilder = onBuilder;
    this.symbol = symbol;
    this.expirationsOf = expirations;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    for (const b of dialog.querySelectorAll("[data-opt-dialog-close]")) b.addEventListener("click", () => this.close());
    dialog.querySelector("[data-opt-form-builder]").addEventListener("click", () => this.toBuilder());
    this.el("kind").addEventListener("change", () => this.syncKind());
    this.el("symbol").addEventListener("change", () => this.loadExpirations());
    this.form.addEventListener("input", (event) => {
      const field = event.target.closest("[data-field]");
      if (field) this.setError(field.dataset.field, "");
    });
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) this.close(); // a click on the backdrop
    });
  }

  el(name) {
    return this.form.elements.namedItem(name);
  }

  open(prefill = {}) {
    this.form.reset();
    this.clearErrors();
    this.el("symbol").value = prefill.symbol || this.symbol();
    if (prefill.kind) this.el("kind").value = prefill.kind;
    if (prefill.strike) this.el("strike").value = prefill.strike;
    this.syncKind();
    this.loadExpirations(prefill.expiration);
    this.dialog.showModal();
    this.el("kind").focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  syncKind() {
    const stock = this.el("kind").value === "stock";
    for (const name of ["strike", "expiration"]) {
      const field = this.form.querySelector(`[data-field="${name}"]`);
      field.hidden = stock;
      this.el(name).disabled = stock;
    }
    this.form.querySelector("[data-opt-qty-hint]").textContent = stock ? "Shares" : "Contracts (100 shares each)";
  }

  async loadExpirations(selected) {
    const select = this.el("expiration");
    const sym = this.el("symbol").value.trim().toUpperCase();
    if (!sym) return;
    let list = [];
    try {
      list = await this.expirationsOf(sym);
    } catch (error) {
      if (error instanceof ApiError) this.setError("symbol", error.message);
      return;
    }
    select.innerHTML = list
      .map((e) => `<option value="${esc(e.expiration)}">${esc(shortDate(e.expiration, { weekday: true, year: true }))} · ${e.days_to_expiry}d${e.is_monthly ? " · monthly" : ""}</option>`)
      .join("");
    if (selected) select.value = selected;
  }

  leg() {
    const kind = this.el("kind").value;
    const qty = Math.trunc(Number(this.el("quantity").value));
    const side = Number(this.el("side").value);
    const leg = {
      symbol: this.el("symbol").value.trim().toUpperCase(),
      kind,
      quantity: Number.isFinite(qty) ? qty * side : 0,
      entry_price: this.el("entry_price").value.trim() === "" ? null : Number(this.el("entry_price").value),
    };
    if (kind !== "stock") {
      leg.strike = this.el("strike").value.trim() === "" ? null : Number(this.el("strike").value);
      leg.expiration = this.el("expiration").value || null;
    }
    return leg;
  }

  clearErrors() {
    for (const name of FIELDS) this.setError(name, "");
    this.form.querySelector("[data-opt-form-error]").textContent = "";
  }

  setError(name, message) {
    const field = this.form.querySelector(`[data-field="${name}"]`);
    if (!field) return false;
    const input = field.querySelector("input, select");
    const out = field.querySelector(".field-error");
    field.classList.toggle("field-invalid", Boolean(message));
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    if (out) out.textContent = message;
    return true;
  }

  showErrors(error) {
    const parsed = fieldErrors(error);
    const other = [...parsed.other];
    let first = null;
    for (const [name, message] of Object.entries(parsed.fields)) {
      if (this.setError(name, message) && !first) first = name;
      else if (!this.form.querySelector(`[data-field="${name}"]`)) other.push(`${name}: ${message}`);
    }
    this.form.querySelector("[data-opt-form-error]").textContent = other.join(" ");
    if (first) this.el(first)?.focus();
  }

  async save() {
    this.clearErrors();
    const leg = this.leg();
    const label = this.el("label").value.trim();
    const body = label ? { legs: [leg], label } : leg;
    const submit = this.form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const res = await apiFetch("/api/positions", { method: "POST", json: body, toastOnError: false });
      const strategy = await res.json();
      this.close();
      toast(`Saved: ${strategy.title}.`, "success");
      this.onSaved(strategy);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) this.showErrors(error);
      else toast(error.message || "Could not save.", "error");
    } finally {
      submit.disabled = false;
    }
  }

  toBuilder() {
    this.clearErrors();
    const leg = this.leg();
    const missing = [];
    if (!leg.symbol) missing.push(["symbol", "enter a symbol"]);
    if (!leg.quantity) missing.push(["quantity", "must be a whole number of at least 1"]);
    if (!(leg.entry_price > 0)) missing.push(["entry_price", "enter the price per share, above 0"]);
    if (leg.kind !== "stock" && !(leg.strike > 0)) missing.push(["strike", "enter the strike"]);
    if (leg.kind !== "stock" && !leg.expiration) missing.push(["expiration", "pick an expiration"]);
    if (missing.length) {
      for (const [name, msg] of missing) this.setError(name, msg);
      this.el(missing[0][0]).focus();
      return;
    }
    if (this.onBuilder(leg)) this.close();
  }
}

/** Expirations of `symbol` (cached per symbol for the page's life). */
export function expirationLoader() {
  const cache = new Map();
  return (symbol) => {
    if (!cache.has(symbol)) {
      const p = apiJson(`/api/options/${encodeURIComponent(symbol)}/expirations`, { toastOnError: false })
        .then((r) => r.expirations);
      p.catch(() => cache.delete(symbol));
      cache.set(symbol, p);
    }
    return cache.get(symbol);
  };
}
