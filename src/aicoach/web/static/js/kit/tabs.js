// The center tabs ([data-tabs] role=tablist): arrow keys/Home/End move between tabs; a panel
// lazy-loads its data-tab-url with HTMX the first time it is shown (with a retry on failure);
// the active tab lives in the URL hash (#tab=chart); the panel gets "aicoach:tab-shown"
// {detail: {id}} each time it is shown (charts resize then). Opening a tab from code is
// kit/workspace.js's job (it clicks the tab's button).

import { parseErrorBody, statusMessage } from "./api.js";
import { hashParams, replaceHash } from "./hash.js";

function loadPanel(panel) {
  const url = panel.dataset.tabUrl;
  if (!url || panel.dataset.state === "loaded" || panel.dataset.state === "loading") return;
  if (!window.htmx) return;
  panel.dataset.state = "loading";
  const done = (event) => {
    if (event.detail.elt !== panel) return;
    panel.removeEventListener("htmx:afterRequest", done);
    if (event.detail.successful) {
      panel.dataset.state = "loaded";
      return;
    }
    panel.dataset.state = "error";
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    panel.innerHTML =
      '<div class="empty" role="alert"><p class="empty-title">This tab could not be loaded</p>' +
      '<p class="small"></p><button class="btn btn-sm" type="button" data-tab-retry>Try again</button></div>';
    panel.querySelector(".small").textContent =
      event.detail.xhr ? parseErrorBody(event.detail.xhr.responseText, status).message : statusMessage(0);
    panel.querySelector("[data-tab-retry]").addEventListener("click", () => {
      delete panel.dataset.state;
      panel.innerHTML = '<div class="tabpanel-loading" aria-busy="true"><div class="skeleton"></div><div class="skeleton"></div></div>';
      loadPanel(panel);
    });
  };
  panel.addEventListener("htmx:afterRequest", done);
  window.htmx.ajax("GET", url, { source: panel, target: panel, swap: "innerHTML" });
}

export function initTablist(tablist) {
  const tabs = Array.from(tablist.querySelectorAll('[role="tab"]'));
  if (!tabs.length) return;
  const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));

  const activate = (tab, { focus = false, updateHash = true } = {}) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      const panel = panelOf(other);
      if (panel) panel.hidden = !selected;
    }
    if (focus) tab.focus();
    tab.scrollIntoView({ block: "nearest", inline: "nearest" });
    const panel = panelOf(tab);
    if (panel) {
      loadPanel(panel);
      panel.dispatchEvent(new CustomEvent("aicoach:tab-shown", { bubbles: true, detail: { id: tab.dataset.tab } }));
    }
    if (updateHash) {
      const params = hashParams();
      params.set("tab", tab.dataset.tab);
      replaceHash(params);
    }
  };

  tablist.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab && tabs.includes(tab)) activate(tab);
  });
  tablist.addEventListener("keydown", (event) => {
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = tabs[(moves[event.key] + tabs.length) % tabs.length];
    activate(next, { focus: true });
  });

  const fromHash = () => tabs.find((t) => t.dataset.tab === hashParams().get("tab"));
  window.addEventListener("hashchange", () => {
    const tab = fromHash();
    if (tab && tab.getAttribute("aria-selected") !== "true") activate(tab, { updateHash: false });
  });
  const initial = fromHash() || tabs.find((t) => t.getAttribute("aria-selected") === "true") || tabs[0];
  activate(initial, { updateHash: Boolean(fromHash()) });
}

