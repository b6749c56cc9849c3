// Calendar arithmetic on "YYYY-MM-DD" dates, and today's date on the exchange's (New York)
// calendar. Dates are UTC-midnight Date objects here: they are days, never shown as instants.
// Turning them into text is kit/format.js's job.

const NY_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit" });
const DAY_MS = 86_400_000;

/** "2026-12-18" → that day at 00:00 UTC. */
export const isoDate = (s) => new Date(s + "T00:00:00Z");

/** A UTC-midnight Date → "YYYY-MM-DD". */
export const toIso = (d) => d.toISOString().slice(0, 10);

/** "2026-12-18" plus `n` days (n may be negative). */
export const addDays = (iso, n) => toIso(new Date(isoDate(iso).getTime() + n * DAY_MS));

/** Whole days from `a` to `b` (both "YYYY-MM-DD"). */
export const daysBetween = (a, b) => Math.round((isoDate(b) - isoDate(a)) / DAY_MS);

/** The New York calendar date of an instant (default now), "YYYY-MM-DD". */
export const nyDate = (instant = new Date()) => NY_DAY.format(instant).slice(0, 10);
