// Citation wording: where a number came from and how fresh it is, as the chat's chips and the
// cards' footers show it ("Simulated · as of 15:42 ET · regular session"). Pure functions.

import { dateTimeET, timeET } from "./format.js";

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

function capitalize(text) {
  const s = String(text ?? "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
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
