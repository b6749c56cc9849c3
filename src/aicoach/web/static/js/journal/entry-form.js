// "Add a trade" ([data-jr-entry] dialog): one underlying, one to eight legs opened together (and
// optionally closed together), posted to POST /api/journal/trades. Times are typed on the New
// York clock and sent as UTC. The API's validation messages (error.message / details) are shown
// as they come — they name the leg and the field — and the inputs they name are marked invalid.
//
//   const form = new EntryForm(dialog, {accounts: () => [...], onCreated(trade)});
//   form.open({accountId});

import { apiJson, ApiError } from "../kit/api.js";
import { html } from "../kit/html.js";
import { formErrors, nyDate, nyLocalToUtcIso } from "./model.js";

const MAX_LEGS = 8;
/** Trade-level inputs that stand for a field of every leg. */
const TRADE_FIELDS = { symbol: "#jr-e-symbol", opened_at: "#jr-e-opened", closed_at: "#jr-e-closed" };

function legRow(i) {
  return html`<tr data-leg="${i}">
    <td><label class="sr-only" for="jr-e-side-${i}">Leg ${i + 1} side</label>
      <select id="jr-e-side-${i}" data-f="side"><option value="1">Buy</option><option value="-1">Sell</option></select></td>
    <td><label class="sr-only" for="jr-e-qty-${i}">Leg ${i + 1} quantity</label>
      <input id="jr-e-qty-${i}" data-f="quantity" type="number" min="1" step="1" value="1" inputmode="numeric"></td>
    <td><label class="sr-only" for="jr-e-kind-${i}">Leg ${i + 1} type</label>
      <select id="jr-e-kind-${i}" data-f="kind"><option value="put">Put</option><option value="call">Call</option><option value="stock">Stock</option></select></td>
    <td><label class="sr-only" for="jr-e-strike-${i}">Leg ${i + 1} strike</label>
      <input id="jr-e-strike-${i}" data-f="strike" type="number" min="0" step="any" inputmode="decimal"></td>
    <td><label class="sr-only" for="jr-e-exp-${i}">Leg ${i + 1} expiration</label>
      <input id="jr-e-exp-${i}" data-f="expiration" type="date"></td>
    <td><label class="sr-only" for="jr-e-price-${i}">Leg ${i + 1} open price</label>
      <input id="jr-e-price-${i}" data-f="price" type="number" min="0" step="any" inputmode="decimal"></td>
    <td><label class="sr-only" for="jr-e-close-${i}">Leg ${i + 1} close price</label>
      <input id="jr-e-close-${i}" data-f="close_price" type="number" min="0" step="any" inputmode="decimal"></td>
    <td><label class="sr-only" for="jr-e-fees-${i}">Leg ${i + 1} fees</label>
      <input id="jr-e-fees-${i}" data-f="fees" type="number" min="0" step="any" inputmode="decimal" placeholder="0"></td>
    <td><button type="button" class="btn btn-ghost btn-sm btn-icon" data-remove-leg aria-label="${`Remove leg ${i + 1}`}">×</button></td>
  </tr>`;
}

/** The request body of the form's values (strings as typed: the API reads exact decimals). */
export function manualBody({ accountId, symbol, openedLocal, closedLocal, legs }) {
  const opened_at = nyLocalToUtcIso(openedLocal);
  const closed_at = closedLocal ? nyLocalToUtcIso(closedLocal) : null;
  return {
    account_id: Number(accountId),
    legs: legs.map((l) => {
      const leg = { symbol: symbol.trim().toUpperCase(), kind: l.kind, quantity: String((Number(l.side) || 1) * Math.abs(Number(l.quantity) || 0)), price: String(l.price).trim(), opened_at };
      if (l.kind !== "stock") {
        if (String(l.strike).trim()) leg.strike = String(l.strike).trim();
        if (l.expiration) leg.expiration = l.expiration;
      }
      if (closed_at || String(l.close_price ?? "").trim()) {
        leg.closed_at = closed_at;
        leg.close_price = String(l.close_price ?? "").trim() || null;
      }
      if (String(l.fees ?? "").trim()) leg.fees = String(l.fees).trim();
      return leg;
    }),
  };
}

export class EntryForm {
  constructor(dialog, { accounts, onCreated }) {
    this.dialog = dialog;
    this.form = dialog.querySelector("[data-jr-entry-form]");
    this.tbody = dialog.querySelector("[data-jr-e-legs] tbody");
    this.accounts = accounts;
    this.onCreated = onCreated;
    this.wire();
  }

  $(sel) {
    return this.dialog.querySelector(sel);
  }

