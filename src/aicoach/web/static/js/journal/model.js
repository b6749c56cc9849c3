// The Journal tab's pure helpers (no DOM, no fetch): filters ↔ query strings, date presets, API
// money and "unavailable" values, New York wall time, and the shapes the plots and the trade
// chart draw from the API's payloads. Unit-tested in tests/web/test_journal_js_units.py.
//
// Units: API money is a JSON string with 2 decimals ("142.50") or a number; amount() makes it a
// number. Analytics values are {value, reason}: value null means "unavailable", with the reason.
// Epoch values: `*_s` are UTC seconds, day numbers are New York dates as days since 1970-01-01.

import { addDays, isoDate, nyDate, toIso } from "../kit/dates.js";
import { MINUS, MISSING, isFiniteNumber, num, shortDate } from "../kit/format.js";

// ---------- numbers ----------

/** API money ("142.50", 142.5, null) → a number, or null when there is none. */
export function amount(x) {
  if (isFiniteNumber(x)) return x;
  if (typeof x === "string" && x.trim() !== "") {
    const n = Number(x.trim().replace(/\u2212/g, "-"));
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** An analytics value ({value, reason} | number | null) → {value: number|null, reason}. */
export function statValue(v) {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const value = amount(v.value);
    return { value, reason: value === null ? v.reason || "not available" : null };
  }
  const value = amount(v);
  return { value, reason: value === null ? "not available" : null };
}

// ---------- filters ----------

/** The filters the trades, stats, patterns and export routes take, in query order. */
export const FILTER_KEYS = ["account_id", "symbol", "strategy", "tag", "status", "side", "from", "to"];
const ALIASES = { account: "account_id", direction: "side", date_from: "from", start: "from", date_to: "to", end: "to" };
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Known, non-empty, normalised filters from any object (a card's detail, the hash, a form):
 *  symbol upper-case, status open|closed, side credit|debit, dates YYYY-MM-DD. */
export function cleanFilters(input = {}) {
  const out = {};
  for (const [rawKey, rawValue] of Object.entries(input || {})) {
    const key = ALIASES[rawKey] || rawKey;
    if (!FILTER_KEYS.includes(key) || rawValue === null || rawValue === undefined) continue;
    let value = String(rawValue).trim();
    if (key === "symbol") value = value.toUpperCase();
    if (key === "status" && !["open", "closed"].includes(value)) continue;
    if (key === "side" && !["credit", "debit"].includes(value)) continue;
    if (key === "from" || key === "to") {
      value = value.slice(0, 10);
      if (!ISO_DAY.test(value)) continue;
    }
    if (key === "account_id" && !/^\d+$/.test(value)) continue;
    if (value) out[key] = value;
  }
  return out;
}

/** "symbol=SPY&from=2024-03-01…" for `filters` (in FILTER_KEYS order) and then `extra`. */
export function filterQuery(filters = {}, extra = {}) {
  const clean = cleanFilters(filters);
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (clean[key]) params.set(key, clean[key]);
  for (const [key, value] of Object.entries(extra)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  return params.toString();
}

/** True when two filter objects ask for the same trades. */
export const sameFilters = (a, b) => filterQuery(a) === filterQuery(b);

/** Date presets on the New York calendar: {from, to} ("" = open-ended). */
export function presetRange(preset, today = nyDate()) {
  const [y, m] = today.split("-");
  const monthStart = `${y}-${m}-01`;
  switch (preset) {
    case "month":
      return { from: monthStart, to: today };
    case "last_month": {
      const end = addDays(monthStart, -1);
      return { from: end.slice(0, 8) + "01", to: end };
    }
    case "30d":
      return { from: addDays(today, -29), to: today };
    case "90d":
      return { from: addDays(today, -89), to: today };
    case "ytd":
      return { from: `${y}-01-01`, to: today };
    default:
      return { from: "", to: "" };
  }
}

export const PRESETS = [
  ["all", "All time"], ["month", "This month"], ["last_month", "Last month"],
  ["30d", "Last 30 days"], ["90d", "Last 90 days"], ["ytd", "Year to date"],
];

/** The preset `{from, to}` matches ("all" for none), else "custom". */
export function matchPreset(from = "", to = "", today = nyDate()) {
  for (const [name] of PRESETS) {
    const r = presetRange(name, today);
    if (r.from === (from || "") && r.to === (to || "")) return name;
  }
  return "custom";
}

/** "Mar 1 – Mar 31 '24", "Since Mar 1 '24", "Until …", "" for no dates. */
export function rangeLabel(from, to) {
  const d = (iso) => shortDate(iso, { year: true });
  if (from && to) return from === to ? d(from) : `${d(from)} – ${d(to)}`;
  if (from) return `Since ${d(from)}`;
  if (to) return `Until ${d(to)}`;
  return "";
}

// ---------- time (New York wall clock) ----------

const NY_PARTS = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit",
});

/** The New York wall clock of an instant (epoch ms) as if it were UTC, in ms. */
export function nyWallMs(ms) {
  const p = Object.fromEntries(NY_PARTS.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
}

/** A UTC instant in seconds → New York wall seconds (what lightweight-charts shows as-is). */
export const toWallSeconds = (s) => Math.round(nyWallMs(s * 1000) / 1000);

/** "2024-03-04T10:15" read on the New York clock → the UTC instant as ISO text ("…Z"), or null. */
export function nyLocalToUtcIso(local) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(local || "").trim());
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let utc = wall - (nyWallMs(wall) - wall);
  utc = wall - (nyWallMs(utc) - utc); // once more across a DST change
  return new Date(utc).toISOString().replace(".000Z", "Z");
}

