// Formatting shared by the chat and its cards: numbers, money, times in ET, citation labels,
// tool-chip wording, client ids. Pure functions (no DOM) so they can be unit-tested in a page.

const ET = "America/New_York";

const SOURCES = {
  simulated: "Simulated",
  delayed: "Delayed",
  "real-time": "Real-time",
  realtime: "Real-time",
  files: "Files",
  "your data": "Your data",
};
const SESSIONS = {
  "pre-market": "pre-market",
  premarket: "pre-market",
  regular: "regular session",
  "after-hours": "after-hours",
  afterhours: "after-hours",
  closed: "market closed",
};

function toDate(value) {
  if (value instanceof Date) return value;
  if (value === null || value === undefined || value === "") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const etTime = new Intl.DateTimeFormat("en-US", { timeZone: ET, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const etSeconds = new Intl.DateTimeFormat("en-US", {
  timeZone: ET,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const etFull = new Intl.DateTimeFormat("en-US", {
  timeZone: ET,
  weekday: "short",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const etDay = new Intl.DateTimeFormat("en-CA", { timeZone: ET, year: "numeric", month: "2-digit", day: "2-digit" });

/** "15:42" (ET); with seconds: "15:42:07". */
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

/** Citation chip text: "Simulated · as of 15:42 ET · regular session". */
export function citationText(c) {
  const parts = [SOURCES[c?.source] || capitalize(c?.source || "Source")];
  const t = timeET(c?.as_of);
  if (t) parts.push(`as of ${t} ET`);
  const session = SESSIONS[c?.market_session] || c?.market_session;
  if (session) parts.push(session);
  return parts.join(" · ");
}

/** Citation tooltip lines: tool, label, source, full time. */
export function citationTooltip(c, tool = "") {
  const lines = [];
  if (tool) lines.push(`Tool: ${tool}`);
  if (c?.label) lines.push(`Data: ${c.label}`);
  lines.push(`Source: ${SOURCES[c?.source] || c?.source || "unknown"}`);
  const full = dateTimeET(c?.as_of);
  if (full) lines.push(`As of: ${full}`);
  if (c?.market_session) lines.push(`Market: ${c.market_session.replace(/-/g, " ")}`);
  return lines;
}

/** Same citation twice in one answer (same label, source, time) shows once. */
export function citationKey(c) {
  return [c?.source, c?.label, c?.as_of, c?.market_session].join("|");
}

export function capitalize(text) {
  const s = String(text ?? "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** What a running tool's chip says: the server's phrase (`tool_started.phrase`, declared by
 * the tool), else "Running get quote" from the tool's name. The chip adds the ellipsis. */
export function toolPhrase(name, phrase = "") {
  return phrase || `Running ${String(name || "tool").replace(/_/g, " ")}`;
}

export function isFiniteNumber(x) {
  return typeof x === "number" && Number.isFinite(x);
}

/** 1234.5 → "1,234.50"; -0.5 → "−0.50" (a real minus sign, as wide as "+"); null → "—". */
export function num(x, digits = 2) {
  if (!isFiniteNumber(x)) return "—";
  const text = Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return x < 0 && Number(text.replace(/,/g, "")) !== 0 ? `−${text}` : text;
}

/** Signed number with an explicit "+": 1.2 → "+1.20", -3 → "−3.00". */
export function signed(x, digits = 2) {
  if (!isFiniteNumber(x)) return "—";
  const body = num(Math.abs(x), digits);
  if (x > 0) return `+${body}`;
  if (x < 0) return `−${body}`;
  return body;
}

/** Money: 1234.5 → "$1,234.50"; signed=true → "+$1,234.50" / "−$12.00". */
export function money(x, { digits = 2, sign = false } = {}) {
  if (!isFiniteNumber(x)) return "—";
  const body = "$" + num(Math.abs(x), digits);
  if (x < 0) return "−" + body;
  return (sign && x > 0 ? "+" : "") + body;
}

/** Percent already in percent units: 1.234 → "1.23%"; sign=true adds "+". */
export function pct(x, { digits = 2, sign = false } = {}) {
  if (!isFiniteNumber(x)) return "—";
  return (sign ? signed(x, digits) : num(x, digits)) + "%";
}

/** "up" | "down" | "" for colouring by sign. */
export function direction(x) {
  if (!isFiniteNumber(x) || x === 0) return "";
  return x > 0 ? "up" : "down";
}

/** RFC 4122 v4 id; crypto.randomUUID only exists in secure contexts (a LAN http:// host is not). */
export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Sidebar grouping of a session by its last update: Today / Yesterday / Previous 7 days / Earlier. */
export function dayGroup(value, now = new Date()) {
  const d = toDate(value);
  if (!d) return "Earlier";
  const day = (x) => Date.parse(etDay.format(x) + "T00:00:00Z");
  const diff = Math.round((day(now) - day(d)) / 86_400_000);
  if (diff <= 0) return "Today";
  if (diff === 1) return "Yesterday";
  if (diff < 7) return "Previous 7 days";
  if (diff < 31) return "Previous 30 days";
  return "Earlier";
}

/** "15:42" today, "Tue" this week, "Nov 3" otherwise (ET). */
export function shortWhen(value, now = new Date()) {
  const d = toDate(value);
  if (!d) return "";
  const group = dayGroup(d, now);
  if (group === "Today") return timeET(d);
  if (group === "Yesterday") return "Yesterday";
  const opts = group === "Previous 7 days" ? { weekday: "short" } : { month: "short", day: "numeric" };
  return new Intl.DateTimeFormat("en-US", { timeZone: ET, ...opts }).format(d);
}
