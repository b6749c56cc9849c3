// What the Chart tab loads for a symbol and timeframe: the quote, the bars in view, the trading
// sessions behind them (for VWAP and extended-hours shading) and the key levels.

import { apiJson } from "../kit/api.js";
import { nyDate } from "../kit/dates.js";

export const TF_SECONDS = { "1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600 };
/** Intraday: how many sessions to show. Coarser: how many days to look back. */
const SESSIONS_SHOWN = { "1m": 1, "5m": 3, "15m": 8, "30m": 15, "1h": 30 };
const LOOKBACK_DAYS = { "1d": 400, "1w": 5 * 366, "1mo": 20 * 366 };
export const DAY = 86400;

export const isIntraday = (tf) => tf in TF_SECONDS;

const quiet = { toastOnError: false };
const enc = encodeURIComponent;

/** The bar range to request: recent sessions for intraday, a look-back for coarser bars. Both
 *  end at the data's end (the quote's as_of), so a closed market or a historical dataset still
 *  shows its last session instead of an empty chart. */
async function barRange(tf, quote) {
  const nowS = Date.now() / 1000;
  const dataEnd = Math.min(nowS, Date.parse(quote.as_of) / 1000 || nowS);
  const end = Math.min(nowS, dataEnd + DAY) + 60;
  if (!isIntraday(tf)) {
    return { start: end - LOOKBACK_DAYS[tf] * DAY, end, sessions: [] };
  }
  const want = SESSIONS_SHOWN[tf];
  const first = new Date((dataEnd - (want * 1.6 + 8) * DAY) * 1000);
  const last = new Date(dataEnd * 1000);
  const list = await apiJson(`/api/market/sessions?start=${nyDate(first)}&end=${nyDate(last)}`, quiet);
  const sessions = list
    .map((s) => ({ date: s.date, pre: Date.parse(s.premarket_start) / 1000, open: Date.parse(s.open_at) / 1000,
      close: Date.parse(s.close_at) / 1000, afterEnd: Date.parse(s.after_hours_end) / 1000 }))
    .filter((s) => s.pre <= dataEnd);
  let n = want;
  // 1m early in a session: keep the previous session in view too, for context.
  const latest = sessions[sessions.length - 1];
  if (tf === "1m" && latest && dataEnd < latest.open + 1800) n += 1;
  const shown = sessions.slice(-n);
  if (!shown.length) return { start: end - 2 * DAY, end, sessions: [] };
  return { start: shown[0].pre, end: Math.min(end, shown[shown.length - 1].afterEnd + 60), sessions: shown };
}

/**
 * Everything one chart view needs: {quote, sessions, bars (the bars API's body), levels (the
 * levels API's body, or the Error when only the levels failed)}. Throws when the quote or bars
 * cannot be had (an ApiError: status 404 for an unknown symbol).
 */
export async function fetchView(symbol, tf) {
  const sym = enc(symbol);
  const levels = apiJson(`/api/levels/${sym}`, quiet).catch((e) => e);
  const quote = await apiJson(`/api/market/${sym}/quote`, quiet);
  const { start, end, sessions } = await barRange(tf, quote);
  const iso = (s) => enc(new Date(s * 1000).toISOString());
  const bars = await apiJson(`/api/market/${sym}/bars?timeframe=${tf}&start=${iso(start)}&end=${iso(end)}`, quiet);
  return { quote, sessions, bars, levels: await levels };
}

/** How far back one history page reaches for `tf` (seconds). */
export const historyPage = (tf) => (LOOKBACK_DAYS[tf] || 400) * DAY;

/** Bars of `tf` opening before `end` (UTC seconds), one history page back: the bars API's body. */
export function fetchEarlier(symbol, tf, end) {
  const iso = (s) => enc(new Date(s * 1000).toISOString());
  return apiJson(`/api/market/${enc(symbol)}/bars?timeframe=${tf}&start=${iso(end - historyPage(tf))}&end=${iso(end)}`, quiet);
}

export const fetchQuote = (symbol) => apiJson(`/api/market/${enc(symbol)}/quote`, quiet);
export const fetchLevels = (symbol) => apiJson(`/api/levels/${enc(symbol)}`, quiet);