/** A UTC instant (ISO text) → "YYYY-MM-DDTHH:MM" on the New York clock (a datetime-local value). */
export function utcToNyLocal(iso) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return "";
  return new Date(nyWallMs(ms)).toISOString().slice(0, 16);
}

/** A New York day number (days since 1970-01-01) → "YYYY-MM-DD". */
export const dayIso = (day) => toIso(new Date(day * 86_400_000));

// ---------- analytics payload → plot data ----------

/** Equity after each closed trade from 0, and the drawdown under its running peak (≤ 0):
 *  {equity: [[ms, $]], drawdown: [[ms, $]]}, both starting at 0 a little before the first close. */
export function equitySeries(equity) {
  const t = equity?.closed_s || [];
  const y = equity?.equity || [];
  const n = Math.min(t.length, y.length);
  if (!n) return { equity: [], drawdown: [] };
  // The curve starts from 0 a little before the first close (3 % of the span, at least an hour).
  const span = (t[n - 1] - t[0]) * 1000;
  const start = t[0] * 1000 - Math.max(3_600_000, span * 0.03);
  const eq = [[start, 0]];
  const dd = [[start, 0]];
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const v = amount(y[i]) ?? 0;
    peak = Math.max(peak, v);
    eq.push([t[i] * 1000, v]);
    dd.push([t[i] * 1000, v - peak]);
  }
  return { equity: eq, drawdown: dd };
}

/** Daily P&L as [["YYYY-MM-DD", $, trades]] and the calendar's range: whole months from the
 *  first to the last day, at most the 12 months ending with the last one. */
export function calendarData(daily) {
  const days = daily?.day || [];
  const cells = days.map((d, i) => [dayIso(d), amount(daily.pnl?.[i]) ?? 0, daily.n?.[i] ?? 0]);
  if (!cells.length) return { cells, range: null, max: 0 };
  const first = cells[0][0];
  const last = cells[cells.length - 1][0];
  const endMonth = last.slice(0, 7);
  const [ey, em] = endMonth.split("-").map(Number);
  const floor = new Date(Date.UTC(ey, em - 12, 1)).toISOString().slice(0, 10);
  const from = (first.slice(0, 8) + "01") < floor ? floor : first.slice(0, 8) + "01";
  const to = toIso(new Date(Date.UTC(ey, em, 0)));
  const shown = cells.filter((c) => c[0] >= from);
  const max = Math.max(1, ...shown.map((c) => Math.abs(c[1])));
  return { cells: shown, range: [from, to], max };
}

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The 7 × 24 entry-time heatmap as cells [hour column, weekday row, net $, trades, wins] over
 *  the hours that have trades (at least 9–15) and the weekdays (Sat/Sun only when used). */
