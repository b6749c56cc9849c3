// Page-wide behaviours, wired by data-* attributes (loaded on every page as type=module):
//   theme toggle      [data-theme-toggle]; saved in localStorage "aicoach-theme"; fires
//                     window "themechange" {detail: {theme}} so charts can re-colour
//   toasts            kit/toasts.js: window "toast" {detail: {message, kind}} → #toasts; HTMX HX-Trigger
//                     {"toast": {...}} arrives the same way; error responses toast their message
//   CSRF              X-CSRF-Token on every same-origin HTMX request
//   drawer            [data-drawer-toggle] opens the sidebar on narrow screens
//   tabs              kit/tabs.js: [data-tabs] role=tablist; panels lazy-load data-tab-url on first show;
//                     the active tab lives in the URL hash (#tab=chart); the panel gets
//                     "aicoach:tab-shown" {detail: {id}} each time it is shown (resize charts then)
//   composer          textarea[data-enter-submits]: Enter sends, Shift+Enter is a new line
//   resizer           [data-resizer] drags/arrows the chat panel width (saved in localStorage)

import { csrfToken, isSameOrigin, parseErrorBody, statusMessage, toast } from "./api.js";
import { initTablist } from "./tabs.js";
import { initToasts } from "./toasts.js";

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
