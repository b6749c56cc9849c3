// The one place numbers, money, percents, dates and times become text, for every tab and card.
//
// One meaning per function, and the unit each one expects is in its name or its comment:
//   num / signedNum          plain numbers (prices per share, strikes, Greeks, quantities)
//   money / signedMoney      dollars with a fixed number of decimals (2 unless told)
//   dollars / signedDollars  a position's dollar amounts: cents below $1,000, whole from $1,000
//   pct / signedPct          a value ALREADY in percent units (1.25 → "1.25%")
//   pctFromFraction          a fraction shown as a percent (0.05 → "5.00%"): IV, POP, rates
// Every negative number gets the real minus sign U+2212 ("−", as wide as "+"). The sign is that
// of the value as shown: what rounds to zero is unsigned ("0.00", never "−0.00" or "+0.00").
// Anything that is not a finite number is "—". Pure functions (no DOM): unit-tested in
// tests/web/test_format_js_units.py.

import { isoDate, nyDate } from "./dates.js";

export const MINUS = "\u2212";
export const MISSING = "—";

export function isFiniteNumber(x) {
  return typeof x === "number" && Number.isFinite(x);
}

/** |x| with thousands separators at `digits` decimals, and the sign of that rounded text. */
function magnitude(x, digits) {
  const text = Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const sign = Number(text.replace(/,/g, "")) === 0 ? 0 : Math.sign(x);
  return { text, sign };
}

function signedText(x, digits, { plus, prefix = "", suffix = "" }) {
  if (!isFiniteNumber(x)) return MISSING;
  const { text, sign } = magnitude(x, digits);
  const mark = sign < 0 ? MINUS : sign > 0 && plus ? "+" : "";
  return `${mark}${prefix}${text}${suffix}`;
}

// ---------- numbers ----------

/** 1234.5 → "1,234.50"; -0.5 → "−0.50". */
export const num = (x, digits = 2) => signedText(x, digits, { plus: false });

/** With an explicit "+": 1.2 → "+1.20", -3 → "−3.00", 0 → "0.00". */
export const signedNum = (x, digits = 2) => signedText(x, digits, { plus: true });

/** A price per share without "$": 2 decimals, 4 below 1 (sub-dollar stocks and options). */
export const price = (x) => num(x, isFiniteNumber(x) && Math.abs(x) < 1 ? 4 : 2);

/** A Greek with as many decimals as its size needs: 12.3, 1.23, 0.123, 0.0123. */
export function greek(x) {
  if (!isFiniteNumber(x)) return MISSING;
  const a = Math.abs(x);
  return num(x, a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : 4);
}

/** Counts (volume, open interest): 1234 → "1.2K", 12_345_678 → "12.3M". */
export function compact(x) {
  if (!isFiniteNumber(x)) return MISSING;
  const text = Math.abs(x).toLocaleString("en-US", { notation: "compact", maximumFractionDigits: 1 });
  return x < 0 ? MINUS + text : text;
}

// ---------- money (dollars) ----------

/** Dollars: 1234.5 → "$1,234.50"; -12 → "−$12.00"; digits 0 → "$1,235". */
export const money = (x, digits = 2) => signedText(x, digits, { plus: false, prefix: "$" });

/** Dollars with an explicit "+": 3 → "+$3.00", -12 → "−$12.00". */
export const signedMoney = (x, digits = 2) => signedText(x, digits, { plus: true, prefix: "$" });

/** Cents only matter below $1,000 (P&L, costs, Greeks in dollars): 12.5 → "$12.50", 1234.5 → "$1,235". */
const dollarDigits = (x) => (isFiniteNumber(x) && Math.abs(x) >= 1000 ? 0 : 2);

/** A position's dollar amount: "$12.50", "$1,235", "−$440.00". */
export const dollars = (x) => money(x, dollarDigits(x));

/** A position's dollar amount with an explicit "+": "+$12.50", "−$1,235". */
export const signedDollars = (x) => signedMoney(x, dollarDigits(x));

// ---------- percent ----------

/** `x` is already in percent units: 1.234 → "1.23%", -0.1 → "−0.10%". */
export const pct = (x, digits = 2) => signedText(x, digits, { plus: false, suffix: "%" });

/** `x` in percent units, with an explicit "+": 1.2 → "+1.20%". */
export const signedPct = (x, digits = 2) => signedText(x, digits, { plus: true, suffix: "%" });

/** `x` is a fraction (0.05 = 5 %): 0.05 → "5.00%", 0.183 with 1 digit → "18.3%". */
export const pctFromFraction = (x, digits = 2) => pct(isFiniteNumber(x) ? x * 100 : x, digits);

/** "up" | "down" | "" for colouring by the sign of `x` as shown at `digits` decimals. */
export function tone(x, digits = 2) {
  if (!isFiniteNumber(x)) return "";
  const { sign } = magnitude(x, digits);
  return sign > 0 ? "up" : sign < 0 ? "down" : "";
}

// ---------- dates and times (New York, the exchange's clock) ----------

const ET = "America/New_York";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function toDate(value) {
  if (value instanceof Date) return value;
  if (value === null || value === undefined || value === "") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const clock = { timeZone: ET, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
const etTime = new Intl.DateTimeFormat("en-US", clock);
const etSeconds = new Intl.DateTimeFormat("en-US", { ...clock, second: "2-digit" });
const etFull = new Intl.DateTimeFormat("en-US", { ...clock, second: "2-digit", weekday: "short", month: "short", day: "numeric" });

/** A timestamp (ISO text, epoch ms or Date) on the New York clock: "15:42", or "15:42:07". */
export function timeET(value, { seconds = false } = {}) {
  const d = toDate(value);
  if (!d) return "";
  return (seconds ? etSeconds : etTime).format(d);
}

/** "Wed, Nov 26, 15:42:07 ET" */
export function dateTimeET(value) {
  const d = toDate(value);
  return d ? `${etFull.format(d)} ET` : "";
}

/** A calendar date "YYYY-MM-DD" as "Dec 18"; weekday → "Fri Dec 18"; year → "Dec 18 '26". */
export function shortDate(iso, { weekday = false, year = false } = {}) {
  const d = isoDate(iso);
  const base = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return (weekday ? DAYS[d.getUTCDay()] + " " : "") + base + (year ? " '" + String(d.getUTCFullYear()).slice(2) : "");
}

/** How long ago a timestamp was, in New York days: Today / Yesterday / Previous 7 days / ... */
export function dayGroup(value, now = new Date()) {
  const d = toDate(value);
  if (!d) return "Earlier";
  const day = (x) => Date.parse(nyDate(x) + "T00:00:00Z");
  const diff = Math.round((day(now) - day(d)) / 86_400_000);
  if (diff <= 0) return "Today";
  if (diff === 1) return "Yesterday";
  if (diff < 7) return "Previous 7 days";
  if (diff < 31) return "Previous 30 days";
  return "Earlier";
}

/** "15:42" today, "Yesterday", "Tue" this week, "Nov 3" before (New York). */
export function shortWhen(value, now = new Date()) {
  const d = toDate(value);
  if (!d) return "";
  const group = dayGroup(d, now);
  if (group === "Today") return timeET(d);
  if (group === "Yesterday") return "Yesterday";
  const opts = group === "Previous 7 days" ? { weekday: "short" } : { month: "short", day: "numeric" };
  return new Intl.DateTimeFormat("en-US", { timeZone: ET, ...opts }).format(d);
}
