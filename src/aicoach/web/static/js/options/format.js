// Formatting and escaping shared by the Options tab's widgets. Every value that came from the
// server goes into markup through esc() (or textContent), exactly once.

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ESC[c]);

export const isNum = (x) => typeof x === "number" && Number.isFinite(x);

/** 1234.5 → "1,234.50"; null → "—". */
export function num(x, digits = 2) {
  if (!isNum(x)) return "—";
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Dollars: whole dollars from $1,000, cents below; signed adds "+". */
export function money(x, { signed = false, digits = null } = {}) {
  if (!isNum(x)) return "—";
  const a = Math.abs(x);
  const d = digits ?? (a >= 1000 ? 0 : 2);
  const body = "$" + a.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  if (x < 0) return "−" + body;
  return (signed && x > 0 ? "+" : "") + body;
}

/** Option premium, dollars per share: "2.75". */
export const price = (x) => num(x, 2);

export const pct = (x, digits = 1) => (isNum(x) ? (x * 100).toFixed(digits) + "%" : "—");

/** Greek with a sensible number of digits for its size. */
export function greek(x) {
  if (!isNum(x)) return "—";
  const a = Math.abs(x);
  return x.toFixed(a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : 4);
}

export function compact(x) {
  if (!isNum(x)) return "—";
  return x.toLocaleString("en-US", { notation: "compact", maximumFractionDigits: 1 });
}

/** "+1" / "−2". */
export const signedInt = (n) => (n > 0 ? "+" + n : n < 0 ? "−" + Math.abs(n) : "0");

/** CSS class for a P&L number. */
export const tone = (x) => (!isNum(x) || Math.abs(x) < 0.005 ? "" : x > 0 ? "up" : "down");

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** "2026-12-18" → a UTC-midnight Date (calendar arithmetic only, never shown as a time). */
export const isoDate = (s) => new Date(s + "T00:00:00Z");
export const toIso = (d) => d.toISOString().slice(0, 10);
export const addDays = (iso, n) => toIso(new Date(isoDate(iso).getTime() + n * 86400000));
export const daysBetween = (a, b) => Math.round((isoDate(b) - isoDate(a)) / 86400000);

/** "Dec 18" (with the year when it is not this year's). */
export function shortDate(iso, { weekday = false, year = false } = {}) {
  const d = isoDate(iso);
  const base = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return (weekday ? DAYS[d.getUTCDay()] + " " : "") + base + (year ? " '" + String(d.getUTCFullYear()).slice(2) : "");
}

/** Today in New York (the exchange's date), "YYYY-MM-DD". */
export function nyToday(now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return parts.slice(0, 10);
}

/** "10:42:07 ET" for an ISO timestamp. */
export function etTime(ts) {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString("en-US", { timeZone: "America/New_York", hour: "numeric", minute: "2-digit", second: "2-digit" }) + " ET";
}

/** A leg's contract in words: "Dec 18 700 call" / "SPY shares". */
export function legText(leg) {
  if (leg.kind === "stock") return `${leg.symbol} shares`;
  return `${shortDate(leg.expiration)} ${num(leg.strike, leg.strike % 1 ? 2 : 0)} ${leg.kind}`;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

const STORE_KEY = "aicoach-options";

export function recall() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

export function remember(patch) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify({ ...recall(), ...patch }));
  } catch {
    /* private mode: not remembered */
  }
}
