// The builder's unsaved state, kept across reloads: symbol, expiration, legs and the what-if
// sliders, in localStorage per user ("aicoach-options-draft:<user id>", the id from
// <meta name="aicoach-user-id">), so two accounts on one browser never see each other's drafts.
// Saving the position clears it. What comes back is checked field by field: anything stale (a
// leg that has expired, a draft older than MAX_AGE_DAYS) or malformed is dropped, silently.
//
//   const store = draftStore(userId);
//   store.save({ symbol, expiration, legs, scenario: { valuation, iv, pins, pinsTouched } });
//   store.load() → the same shape, or null;   store.clear();
//
// `scenario.valuation` is a date ("YYYY-MM-DD") or null (today); pins are dates too, so a draft
// read tomorrow still values on the same calendar days.

import { daysBetween, nyDate } from "../kit/dates.js";
import { isFiniteNumber } from "../kit/format.js";

export const DRAFT_VERSION = 1;
export const MAX_AGE_DAYS = 30;
const MAX_LEGS = 20;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const SYMBOL = /^[A-Z0-9.^/-]{1,20}$/;
const KINDS = new Set(["call", "put", "stock"]);

const isDay = (s) => typeof s === "string" && ISO_DAY.test(s) && !Number.isNaN(Date.parse(s + "T00:00:00Z"));

/** The storage key of `userId`'s draft. */
export const draftKey = (userId) => `aicoach-options-draft:${userId || "anonymous"}`;

/** The signed-in user's id from the page (null when signed out). */
export function pageUserId(doc = document) {
  return doc.querySelector('meta[name="aicoach-user-id"]')?.content || null;
}

function validLeg(l, symbol, today) {
  if (!l || typeof l !== "object" || l.symbol !== symbol || !KINDS.has(l.kind)) return null;
  if (!Number.isInteger(l.quantity) || l.quantity === 0 || Math.abs(l.quantity) > 100_000) return null;
  if (!isFiniteNumber(l.entry_price) || l.entry_price <= 0) return null;
  const leg = { symbol, kind: l.kind, quantity: l.quantity, entry_price: l.entry_price, strike: null, expiration: null };
  if (l.kind === "stock") return leg;
  if (!isFiniteNumber(l.strike) || l.strike <= 0 || !isDay(l.expiration) || l.expiration < today) return null;
  Object.assign(leg, { strike: l.strike, expiration: l.expiration });
  if (isFiniteNumber(l.iv) && l.iv > 0) leg.iv = l.iv;
  return leg;
}

/**
 * A stored draft (parsed JSON) checked against `today` ("YYYY-MM-DD", New York): the draft, or
 * null when anything is off — every leg must be sound and unexpired, or none is restored.
 */
export function parseDraft(raw, today = nyDate()) {
  if (!raw || typeof raw !== "object" || raw.version !== DRAFT_VERSION) return null;
  if (typeof raw.symbol !== "string" || !SYMBOL.test(raw.symbol)) return null;
  if (!isDay(raw.saved_on) || raw.saved_on > today || daysBetween(raw.saved_on, today) > MAX_AGE_DAYS) return null;
  const expiration = raw.expiration ?? null;
  if (expiration !== null && (!isDay(expiration) || expiration < today)) return null;
  if (!Array.isArray(raw.legs) || raw.legs.length > MAX_LEGS) return null;
  const legs = raw.legs.map((l) => validLeg(l, raw.symbol, today));
  if (legs.some((l) => l === null)) return null;
  const s = raw.scenario && typeof raw.scenario === "object" ? raw.scenario : {};
  const valuation = isDay(s.valuation) && s.valuation > today ? s.valuation : null;
  const iv = isFiniteNumber(s.iv) && Math.abs(s.iv) <= 500 ? s.iv : 0;
  const pins = Array.isArray(s.pins) ? s.pins.filter((p) => isDay(p) && p > today).slice(0, 3) : [];
  return { symbol: raw.symbol, expiration, legs, scenario: { valuation, iv, pins, pinsTouched: s.pinsTouched === true } };
}

/** {load(), save(state), clear()} for `userId`'s draft; storage failures are never errors. */
export function draftStore(userId, storage = globalThis.localStorage) {
  const key = draftKey(userId);
  return {
    load(today = nyDate()) {
      let raw = null;
      try {
        raw = JSON.parse(storage.getItem(key) || "null");
      } catch {
        raw = null;
      }
      const draft = parseDraft(raw, today);
      if (raw !== null && draft === null) this.clear(); // stale or broken: gone for good
      return draft;
    },
    save({ symbol, expiration, legs, scenario }, today = nyDate()) {
      const body = {
        version: DRAFT_VERSION, saved_on: today, symbol, expiration: expiration || null,
        legs: legs.map(({ symbol: sym, kind, strike, expiration: exp, quantity, entry_price, iv }) =>
          ({ symbol: sym, kind, strike: strike ?? null, expiration: exp ?? null, quantity, entry_price, ...(isFiniteNumber(iv) ? { iv } : {}) })),
        scenario,
      };
      try {
        storage.setItem(key, JSON.stringify(body));
      } catch {
        /* private mode or storage full: not remembered */
      }
    },
    clear() {
      try {
        storage.removeItem(key);
      } catch {
        /* nothing to clear */
      }
    },
  };
}
