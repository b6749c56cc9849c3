// The chat's card registry: which module renders each card type, and mounting cards into the
// chat. The map {type: {module, tab}} comes from the server (<script type="application/json"
// id="card-map">, built by aicoach.web.frontend from each slice's CardSpec), so adding a card
// type is one module in its slice plus one CardSpec: nothing to list here. Card modules follow
// the contract in kit/cards.js.
//
// mountCard(container, card) renders {card_id, type, data, citations} into container and
// starts refreshing it whenever it is on screen (IntersectionObserver + a timer; paused while
// the page is hidden; stopped once the card leaves the document). A click on a card hands what
// its open(data) returns to the workspace bus (kit/workspace.js).

import { apiJson } from "../kit/api.js";
import { citationRow } from "../kit/cards.js";
import { timeET } from "../kit/format.js";
import { html } from "../kit/html.js";
import { workspace } from "../kit/workspace.js";

let cardMap = null;

/** {type: {module: "/static/js/…/x.js", tab}} as the server rendered it ({} without one). */
export function cardMapOf(doc = document) {
  if (cardMap) return cardMap;
  const el = doc.getElementById("card-map");
  if (!el) return {}; // not cached: a test page may add the map later
  try {
    cardMap = JSON.parse(el.textContent || "{}") || {};
  } catch {
    cardMap = {};
  }
  return cardMap;
}

/** The card types this page can render. */
export const cardTypes = () => Object.keys(cardMapOf());

function specOf(type) {
  const map = cardMapOf();
  return Object.hasOwn(map, type) ? map[type] : null;
}

const modules = new Map();

/** The card module for `type`, or null for a type this page does not know. */
export async function loadCardModule(type) {
  const spec = specOf(type);
  if (!spec) return null;
  if (!modules.has(type)) modules.set(type, import(spec.module).then((m) => m.default));
  return modules.get(type);
}

/** Load every card module up front so cards render without a flash when the stream reaches them. */
export function preloadCards() {
  return Promise.all(cardTypes().map(loadCardModule));
}

/**
 * Where a click on the card goes: {tab, detail}, or null when it opens nothing. The server's map
 * decides the tab (an empty tab: the card opens nothing); the module's open(data) gives the
 * detail, and names its tab too so a mismatch with the server shows up (unit-tested).
 */
function targetOf(type, mod, data) {
  const tab = specOf(type)?.tab;
  const target = tab ? mod.open?.(data) : null;
  if (!target) return null;
  if (target.tab && target.tab !== tab) console.warn(`card ${type} opens "${target.tab}", the server says "${tab}"`);
  return { tab, detail: target.detail ?? {} };
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
      for (const [card, s] of live) schedule(card, s);
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
  const target = targetOf(card.type, mod, data);
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
      const now = targetOf(card.type, mod, state.data);
      if (now) workspace.open(now.tab, now.detail);
    });
  }
  container.append(el);
  watch(el, state);
  return el;
}