export function heatmapCells(heatmap) {
  const n = heatmap?.n || [];
  const net = heatmap?.net_pnl || [];
  const wins = heatmap?.wins || [];
  let lo = 9;
  let hi = 15;
  const used = new Set([0, 1, 2, 3, 4]);
  n.forEach((row, d) => row.forEach((count, h) => {
    if (count > 0) {
      lo = Math.min(lo, h);
      hi = Math.max(hi, h);
      used.add(d);
    }
  }));
  const days = [...used].sort((a, b) => a - b);
  const hours = [];
  for (let h = lo; h <= hi; h++) hours.push(h);
  const cells = [];
  days.forEach((d, row) => hours.forEach((h, col) => {
    const count = n[d]?.[h] ?? 0;
    cells.push([col, row, count ? amount(net[d]?.[h]) ?? 0 : null, count, wins[d]?.[h] ?? 0]);
  }));
  const max = Math.max(1, ...cells.filter((c) => c[2] !== null).map((c) => Math.abs(c[2])));
  return { hours: hours.map((h) => `${String(h).padStart(2, "0")}:00`), days: days.map((d) => WEEKDAYS[d]), cells, max };
}

const rText = (x) => (x < 0 ? MINUS + Math.abs(x) : String(x)) + "R";

/** R-multiple histogram bins → labels ("< −3R", "−3R to −2R", "≥ 3R") with counts and the sign
 *  of the bin (−1 losing, +1 winning). Edges of null are ±infinity. */
export function histogramBins(hist) {
  const edges = hist?.edges || [];
  const counts = hist?.counts || [];
  const bins = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const lo = edges[i];
    const hi = edges[i + 1];
    let label;
    if (lo === null) label = `< ${rText(hi)}`;
    else if (hi === null) label = `≥ ${rText(lo)}`;
    else label = `${rText(lo)} to ${rText(hi)}`;
    const sign = hi !== null && hi <= 0 ? -1 : lo !== null && lo >= 0 ? 1 : 0;
    bins.push({ label, count: counts[i] ?? 0, sign });
  }
  return bins;
}

/** The dimensions of the breakdowns, in the order the dashboard shows them. */
export const BREAKDOWNS = [
  ["symbol", "By symbol"], ["strategy", "By strategy"], ["tag", "By tag"], ["dte", "By DTE at entry"],
  ["iv_rank", "By IV rank at entry"], ["delta", "By |delta| at entry"], ["level", "By level at entry"],
  ["premium", "Credit or debit"], ["account", "By account"],
];
/** Ordered buckets (kept in their own order); the rest sort by net P&L, best first. */
const ORDERED = new Set(["dte", "iv_rank", "delta", "premium"]);
const MAX_GROUPS = 12;

/** A breakdown's groups ready to draw: [{key, label, n, net, winRate, expectancy}], at most 12
 *  (the rest summed as "Other"), "unknown" last. `known` is false when every trade is unknown. */
export function breakdownRows(dimension, groups, labelOf = (k) => k) {
  const rows = (groups || []).map((g) => ({
    key: g.key,
    label: g.key === "unknown" ? "Unknown" : labelOf(g.key),
    n: g.n,
    net: amount(g.net_pnl) ?? 0,
    winRate: statValue(g.win_rate).value,
    expectancy: statValue(g.expectancy).value,
  }));
  const unknown = rows.filter((r) => r.key === "unknown");
  let known = rows.filter((r) => r.key !== "unknown");
  if (!ORDERED.has(dimension)) known.sort((a, b) => b.net - a.net || b.n - a.n);
  if (known.length > MAX_GROUPS) {
    const rest = known.slice(MAX_GROUPS - 1);
    const n = rest.reduce((s, r) => s + r.n, 0);
    const net = rest.reduce((s, r) => s + r.net, 0);
    known = [...known.slice(0, MAX_GROUPS - 1), { key: "other", label: `Other (${rest.length})`, n, net, winRate: null, expectancy: n ? net / n : null }];
  }
  return { rows: [...known, ...unknown], known: known.length > 0 };
}

/** "iron_condor" → "Iron condor" (when no label came with it). */
export const humanize = (key) => {
  const s = String(key || "").replace(/_/g, " ").trim();
  return s ? s[0].toUpperCase() + s.slice(1) : "";
};

// ---------- trades ----------

/** A price per share as the API sent it ("0.70", "1.9500", 2.05): its own decimals, trailing
 *  zeros trimmed down to two ("0.70", "1.95", "0.0125"); "—" when it is not a number. */
export function priceText(x) {
  const n = amount(x);
  if (n === null) return MISSING;
  const given = typeof x === "string" && x.includes(".") ? x.trim().split(".")[1].replace(/0+$/, "").length : 2;
  return num(n, Math.max(2, Math.min(6, given)));
}

