// Card registry: one module per card type, named after the type. Adding a card type is one new
// file `<type>.js` plus its name in CARD_TYPES below.
//
// A card module's default export:
//   label                 "Key levels" (shown in the card header)
//   title(data)           "SPY" — what the card is about
//   render(data)          Raw markup for the body, built with kit.html (escapes every value);
//                         built from the card's structured `data` only, never from prose
//   open(data)            {event, detail}: what a click opens in the center panel
//   mounted(body) (opt.)  called after each render with the body element (scroll positions etc.)
//   refresh (optional)    {everyMs, async load(data, {apiJson, citations}) → {data, citations?}}:
//                         re-fetch while visible
//
// mountCard(container, card) renders {card_id, type, data, citations} into container and
// starts refreshing it whenever it is on screen (IntersectionObserver + a timer; paused while
// the page is hidden; stopped once the card leaves the document).

import { apiJson } from "../api.js";
import { citationRow, html, timeET } from "./kit.js";

export const CARD_TYPES = ["key_levels", "quote", "position_summary", "pnl_tracker", "options_chain", "risk_graph"];

/** Tab to show when no listener is there yet (a tab's module loads with the tab). */
const FALLBACK_TAB = { "aicoach:open-chart": "chart", "aicoach:open-options": "options" };

const modules = new Map();

/** The card module for `type`, or null for a type this build does not know. */
export async function loadCardModule(type) {
  if (!CARD_TYPES.includes(type)) return null;
  if (!modules.has(type)) modules.set(type, import(`./${type}.js`).then((m) => m.default));
  return modules.get(type);
}

/** Load every card module up front so cards render without a flash when the stream reaches them. */
export function preloadCards() {
  return Promise.all(CARD_TYPES.map(loadCardModule));
}

function openDetail(mod, data) {
  const target = mod.open?.(data);
  if (!target) return;
  const claimed = !window.dispatchEvent(new CustomEvent(target.event, { detail: target.detail, cancelable: true }));
  // The Chart tab's module flags itself once listening; before its tab has loaded nobody hears
  // the event, so put the symbol where the tab reads it on load (the hash) and open the tab.
  const listening = claimed || (target.event === "aicoach:open-chart" && window.__aicoachChartEvents);
  const tab = FALLBACK_TAB[target.event];
  if (listening || !tab) return;
  if (target.event === "aicoach:open-chart" && target.detail?.symbol) {
    const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    params.set("tab", tab);
    params.set("sym", String(target.detail.symbol).toUpperCase());
    history.replaceState(history.state, "", "#" + params.toString());
  }
  // The Options tab reads a pending request when its module starts (legs and ids don't fit a hash).
  if (target.event === "aicoach:open-options") window.__aicoachPendingOptions = target.detail;
  document.querySelector(`[data-tabs] [role="tab"][data-tab="${tab}"]`)?.click();
}

function paint(el, mod, state) {
  const body = el.querySelector(".ccard-body");
  const foot = el.querySelector(".ccard-cites");
  try {
    body.innerHTML = String(mod.render(state.data));
    mod.mounted?.(body, state.data);
  } catch (err) {
    body.innerHTML = String(html`<p class="small muted">This card could not be drawn.</p>`);
    console.warn("card render failed", state.type, err);
  }
  foot.innerHTML = String(citationRow(state.citations, state.tool));
  const stamp = el.querySelector(".ccard-updated");
  if (state.updatedAt) {
    stamp.hidden = false;
    stamp.textContent = `updated ${timeET(state.updatedAt, { seconds: true })} ET`;
  }
}

// ---------- refresh while visible ----------

const live = new Map(); // element → state
let observer = null;

function stop(state) {
  clearTimeout(state.timer);
  state.timer = null;
}

function schedule(el, state) {
  stop(state);
  if (!state.visible || document.hidden || !state.mod.refresh) return;
  const every = state.mod.refresh.everyMs || 15_000;
  const due = state.updatedAt ? Math.max(0, every - (Date.now() - state.updatedAt)) : 0;
  state.timer = setTimeout(() => refreshNow(el, state), due);
}

