// JSON API helpers shared by every page module: CSRF header, error → toast, typed errors.
//
//   import { apiFetch, apiJson, toast } from "../kit/api.js";
//   const res = await apiFetch("/api/positions", { method: "POST", json: { symbol: "SPY" } });
//   const data = await apiJson("/api/quotes/SPY");          // parsed JSON, or null for 204
//
// The server's error body is {"error": {"message", "code", "request_id"?, "details"?}}. A failed
// call shows that message in a toast (pass `toastOnError: false` to handle it yourself) and
// throws an ApiError carrying status, code, details and request id.

/** The CSRF token the server put in <meta name="csrf-token">. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

/** Show a toast: kind is "success" | "error" | "warning" | "info". */
export function toast(message, kind = "info") {
  window.dispatchEvent(new CustomEvent("toast", { detail: { message, kind } }));
}

/** True when `url` points at this site: the CSRF token must never be sent elsewhere. */
export function isSameOrigin(url) {
  try {
    return new URL(url, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

export class ApiError extends Error {
  constructor(message, { status = 0, code = "error", details = null, requestId = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
  }
}

const STATUS_MESSAGES = {
  400: "The request was not valid.",
  401: "Your session has ended. Please log in again.",
  403: "You are not allowed to do that.",
  404: "Not found.",
  409: "That conflicts with the current state. Refresh and try again.",
  413: "That is too large.",
  422: "Some input is not valid.",
  429: "Too many requests. Wait a moment and try again.",
  502: "An upstream service failed. Try again shortly.",
  503: "Temporarily unavailable. Try again shortly.",
  504: "An upstream service timed out. Try again shortly.",
};

/** Fallback text for a status with no readable error body. */
export function statusMessage(status) {
  if (status === 0) return "Network error. Check your connection and try again.";
  return STATUS_MESSAGES[status] || `Request failed (${status}).`;
}

/**
 * Parse an error response body (text) into {message, code, details, requestId}.
 * Accepts our {"error": {...}} shape; anything else falls back to the status text.
 */
export function parseErrorBody(text, status) {
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const err = body && typeof body === "object" ? body.error : null;
  if (err && typeof err === "object" && typeof err.message === "string" && err.message) {
    return {
      message: err.message,
      code: typeof err.code === "string" ? err.code : "error",
      details: err.details ?? null,
      requestId: err.request_id ?? null,
    };
  }
  return { message: statusMessage(status), code: "http_" + status, details: null, requestId: null };
}

/**
 * fetch() with the CSRF header (same-origin only), JSON body encoding (`json` option), and
 * errors turned into a toast + ApiError. Resolves to the Response for 2xx/3xx.
 */
export async function apiFetch(url, opts = {}) {
  const { json, toastOnError = true, headers: given, ...rest } = opts;
  const headers = new Headers(given || {});
  if (isSameOrigin(url)) headers.set("X-CSRF-Token", csrfToken());
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  const init = { credentials: "same-origin", ...rest, headers };
  if (json !== undefined) {
    headers.set("Content-Type", "application/json");
    init.body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    if (cause && cause.name === "AbortError") throw cause;
    const error = new ApiError(statusMessage(0), { status: 0, code: "network_error" });
    if (toastOnError) toast(error.message, "error");
    throw error;
  }
  if (!response.ok) {
    const parsed = parseErrorBody(await response.text().catch(() => ""), response.status);
    const error = new ApiError(parsed.message, { status: response.status, ...parsed });
    if (toastOnError) toast(error.message, "error");
    throw error;
  }
  return response;
}

/** apiFetch and parse the JSON body; null for 204 No Content. */
export async function apiJson(url, opts = {}) {
  const response = await apiFetch(url, opts);
  if (response.status === 204) return null;
  return response.json();
}
