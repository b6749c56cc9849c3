// Pure helpers for the Chart tab (no DOM, no fetch): New York chart time, session VWAP with
// σ bands, extended-hours shading, level titles and line styles. Numbers become text through
// kit/format.js; only the chart's own wall-clock time representation is formatted here.
//
// Chart time. lightweight-charts lays out ticks in UTC. Intraday bars are shifted by the New York
// UTC offset at their instant ("wall-clock seconds"), so ticks, day breaks and the crosshair read
// in exchange time; daily and coarser bars already carry the session date at 00:00 UTC.

const NY_PARTS = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const offsetCache = new Map();

/** New York's UTC offset in seconds (negative: -18000 in winter) at unix second `t`. */
export function nyOffset(t) {
  const hour = Math.floor(t / 3600);
  let off = offsetCache.get(hour);
  if (off === undefined) {
    const p = Object.fromEntries(NY_PARTS.formatToParts(new Date(hour * 3600 * 1000)).map((x) => [x.type, x.value]));
    off = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) / 1000 - hour * 3600;
    if (offsetCache.size > 5000) offsetCache.clear();
    offsetCache.set(hour, off);
  }
  return off;
}

/** Unix seconds (UTC) → chart seconds (New York wall clock read as UTC). */
export const toWall = (t) => t + nyOffset(t);

/**
 * Session VWAP and σ bands per bar (the formulas of aicoach.levels.vwap): for the regular-session
 * bars of each session up to bar t, tp = (h + l + c) / 3, vwap = Σv·tp / Σv and
 * σ = sqrt(Σv·(tp − vwap)² / Σv). Sums restart at every session's regular open; bars outside the
 * regular session get null, except after-hours bars, which carry the session's final values
 * marked `carried: true` (the legend shows them; the curve stops at the close). Moments are taken
 * about the session's first tp (shifted data) so σ keeps precision when it is tiny next to the
 * price.
 *
 * bars: [{time (UTC s), high, low, close, volume}];
 * sessions: [{open, close, afterEnd} (UTC s)], ascending.
 * Returns [{vwap, sigma, carried?} | null] aligned with bars.
 */
export function sessionVwap(bars, sessions) {
  const out = new Array(bars.length).fill(null);
  let s = 0;
  let current = null;
  let v = 0, sx = 0, sxx = 0, shift = 0;
  let final = null;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i];
    while (s < sessions.length && sessions[s].afterEnd <= b.time) s++;
    const sess = sessions[s];
    if (!sess || b.time < sess.open) continue; // pre-market or a gap
    if (b.time >= sess.close) {
      if (current === sess && final) out[i] = { ...final, carried: true };
      continue;
    }
    if (current !== sess) {
      current = sess;
      final = null;
      v = sx = sxx = 0;
      shift = (b.high + b.low + b.close) / 3;
    }
    const x = (b.high + b.low + b.close) / 3 - shift;
    const w = Math.max(0, b.volume);
    v += w;
    sx += w * x;
    sxx += w * x * x;
    if (v <= 0) continue;
    const mean = sx / v;
    final = { vwap: shift + mean, sigma: Math.sqrt(Math.max(0, sxx / v - mean * mean)) };
    out[i] = final;
  }
  return out;
}

/** True when a bar opening at `t` (UTC s) lies outside every session's regular hours. */
export function extendedHoursFlags(bars, sessions) {
  let s = 0;
  return bars.map((b) => {
    while (s < sessions.length && sessions[s].afterEnd <= b.time) s++;
    const sess = sessions[s];
    return !sess || b.time < sess.open || b.time >= sess.close;
  });
}

// ---------- levels ----------

const PERIOD = { daily: "D", weekly: "W", monthly: "M", quarterly: "Q", yearly: "Y" };