  wire() {
    for (const b of this.dialog.querySelectorAll("[data-jr-dialog-close]")) b.addEventListener("click", () => this.dialog.close());
    this.$("[data-jr-e-add-leg]").addEventListener("click", () => this.addLeg());
    this.tbody.addEventListener("click", (event) => {
      const b = event.target.closest("[data-remove-leg]");
      if (!b) return;
      const rows = this.rows();
      if (rows.length <= 1) return;
      b.closest("tr").remove();
      this.renumber();
    });
    this.tbody.addEventListener("change", (event) => {
      if (event.target.dataset.f === "kind") this.syncKind(event.target.closest("tr"));
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  rows() {
    return Array.from(this.tbody.querySelectorAll("tr[data-leg]"));
  }

  addLeg(values = {}) {
    const rows = this.rows();
    if (rows.length >= MAX_LEGS) return;
    const last = rows[rows.length - 1];
    this.tbody.insertAdjacentHTML("beforeend", legRow(rows.length).text);
    const tr = this.rows().at(-1);
    if (last) {
      // A new leg starts like the one above: same expiration and type, the other side.
      tr.querySelector('[data-f="expiration"]').value = last.querySelector('[data-f="expiration"]').value;
      tr.querySelector('[data-f="kind"]').value = last.querySelector('[data-f="kind"]').value;
      tr.querySelector('[data-f="side"]').value = last.querySelector('[data-f="side"]').value === "1" ? "-1" : "1";
      tr.querySelector('[data-f="quantity"]').value = last.querySelector('[data-f="quantity"]').value;
    }
    for (const [k, v] of Object.entries(values)) {
      const el = tr.querySelector(`[data-f="${k}"]`);
      if (el) el.value = String(v);
    }
    this.syncKind(tr);
    this.$("[data-jr-e-add-leg]").disabled = this.rows().length >= MAX_LEGS;
    if (last) tr.querySelector('[data-f="side"]').focus();
  }

  renumber() {
    this.rows().forEach((tr, i) => {
      tr.dataset.leg = String(i);
      tr.querySelector("[data-remove-leg]").setAttribute("aria-label", `Remove leg ${i + 1}`);
    });
    this.$("[data-jr-e-add-leg]").disabled = this.rows().length >= MAX_LEGS;
  }

  syncKind(tr) {
    const stock = tr.querySelector('[data-f="kind"]').value === "stock";
    for (const f of ["strike", "expiration"]) {
      const el = tr.querySelector(`[data-f="${f}"]`);
      el.disabled = stock;
      if (stock) el.value = "";
    }
  }

  open({ accountId = "" } = {}) {
    const accounts = this.accounts();
    const select = this.$("[data-jr-e-account]");
    select.innerHTML = html`${accounts.map((a) => html`<option value="${a.id}">${a.name}</option>`)}`.text;
    if (!accounts.length) select.innerHTML = html`<option value="">Create an account first (Import → New account)</option>`.text;
    if (accountId) select.value = String(accountId);
    this.form.reset();
    if (accountId) select.value = String(accountId);
    this.tbody.replaceChildren();
    this.addLeg();
    this.$("#jr-e-opened").value = `${nyDate()}T09:45`;
    this.clearErrors();
    this.dialog.showModal();
    this.$("#jr-e-symbol").focus();
  }

  values() {
    return {
      accountId: this.$("[data-jr-e-account]").value,
      symbol: this.$("#jr-e-symbol").value,
      openedLocal: this.$("#jr-e-opened").value,
      closedLocal: this.$("#jr-e-closed").value,
      legs: this.rows().map((tr) => Object.fromEntries(Array.from(tr.querySelectorAll("[data-f]")).map((el) => [el.dataset.f, el.value]))),
    };
  }

  clearErrors() {
    this.$("[data-jr-e-errors]").replaceChildren();
    for (const el of this.form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    for (const el of this.form.querySelectorAll(".field-error[id]")) el.textContent = "";
  }

  showErrors(messages, marks) {
    this.$("[data-jr-e-errors]").innerHTML = html`${messages.map((m) => html`<li>${m}</li>`)}`.text;
    for (const el of marks) el.setAttribute("aria-invalid", "true");
    (marks[0] || this.$("[data-jr-e-errors]")).focus?.();
  }

  /** Checks the API cannot make for us: the times it needs in UTC. */
  localErrors(v) {
    const out = [];
    const marks = [];
    if (!v.accountId) out.push("Choose the account the trade belongs to.");
    if (!v.symbol.trim()) {
      out.push("Underlying: give the ticker symbol, e.g. SPY.");
      marks.push(this.$("#jr-e-symbol"));
    }
    if (!nyLocalToUtcIso(v.openedLocal)) {
      out.push("Opened: give the date and time the trade was opened.");
      marks.push(this.$("#jr-e-opened"));
    }
    return { out, marks };
  }

  async submit() {
    this.clearErrors();
    const v = this.values();
    const local = this.localErrors(v);
    if (local.out.length) return this.showErrors(local.out, local.marks);
    const button = this.$("[data-jr-e-submit]");
    button.disabled = true;
    try {
      const trade = await apiJson("/api/journal/trades", { method: "POST", json: manualBody(v), toastOnError: false });
      this.dialog.close();
      this.onCreated(trade);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const found = formErrors(error);
      const messages = [];
      const marks = [];
      for (const [i, fields] of Object.entries(found.legs)) {
        for (const [field, message] of Object.entries(fields)) {
          const el = TRADE_FIELDS[field] ? this.$(TRADE_FIELDS[field]) : this.rows()[Number(i)]?.querySelector(`[data-f="${field}"]`);
          if (el) marks.push(el);
          if (!messages.includes(message)) messages.push(message);
        }
      }
      for (const [field, message] of Object.entries(found.fields)) {
        if (field === "account_id") marks.push(this.$("[data-jr-e-account]"));
        messages.push(message);
      }
      messages.push(...found.other);
      if (!messages.length) messages.push(error.message);
      this.showErrors([...new Set(messages)], marks);
    } finally {
      button.disabled = false;
    }
  }
}
