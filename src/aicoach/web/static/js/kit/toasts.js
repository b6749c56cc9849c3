// Toasts: short messages in #toasts. Anything can raise one with kit/api.js toast() (a window
// "toast" {detail: {message, kind}} event); HTMX HX-Trigger {"toast": {...}} arrives the same
// way, and server-rendered flashes (templates/_toast.html) are adopted too. Each dismisses itself
// (errors stay longest), never while hovered or focused; at most MAX_TOASTS are shown.

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

export function initToasts() {
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
