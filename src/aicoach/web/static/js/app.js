// Page-wide behaviours, wired by data-* attributes (loaded on every page as type=module):
//   theme toggle      [data-theme-toggle]; saved in localStorage "aicoach-theme"; fires
//                     window "themechange" {detail: {theme}} so charts can re-colour
//   toasts            window "toast" {detail: {message, kind}} → #toasts; HTMX HX-Trigger
//                     {"toast": {...}} arrives the same way; error responses toast their message
//   CSRF              X-CSRF-Token on every same-origin HTMX request
//   drawer            [data-drawer-toggle] opens the sidebar on narrow screens
//   tabs              [data-tabs] role=tablist; panels lazy-load data-tab-url on first show;
//                     the active tab lives in the URL hash (#tab=chart); the panel gets
//                     "aicoach:tab-shown" {detail: {id}} each time it is shown (resize charts then)
//   composer          textarea[data-enter-submits]: Enter sends, Shift+Enter is a new line
//   resizer           [data-resizer] drags/arrows the chat panel width (saved in localStorage)

import { csrfToken, isSameOrigin, parseErrorBody, statusMessage, toast } from "./api.js";

export { toast };

const THEME_KEY = "aicoach-theme";
const CHAT_WIDTH_KEY = "aicoach-chat-width";

function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode or storage full: the choice just isn't remembered */
  }
}

function recall(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

// ---------- Theme ----------

export function currentTheme() {
  return document.documentElement.getAttribute("data-theme") === "light" ? "light" : "dark";
}

export function setTheme(theme) {
  document.documentElement.setAttribute("data-theme", theme);
  store(THEME_KEY, theme);
  syncThemeButtons();
  window.dispatchEvent(new CustomEvent("themechange", { detail: { theme } }));
}

function syncThemeButtons() {
  const next = currentTheme() === "dark" ? "light" : "dark";
  for (const button of document.querySelectorAll("[data-theme-toggle]")) {
    button.setAttribute("aria-label", `Switch to ${next} theme`);
  }
}

// ---------- Toasts ----------

const ICONS = {
  success: '<circle cx="12" cy="12" r="9"/><path d="M8 12.5l2.5 2.5L16 9.5"/>',
  error: '<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5h.01"/>',
  warning: '<path d="M12 3l10 18H2z"/><path d="M12 10v4M12 17.5h.01"/>',
  info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v5M12 8h.01"/>',
};
const CLOSE_ICON = '<path d="M6 6l12 12M18 6L6 18"/>';
const TOAST_MS = { error: 9000, warning: 7000, success: 4000, info: 5000 };
const MAX_TOASTS = 5;

function svg(paths) {
  return `<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${paths}</svg>`;
}

function toastKind(el) {
  const match = /toast-(success|error|warning|info)/.exec(el.className);
  return match ? match[1] : "info";
}

/** Create a toast element (same markup as templates/_toast.html); text goes in as text. */
export function showToast(message, kind = "info") {
  const container = document.getElementById("toasts");
  if (!container || !message) return null;
  if (!(kind in ICONS)) kind = "info";
  const text = String(message);
  for (const existing of container.querySelectorAll("[data-toast]")) {
    if (existing.querySelector(".toast-message")?.textContent === text) {
      scheduleDismiss(existing, true);
      return existing; // same message again: refresh it instead of stacking duplicates
    }
  }
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.dataset.toast = "";
  el.innerHTML =
    svg(ICONS[kind]) +
    '<div class="toast-message"></div>' +
    `<button class="toast-close" type="button" aria-label="Dismiss" data-toast-close>${svg(CLOSE_ICON)}</button>`;
  el.querySelector(".toast-message").textContent = text;
  container.append(el);
  return el;
}

function dismiss(el) {
  if (el.classList.contains("is-leaving")) return;
  clearTimeout(el._toastTimer);
  el.classList.add("is-leaving");
  setTimeout(() => el.remove(), 160);
}

function scheduleDismiss(el, restart = false) {
  if (el._toastTimer && !restart) return;
  clearTimeout(el._toastTimer);
  el._toastTimer = setTimeout(() => {
    // Never pull a toast out from under the pointer or keyboard focus.
    if (el.matches(":hover, :focus-within")) scheduleDismiss(el, true);
    else dismiss(el);
  }, TOAST_MS[toastKind(el)]);
}

function initToasts() {
  const container = document.getElementById("toasts");
  if (!container) return;
  const adopt = () => {
    const toasts = container.querySelectorAll("[data-toast]:not(.is-leaving)");
    for (const el of toasts) scheduleDismiss(el);
    for (let i = 0; i < toasts.length - MAX_TOASTS; i++) dismiss(toasts[i]);
  };
  // Toasts arrive from showToast(), server-rendered flashes and HTMX out-of-band swaps alike.
  new MutationObserver(adopt).observe(container, { childList: true, subtree: true });
  adopt();
  container.addEventListener("click", (event) => {
    const button = event.target.closest("[data-toast-close]");
    if (button) dismiss(button.closest("[data-toast]"));
  });
  window.addEventListener("toast", (event) => {
    const detail = event.detail || {};
    showToast(detail.message ?? detail.value, detail.kind);
  });
}

// ---------- HTMX: CSRF and error toasts ----------

function hasToastTrigger(xhr) {
  for (const name of ["HX-Trigger", "HX-Trigger-After-Settle", "HX-Trigger-After-Swap"]) {
    const value = xhr.getResponseHeader(name);
    if (value && value.includes('"toast"')) return true;
  }
  return false;
}

function initHtmx() {
  document.addEventListener("htmx:configRequest", (event) => {
    if (isSameOrigin(event.detail.path)) event.detail.headers["X-CSRF-Token"] = csrfToken();
  });
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    // htmx has already dispatched the server's HX-Trigger toast; don't show a second one.
    if (hasToastTrigger(xhr)) return;
    toast(parseErrorBody(xhr.responseText, xhr.status).message, "error");
  });
  document.addEventListener("htmx:sendError", () => toast(statusMessage(0), "error"));
  document.addEventListener("htmx:timeout", () => toast("The server took too long to answer.", "error"));
}

