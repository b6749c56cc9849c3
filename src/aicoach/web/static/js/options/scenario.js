// The what-if controls under the risk graph: the valuation date (days from today, up to the day
// before the first expiration), an IV shift in vol points, up to MAX_PINS pinned dates drawn as
// extra curves, and Reset. Turned into the `scenario` of POST /api/options/analyze.
//
//   const s = new Scenario(root, { onChange() {...}, firstExpiration: () => "2026-12-18" });
//   s.sync(); s.valuationDate(); s.request() → {iv_shift_points, dates, grid, valuation_date?}
//   s.snapshot() → {valuation, iv, pins, pinsTouched}; s.restore(snapshot) (the builder's draft)

import { addDays, daysBetween, nyDate } from "../kit/dates.js";
import { debounce } from "../kit/debounce.js";
import { MINUS, shortDate } from "../kit/format.js";
import { escapeHtml as esc } from "../kit/html.js";

const MAX_PINS = 3;
const GRID_PRICES = 181;
const MAX_GRID_DATES = 24; // the P&L table's columns: one a day up to this many
const SLIDER_PAUSE_MS = 250;

export class Scenario {
  constructor(root, { onChange, firstExpiration }) {
    this.root = root;
    this.onChange = onChange;
    this.firstExpiration = firstExpiration;
    this.dateInput = root.querySelector("[data-opt-date]");
    this.ivInput = root.querySelector("[data-opt-iv]");
    this.clear();
    this.wire();
  }

  clear() {
    this.days = 0;
    this.iv = 0;
    this.pins = [];
    // Until the trader pins or unpins a date, a halfway line is drawn by default.
    this.pinsTouched = false;
  }

  /** The builder was emptied: the next position gets the default halfway line again. */
  untouch() {
    this.pinsTouched = false;
  }

  wire() {
    const $ = (sel) => this.root.querySelector(sel);
    const rerun = debounce(() => this.onChange(), SLIDER_PAUSE_MS);
    this.dateInput.addEventListener("input", () => {
      this.days = Number(this.dateInput.value);
      this.sync();
      rerun();
    });
    this.ivInput.addEventListener("input", () => {
      this.iv = Number(this.ivInput.value);
      this.sync();
      rerun();
    });
    $("[data-opt-pin]").addEventListener("click", () => {
      const d = this.valuationDate();
      if (!d || this.pins.includes(d) || this.pins.length >= MAX_PINS) return;
      this.pins.push(d);
      this.pinsTouched = true;
      this.onChange();
    });
    $("[data-opt-pins]").addEventListener("click", (event) => {
      const b = event.target.closest("button[data-pin]");
      if (!b) return;
      this.pins = this.pins.filter((p) => p !== b.dataset.pin);
      this.pinsTouched = true;
      this.onChange();
    });
    $("[data-opt-reset]").addEventListener("click", () => {
      this.clear();
      this.dateInput.value = "0";
      this.ivInput.value = "0";
      this.sync();
      this.onChange();
    });
  }

  /** The state worth keeping across a reload; dates, not offsets, so tomorrow reads the same. */
  snapshot() {
    return { valuation: this.valuationDate(), iv: this.iv, pins: [...this.pins], pinsTouched: this.pinsTouched };
  }

  /** Put back a snapshot (checked by draft.js: dates in the future, a sane IV). */
  restore({ valuation = null, iv = 0, pins = [], pinsTouched = false } = {}) {
    this.days = valuation ? Math.max(0, daysBetween(nyDate(), valuation)) : 0;
    this.iv = Math.max(Number(this.ivInput.min), Math.min(Number(this.ivInput.max), iv));
    this.ivInput.value = String(this.iv);
    this.pins = pins.slice(0, MAX_PINS);
    this.pinsTouched = pinsTouched;
    this.sync();
  }

  /** The date the position is valued on ("YYYY-MM-DD"), or null for today. */
  valuationDate() {
    return this.days > 0 ? addDays(nyDate(), this.days) : null;
  }

  /** Bring the sliders' bounds and read-outs in line with the state and the first expiration. */
  sync() {
    const $ = (sel) => this.root.querySelector(sel);
    const first = this.firstExpiration();
    const max = first ? Math.max(0, daysBetween(nyDate(), first) - 1) : 0;
    this.dateInput.max = String(max);
    this.dateInput.disabled = max === 0;
    if (this.days > max) this.days = max;
    this.dateInput.value = String(this.days);
    const d = this.valuationDate();
    $("[data-opt-date-out]").textContent = d ? `${shortDate(d, { weekday: true })} (+${this.days}d)` : "Today";
    this.dateInput.setAttribute("aria-valuetext", d ? `Value on ${shortDate(d, { weekday: true })}` : "Value today");
    $("[data-opt-pin]").disabled = !d || this.pins.length >= MAX_PINS;
    // An IV shift of zero reads "±0": it is neither up nor down.
    $("[data-opt-iv-out]").textContent = `${this.iv > 0 ? "+" : this.iv < 0 ? MINUS : "±"}${Math.abs(this.iv)} pts`;
    this.ivInput.setAttribute("aria-valuetext", `Implied volatility ${this.iv >= 0 ? "plus" : "minus"} ${Math.abs(this.iv)} points`);
    $("[data-opt-pins]").innerHTML = this.pins
      .map((p) => `<li><span class="badge">${esc(shortDate(p, { weekday: true }))}<button type="button" data-pin="${p}" aria-label="Remove the ${esc(shortDate(p))} line">×</button></span></li>`)
      .join("");
  }

  /** The analyze request's `scenario`: pins between the valuation date and the first expiry. */
  request() {
    const first = this.firstExpiration();
    const today = nyDate();
    const valuation = this.valuationDate();
    let pins = this.pins.filter((p) => (!valuation || p > valuation) && (!first || p < first));
    if (!this.pinsTouched && !pins.length && first && !valuation) {
      const dte = daysBetween(today, first);
      if (dte >= 4) pins = [addDays(today, Math.floor(dte / 2))]; // a halfway line by default
    }
    // One grid column a day from the valuation date to the first expiry (at least two).
    const from = valuation || today;
    const span = first ? Math.max(0, daysBetween(from, first)) : 0;
    const grid = { prices: GRID_PRICES, dates: Math.max(2, Math.min(MAX_GRID_DATES, span + 1)) };
    const scenario = { iv_shift_points: this.iv, dates: pins, grid };
    if (valuation) scenario.valuation_date = valuation;
    return scenario;
  }
}