async function refreshNow(el, state) {
  if (!el.isConnected) {
    forget(el);
    return;
  }
  if (state.inflight) return;
  state.inflight = true;
  el.classList.add("is-refreshing");
  try {
    const next = await state.mod.refresh.load(state.data, { apiJson, citations: state.citations });
    if (next && next.data) {
      state.data = next.data;
      if (next.citations) state.citations = next.citations;
      state.updatedAt = Date.now();
      el.classList.remove("is-stale");
      paint(el, state.mod, state);
    }
  } catch {
    // Keep the last good numbers and say they are old; the next tick tries again.
    el.classList.add("is-stale");
  } finally {
    state.inflight = false;
    el.classList.remove("is-refreshing");
    if (el.isConnected) schedule(el, state);
    else forget(el);
  }
}

function forget(el) {
  const state = live.get(el);
  if (state) stop(state);
  live.delete(el);
  observer?.unobserve(el);
}

function watch(el, state) {
  if (!state.mod.refresh || typeof IntersectionObserver === "undefined") return;
  if (!observer) {
    observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const s = live.get(entry.target);
          if (!s) continue;
          s.visible = entry.isIntersecting;
          schedule(entry.target, s);
        }
      },
      { threshold: 0.2 },
    );
    document.addEventListener("visibilitychange", () => {
      for (const [el, s] of live) schedule(el, s);
    });
  }
  live.set(el, state);
  observer.observe(el);
}

/** Stop refreshing every card inside `root` (before a conversation is swapped out). */
export function releaseCards(root) {
  for (const el of [...live.keys()]) if (root.contains(el)) forget(el);
}

// ---------- mount ----------

/**
 * Render one card into `container` (appended). `card` = {card_id, type, data, citations, tool?,
 * fresh?} — `fresh` for a card that just arrived on the stream (first refresh one period later).
 * Resolves to the card element.
 */
export async function mountCard(container, card) {
  const mod = await loadCardModule(card.type);
  const el = document.createElement("article");
  el.className = `ccard ccard-${String(card.type).replace(/[^a-z_]/g, "")}`;
  if (card.card_id) el.dataset.cardId = card.card_id;
  el.dataset.cardType = card.type;
  if (!mod) {
    el.innerHTML = String(html`<div class="ccard-head"><span class="ccard-kind">${card.type}</span></div>
      <div class="ccard-body"><p class="small muted">This card type is not supported by this page yet.</p></div>`);
    container.append(el);
    return el;
  }
  const data = card.data || {};
  const title = mod.title(data);
  const target = mod.open?.(data);
  el.innerHTML = String(html`<div class="ccard-head">
      <span class="ccard-kind">${mod.label}</span>
      <button class="ccard-open" type="button" ${target ? "" : "disabled"}
        aria-label="${target ? `Open ${title} ${mod.label.toLowerCase()} in the workspace` : title}"
        ><span class="ccard-title">${title}</span></button>
    </div>
    <div class="ccard-body"></div>
    <div class="ccard-foot"><div class="ccard-cites"></div><span class="ccard-updated" hidden></span></div>`);
  const state = {
    type: card.type,
    mod,
    data,
    citations: card.citations || [],
    tool: card.tool || "",
    // A card that just streamed in is as fresh as it gets; a stored one refreshes on sight.
    updatedAt: card.fresh ? Date.now() : null,
    visible: false,
    timer: null,
    inflight: false,
  };
  paint(el, mod, state);
  if (target) {
    el.classList.add("is-clickable");
    // The whole card is the click target; the header button is its keyboard equivalent.
    el.addEventListener("click", (event) => {
      if (event.target.closest(".cite, a, input, select, textarea")) return;
      if (window.getSelection()?.toString()) return; // selecting numbers to copy is not a click
      openDetail(mod, state.data);
    });
  }
  container.append(el);
  watch(el, state);
  return el;
}