// ---------- Sidebar drawer (narrow screens) ----------

function initDrawer() {
  const toggle = document.querySelector("[data-drawer-toggle]");
  const sidebar = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!toggle || !sidebar) return;
  const setOpen = (open, { restoreFocus = true } = {}) => {
    document.body.classList.toggle("drawer-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.setAttribute("aria-label", open ? "Hide conversations" : "Show conversations");
    if (open) {
      // Wait for the slide-in to make it visible before moving focus into it.
      requestAnimationFrame(() => sidebar.querySelector("a[href], button:not([disabled])")?.focus());
    } else if (restoreFocus && sidebar.contains(document.activeElement)) {
      toggle.focus();
    }
  };
  const isOpen = () => document.body.classList.contains("drawer-open");
  toggle.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-drawer-close]")) setOpen(false);
    else if (isOpen() && event.target.closest("#" + sidebar.id + " a[href]")) setOpen(false, { restoreFocus: false });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) setOpen(false);
  });
  const wide = window.matchMedia("(min-width: 961px)");
  wide.addEventListener("change", () => wide.matches && setOpen(false, { restoreFocus: false }));
}

// ---------- Tabs ----------

function hashParams() {
  return new URLSearchParams(window.location.hash.replace(/^#/, ""));
}

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

function initTablist(tablist) {
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
      history.replaceState(history.state, "", "#" + params.toString());
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

/** Programmatically open a tab by id (e.g. the chat's "show on chart" link). */
export function activateTab(id) {
  const tab = document.querySelector(`[data-tabs] [role="tab"][data-tab="${CSS.escape(id)}"]`);
  if (tab) tab.click();
  return Boolean(tab);
}

// ---------- Chat composer ----------

function autosize(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = Math.min(textarea.scrollHeight, 200) + "px";
}

function initComposer() {
  document.addEventListener("keydown", (event) => {
    const textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.matches("[data-enter-submits]")) return;
    if (event.key !== "Enter" || event.shiftKey || event.altKey || event.isComposing) return;
    event.preventDefault();
    const form = textarea.form;
    if (form && !textarea.disabled && textarea.value.trim()) form.requestSubmit();
  });
  document.addEventListener("input", (event) => {
    if (event.target instanceof HTMLTextAreaElement && event.target.matches("[data-enter-submits]")) {
      autosize(event.target);
    }
  });
}

// ---------- Resizable chat panel ----------

function initResizer() {
  const handle = document.querySelector("[data-resizer]");
  const shell = handle && handle.closest("[data-shell]");
  if (!handle || !shell) return;
  const MIN = 300;
  const maxWidth = () => Math.max(MIN, Math.min(760, shell.clientWidth * 0.6));
  const apply = (width, save) => {
    const w = Math.round(Math.min(maxWidth(), Math.max(MIN, width)));
    shell.style.setProperty("--chat-w", w + "px");
    handle.setAttribute("aria-valuenow", String(w));
    handle.setAttribute("aria-valuemin", String(MIN));
    handle.setAttribute("aria-valuemax", String(Math.round(maxWidth())));
    if (save) store(CHAT_WIDTH_KEY, String(w));
  };
  const current = () => document.getElementById(handle.getAttribute("aria-controls"))?.offsetWidth || MIN;
  const saved = Number(recall(CHAT_WIDTH_KEY));
  if (saved > 0) apply(saved, false);
  else handle.setAttribute("aria-valuenow", String(current()));

  handle.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    handle.classList.add("is-dragging");
    const right = shell.getBoundingClientRect().right;
    const move = (e) => apply(right - e.clientX, false);
    const up = () => {
      handle.classList.remove("is-dragging");
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", up);
      apply(current(), true);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", up);
  });
  handle.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? 64 : 16;
    const delta = { ArrowLeft: step, ArrowRight: -step }[event.key];
    if (delta === undefined) return;
    event.preventDefault();
    apply(current() + delta, true);
  });
}

// ---------- Start ----------

function init() {
  syncThemeButtons();
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-theme-toggle]")) setTheme(currentTheme() === "dark" ? "light" : "dark");
  });
  initToasts();
  initHtmx();
  initDrawer();
  for (const tablist of document.querySelectorAll("[data-tabs]")) initTablist(tablist);
  initComposer();
  initResizer();
}

// Modules run after parsing; wait for DOMContentLoaded so htmx has processed the page first.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init, { once: true });
else init();
