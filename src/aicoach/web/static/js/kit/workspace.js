// The workspace bus: how one part of the page opens a center tab on something ("show SPY on
// the chart", "analyse positions 3 and 4 in the Options tab").
//
//   import { workspace } from "../kit/workspace.js";
//   workspace.open("chart", { symbol: "SPY" });            // a chat card, a link, a test
//   workspace.on("chart", (detail) => chartTab.open(detail.symbol));   // the tab's module
//
// open() shows the tab, then hands the detail to the tab's handler. A tab's module loads with
// its tab (an HTMX partial), so before the tab was first shown nobody is listening: the bus
// keeps the detail (the latest one per tab), shows the tab, and delivers it when the module
// registers with on(). Every module imports this file through the import map, so all of them
// share this one instance.

const handlers = new Map();
const pending = new Map();

function tabButton(tab) {
  return document.querySelector(`[data-tabs] [role="tab"][data-tab="${CSS.escape(tab)}"]`);
}

/** Select the center tab `tab` (a click on its button: the shell lazy-loads it). */
export function showTab(tab) {
  const button = tabButton(tab);
  if (button && button.getAttribute("aria-selected") !== "true") button.click();
  return Boolean(button);
}

/** Show `tab` and hand it `detail` now, or as soon as its module registers. */
function open(tab, detail = {}) {
  const handler = handlers.get(tab);
  if (!handler) pending.set(tab, detail);
  showTab(tab);
  if (handler) handler(detail);
}

/** Register the handler of `tab` (one per tab; a later one replaces it); a detail that was
 *  opened before is delivered at once. Returns a function that unregisters it. */
function on(tab, handler) {
  handlers.set(tab, handler);
  if (pending.has(tab)) {
    const detail = pending.get(tab);
    pending.delete(tab);
    handler(detail);
  }
  return () => {
    if (handlers.get(tab) === handler) handlers.delete(tab);
  };
}

export const workspace = { open, on };