const OCC = /^([A-Z.]{1,6})\s*(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;

/** An OCC option symbol as people read it: "SPY   240315P00500000" → "SPY 500P Mar 15 '24";
 *  anything else (a stock, a future's symbol) unchanged. */
export function occLabel(instrument) {
  const m = OCC.exec(String(instrument || "").trim());
  if (!m) return String(instrument || "");
  const strike = Number(m[6]) / 1000;
  return `${m[1]} ${strike}${m[5]} ${shortDate(`20${m[2]}-${m[3]}-${m[4]}`, { year: true })}`;
}

/** "SPY 500P 15 Mar" style label of a leg: stock legs are their symbol. */
export function legLabel(leg) {
  const sym = leg.symbol || leg.instrument || "";
  if (!leg.kind || leg.kind === "stock") return sym;
  const right = (leg.right || leg.kind || "").slice(0, 1).toUpperCase();
  const strike = amount(leg.strike);
  const under = String(sym).split(/\s+/)[0];
  const exp = leg.expiration ? shortDate(String(leg.expiration).slice(0, 10), { year: true }) : "";
  return [under, strike !== null ? `${strike}${right}` : right, exp].filter(Boolean).join(" ");
}

/** {start, end, timeframe} of the bars to show around a trade: intraday bars for a trade held
 *  under a day, 30-minute bars under a week, daily bars otherwise; never past `nowMs`. */
export function barWindow(openedIso, closedIso, nowMs = Date.now(), prefer = "") {
  const open = Date.parse(openedIso);
  const close = Number.isFinite(Date.parse(closedIso)) ? Date.parse(closedIso) : nowMs;
  const held = Math.max(0, close - open);
  const H = 3_600_000;
  const D = 24 * H;
  let timeframe = prefer;
  if (!timeframe) timeframe = held < D ? "5m" : held < 6 * D ? "30m" : "1d";
  let before;
  let after;
  if (timeframe === "5m") [before, after] = [D, D];
  else if (timeframe === "30m") [before, after] = [4 * D, 3 * D];
  else [before, after] = [Math.max(45 * D, held * 0.5), Math.max(20 * D, held * 0.3)];
  const end = Math.min(nowMs, close + after);
  return { timeframe, start: new Date(open - before).toISOString(), end: new Date(end).toISOString() };
}

/** Index of the last bar opening at or before `s` (bars sorted by time), or -1. */
export function barIndexAt(times, s) {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= s) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const FILL_WORD = { expiration: "Expired", assignment: "Assigned", exercise: "Exercised" };

/** The fills of a trade as chart markers, one per bar and side (entries, exits): {time (the
 *  bar's time), kind "entry"|"exit", text, fills}. `barTimes` are the bars' UTC seconds; for
 *  daily bars a fill snaps to its New York session date. */
export function tradeMarkers(legs, barTimes, { daily = false } = {}) {
  const groups = new Map();
  for (const leg of legs || []) {
    for (const f of leg.fills || []) {
      const ms = Date.parse(f.executed_at);
      if (!Number.isFinite(ms)) continue;
      const at = daily ? Date.parse(nyDate(new Date(ms)) + "T00:00:00Z") / 1000 : ms / 1000;
      const i = barIndexAt(barTimes, at);
      if (i < 0 || (daily && barTimes[i] !== at && at - barTimes[i] > 4 * 86400)) continue;
      const exit = f.effect === "close" || (f.kind && f.kind !== "trade");
      const key = `${barTimes[i]}|${exit ? "exit" : "entry"}`;
      if (!groups.has(key)) groups.set(key, { time: barTimes[i], kind: exit ? "exit" : "entry", fills: [] });
      groups.get(key).fills.push({ ...f, leg: legLabel(leg) });
    }
  }
  const out = [...groups.values()].sort((a, b) => a.time - b.time || (a.kind === "entry" ? -1 : 1));
  for (const m of out) {
    const special = m.fills.map((f) => FILL_WORD[f.kind]).find(Boolean);
    m.text = special || (m.kind === "entry" ? "Entry" : "Exit");
  }
  return out;
}

/** Option strikes of a trade's legs, for price lines: [{price, title}] (unique, sorted). */
export function strikeLines(legs) {
  const seen = new Map();
  for (const leg of legs || []) {
    const k = amount(leg.strike);
    if (k === null || !leg.kind || leg.kind === "stock") continue;
    const right = (leg.right || leg.kind).slice(0, 1).toUpperCase();
    const side = amount(leg.opened_quantity) < 0 ? "short" : "long";
    const title = `${side === "short" ? "−" : "+"}${k}${right}`;
    seen.set(`${k}${right}`, { price: k, title: seen.has(`${k}${right}`) ? `${k}${right}` : title, side });
  }
  return [...seen.values()].sort((a, b) => a.price - b.price);
}

// ---------- forms ----------

const KINDS = ["setup", "mistake", "custom"];

/** "setup:breakout, mistake:fomo, earnings" → [{name, kind}] (kind custom unless given). */
export function parseTags(text) {
  const out = [];
  for (const part of String(text || "").split(",")) {
    const raw = part.trim();
    if (!raw) continue;
    const m = /^(setup|mistake|custom)\s*:\s*(.+)$/i.exec(raw);
    const tag = m ? { name: m[2].trim(), kind: m[1].toLowerCase() } : { name: raw, kind: "custom" };
    if (tag.name && !out.some((t) => t.name.toLowerCase() === tag.name.toLowerCase())) out.push(tag);
  }
  return out;
}

/** Tags as the API takes them: names trimmed, duplicates (by name, any case) dropped. */
export function normalTags(tags) {
  const out = [];
  for (const t of tags || []) {
    const name = String(typeof t === "string" ? t : t.name || "").trim();
    const kind = KINDS.includes(t.kind) ? t.kind : "custom";
    if (name && !out.some((o) => o.name.toLowerCase() === name.toLowerCase())) out.push({ name, kind });
  }
  return out;
}

/** An API error (ApiError or {message, details}) → messages by place: {fields: {name: msg},
 *  legs: {index: {field: msg}}, other: [msg]}. `details` fields are dotted ("legs.1.strike");
 *  a message may name its place itself ("legs[1].price: …"). */
export function formErrors(error) {
  const out = { fields: {}, legs: {}, other: [] };
  const place = (path, message) => {
    const parts = String(path || "").replace(/\[(\d+)\]/g, ".$1").split(".").filter((p) => p && p !== "body");
    if (parts[0] === "legs" && /^\d+$/.test(parts[1] || "") && parts[2]) {
      (out.legs[parts[1]] ||= {})[parts[2]] = message;
    } else if (parts.length === 1 && parts[0] !== "legs") {
      out.fields[parts[0]] = message;
    } else {
      out.other.push(message);
    }
  };
  const details = Array.isArray(error?.details) ? error.details : [];
  for (const d of details) place(d.field || (Array.isArray(d.loc) ? d.loc.join(".") : ""), d.message || d.msg || "");
  if (!details.length) {
    const m = /^([a-z_]+(?:\[\d+\]|\.\d+)?(?:\.[a-z_]+)?): (.+)$/i.exec(String(error?.message || ""));
    if (m && /^(legs|account_id|notes|tags|planned_risk)/.test(m[1])) place(m[1], m[2]);
    else if (error?.message) out.other.push(error.message);
  }
  return out;
}

/** "1–50 of 143", "No trades", for a page of `limit` from `offset`. */
export function pageLabel(total, offset, limit) {
  if (!total) return "No trades";
  const first = Math.min(total, offset + 1);
  const last = Math.min(total, offset + limit);
  return `${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`;
}

/** The import preview's rows in file order: executions and error rows merged by row number,
 *  [{row, kind: "ok"|"duplicate"|"error", execution?, reason?, raw?}]. */
export function previewRows(preview) {
  const rows = [];
  for (const e of preview?.executions || []) rows.push({ row: e.row, kind: e.duplicate ? "duplicate" : "ok", execution: e });
  for (const e of preview?.errors || []) rows.push({ row: e.row, kind: "error", reason: e.reason, raw: e.raw });
  return rows.sort((a, b) => (a.row ?? 0) - (b.row ?? 0) || (a.kind === "error" ? 1 : -1));
}

/** Progress of a background commit as a whole percent 0–100 (null when unknown). */
export function progressPercent(progress) {
  const done = progress?.done;
  const total = progress?.total;
  if (!isFiniteNumber(done) || !isFiniteNumber(total) || total <= 0) return null;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}

/** Today's New York date, re-exported for the widgets. */
export { nyDate, isoDate };