/** A short on-chart title for a level (the full label stays in tooltips and lists). */
export function levelTitle(level) {
  const label = level.label || "";
  switch (level.kind) {
    case "prior_day_high": return "PDH";
    case "prior_day_low": return "PDL";
    case "prior_day_close": return "PDC";
    case "prior_week_high": return "PWH";
    case "prior_week_low": return "PWL";
    case "prior_month_high": return "PMoH";
    case "prior_month_low": return "PMoL";
    case "premarket_high": return "PM high";
    case "premarket_low": return "PM low";
    case "opening_range_high":
    case "opening_range_low": {
      const m = /(\d+m)/.exec(label);
      return `OR${m ? m[1] : ""} ${level.kind.endsWith("high") ? "H" : "L"}`;
    }
    case "pivot": {
      const m = /^(\w+) (\w+) (\w+)$/.exec(label); // "Classic daily R1"
      if (!m) return label;
      const method = m[1] === "Classic" ? "" : m[1].slice(0, 3) + " ";
      return `${method}${PERIOD[m[2]] || m[2]} ${m[3]}`;
    }
    case "vwap": return "VWAP";
    case "vwap_band": return label.replace(/^.*VWAP\s*/, "VWAP ") || "VWAP band";
    case "atr_band": return label.replace("Prior close ", "PDC ");
    case "moving_average": {
      const m = /^(\d+)-day (\w+)$/.exec(label);
      return m ? `${m[2]}${m[1]}` : label;
    }
    case "swing_support":
    case "swing_resistance": {
      const m = /\((\d+) touch/.exec(label);
      return `Swing ${level.kind === "swing_support" ? "S" : "R"}${m ? " ×" + m[1] : ""}`;
    }
    case "confluence": return `Confluence ×${(level.members || []).length || 2}`;
    default: return label;
  }
}

// ---------- which levels belong on which timeframe ----------

/** Level groups that only mean something inside a session: off on daily and longer charts. */
export const INTRADAY_GROUPS = new Set(["premarket", "opening_range", "vwap", "confluence"]);
const INTRADAY_TF = new Set(["1m", "5m", "15m", "30m", "1h"]);
const DAILY_KINDS = new Set(["prior_day_high", "prior_day_low", "prior_day_close", "atr_band"]);
const WEEKLY_KINDS = new Set(["prior_week_high", "prior_week_low"]);

/**
 * Does `level` (of `group`) belong on a `tf` chart? Intraday charts show every level. A daily
 * chart drops the session-only ones (VWAP, opening range, pre-market, the intraday confluence);
 * a weekly chart also drops the day's (prior day, ATR bands, daily pivots); a monthly one keeps
 * monthly levels, moving averages and swing zones.
 */
export function levelFitsTimeframe(group, level, tf) {
  if (INTRADAY_TF.has(tf)) return true;
  if (INTRADAY_GROUPS.has(group)) return false;
  if (tf === "1d") return true;
  const kind = level.kind || "";
  if (DAILY_KINDS.has(kind)) return false;
  if (kind === "pivot") return tf === "1w" ? /\b(weekly|monthly)\b/i.test(level.label || "") : /\bmonthly\b/i.test(level.label || "");
  if (tf === "1mo" && WEEKLY_KINDS.has(kind)) return false;
  return true;
}

/** A group whose levels never show on a `tf` chart (its toggle says why). */
export const groupIsIntradayOnly = (group, tf) => !INTRADAY_TF.has(tf) && INTRADAY_GROUPS.has(group);

/** Line style for a level kind (LineStyle: 0 solid, 1 dotted, 2 dashed, 3 large dashed). */
export function levelStyle(kind) {
  if (kind === "confluence") return { lineWidth: 2, lineStyle: 0 };
  if (kind.startsWith("prior_")) return { lineWidth: 1, lineStyle: 0 };
  if (kind === "pivot" || kind === "atr_band" || kind === "vwap_band") return { lineWidth: 1, lineStyle: 2 };
  if (kind === "moving_average") return { lineWidth: 1, lineStyle: 1 };
  return { lineWidth: 1, lineStyle: 3 };
}

/** The CSS custom property holding a level's colour. */
export function levelColorVar(group, kind) {
  if (group === "swing") return kind === "swing_support" ? "--level-swing-support" : "--level-swing-resistance";
  return `--level-${group}`;
}

// ---------- chart time as text ----------

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n) => String(n).padStart(2, "0");

/** A chart time (seconds, already wall-clock for intraday) as text: "Nov 26 15:42 ET". */
export function chartTimeText(t, intraday) {
  const d = new Date(t * 1000);
  const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  if (!intraday) return `${day}, ${d.getUTCFullYear()}`;
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} ET`;
}

/** Tick labels (TickMarkType: 0 year, 1 month, 2 day, 3 time, 4 time with seconds). */
export function tickLabel(t, type) {
  const d = new Date(t * 1000);
  if (type === 0) return String(d.getUTCFullYear());
  if (type === 1) return MONTHS[d.getUTCMonth()];
  if (type === 2) return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
