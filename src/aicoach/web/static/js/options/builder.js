// The position builder: the legs picked from the chain (or the New position form) before they
// are saved. A leg is {symbol, kind: "call"|"put"|"stock", strike, expiration, quantity (signed:
// + long, − short), entry_price (dollars per share), iv?}. Quantity steps keep the side; the
// side button flips it; the price is editable (your fill, not necessarily the quote).
//
//   const b = new Builder(section, { onChange(legs) {...}, onSave(legs, label) {...} });
//   b.add(leg); b.set(legs); b.clear(); b.legs

import { dollars, isFiniteNumber, signedDollars } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";
import { legText } from "./legs.js";

const MULTIPLIER = 100;

export const units = (leg) => leg.quantity * (leg.kind === "stock" ? 1 : leg.multiplier || MULTIPLIER);

/** Dollars paid to open (> 0 debit, < 0 credit). */
export const netCost = (legs) => legs.reduce((s, l) => s + units(l) * (l.entry_price || 0), 0);

const sameContract = (a, b) =>
  a.symbol === b.symbol && a.kind === b.kind && a.strike === b.strike && a.expiration === b.expiration;

export class Builder {
  constructor(root, { onChange, onSave }) {
    this.root = root;
    this.onChange = onChange;
    this.onSave = onSave;
    this.legs = [];
    this.errors = {};
    this.table = root.querySelector("[data-opt-legs]");
    this.body = this.table.querySelector("tbody");
    this.saveForm = root.querySelector("[data-opt-save]");
    root.querySelector("[data-opt-clear]").addEventListener("click", () => this.clear());
    this.body.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-act]");
      if (!button) return;
      const i = Number(button.closest("tr").dataset.leg);
      const leg = this.legs[i];
      if (!leg) return;
      const act = button.dataset.act;
      const sign = Math.sign(leg.quantity);
      if (act === "more") leg.quantity += sign;
      else if (act === "less" && Math.abs(leg.quantity) > 1) leg.quantity -= sign;
      else if (act === "flip") leg.quantity = -leg.quantity;
      else if (act === "remove") this.legs.splice(i, 1);
      this.changed({ focus: act === "remove" ? null : [i, act] });
    });
    this.body.addEventListener("change", (event) => {
      const input = event.target.closest("input[data-price]");
      if (!input) return;
      const leg = this.legs[Number(input.closest("tr").dataset.leg)];
      const value = Number(input.value);
      if (leg && value > 0) {
        leg.entry_price = value;
        this.changed({ focus: null });
      } else input.value = leg && isFiniteNumber(leg.entry_price) ? leg.entry_price.toFixed(2) : "";
    });
    this.saveForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const label = this.saveForm.querySelector("[data-opt-save-label]").value.trim();
      this.onSave(this.legs.map((l) => ({ ...l })), label);
    });
    this.render();
  }

  /** Add a leg; the same contract on the same side adds to its quantity. */
  add(leg) {
    const existing = this.legs.find((l) => sameContract(l, leg) && Math.sign(l.quantity) === Math.sign(leg.quantity));
    if (existing) existing.quantity += leg.quantity;
    else this.legs.push({ ...leg });
    this.changed();
  }

  set(legs) {
    this.legs = legs.map((l) => ({ ...l }));
    this.changed();
  }

  clear() {
    this.legs = [];
    this.saveForm.querySelector("[data-opt-save-label]").value = "";
    this.changed();
  }

  /** Per-leg error messages (from a 422 on save): {index: "message"}. */
  showErrors(errors) {
    this.errors = errors;
    this.render();
  }

  changed({ focus = null } = {}) {
    this.errors = {};
    this.render(focus);
    this.onChange(this.legs);
  }

  render(focus = null) {
    const has = this.legs.length > 0;
    this.table.hidden = !has;
    this.saveForm.hidden = !has;
    this.root.querySelector("[data-opt-builder-empty]").hidden = has;
    this.root.querySelector("[data-opt-clear]").disabled = !has;
    this.root.dataset.legCount = String(this.legs.length);
    this.body.innerHTML = this.legs
      .map((l, i) => {
        const long = l.quantity > 0;
        const cost = units(l) * (l.entry_price || 0);
        const what = legText(l);
        const err = this.errors[i];
        return `<tr data-leg="${i}" class="${err ? "opt-leg-invalid" : ""}">
          <td><button type="button" class="opt-leg-side ${long ? "is-long" : "is-short"}" data-act="flip"
              aria-label="${long ? "Buy" : "Sell"} ${esc(what)}: switch to ${long ? "sell" : "buy"}">${long ? "Buy" : "Sell"}</button></td>
          <td class="num"><span class="opt-qty">
            <button type="button" class="btn btn-ghost btn-sm btn-icon" data-act="less" aria-label="One fewer ${esc(what)}"${Math.abs(l.quantity) <= 1 ? " disabled" : ""}>−</button>
            <span class="num" data-qty>${Math.abs(l.quantity)}</span>
            <button type="button" class="btn btn-ghost btn-sm btn-icon" data-act="more" aria-label="One more ${esc(what)}">+</button>
          </span></td>
          <td><span class="opt-contract">${esc(what)}</span>${err ? `<span class="field-error">${esc(err)}</span>` : ""}</td>
          <td class="num"><input class="opt-price num" type="number" min="0.01" step="0.01" value="${isFiniteNumber(l.entry_price) ? l.entry_price.toFixed(2) : ""}"
              data-price aria-label="Entry price per share for ${esc(what)}"></td>
          <td class="num ${cost > 0 ? "down" : "up"}" title="${cost > 0 ? "Paid" : "Received"}">${signedDollars(-cost)}</td>
          <td><button type="button" class="btn btn-ghost btn-sm btn-icon" data-act="remove" aria-label="Remove ${esc(what)}">×</button></td>
        </tr>`;
      })
      .join("");
    const net = netCost(this.legs);
    this.root.querySelector("[data-opt-net]").innerHTML = has
      ? `${net > 0 ? "Net debit" : "Net credit"} <b class="num ${net > 0 ? "down" : "up"}">${dollars(Math.abs(net))}</b>`
      : "";
    if (focus) {
      const [i, act] = focus;
      const target = this.body.querySelector(`tr[data-leg="${i}"] [data-act="${act}"]`);
      (target && !target.disabled ? target : this.body.querySelector(`tr[data-leg="${i}"] [data-act="more"]`))?.focus();
    }
  }
}
