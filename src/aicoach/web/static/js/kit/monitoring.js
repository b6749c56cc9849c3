// Browser error monitoring: starts the vendored Sentry SDK (window.Sentry) from the JSON the
// server renders in <script id="sentry-config">, or does nothing when that is absent or null.
// Envelopes go to our own /monitoring/tunnel (see aicoach.observability.tunnel), which checks
// the project and scrubs again; uncaught errors and unhandled promise rejections are captured by
// the SDK's default GlobalHandlers integration. Exposes nothing.
(function () {
  "use strict";

  const FILTERED = "[Filtered]";
  // Same idea as the server's scrub.py: names whose values never leave the browser.
  const SENSITIVE = /pass(word|wd|phrase)?|secret|token|api[_-]?key|authorization|cookie|session|csrf|xsrf|credential|signature/i;
  const PAIR = /([\w.-]*(?:password|passwd|secret|token|api[_-]?key|session|csrf|xsrf|authorization)[\w.-]*["']?\s*[=:]\s*["']?)([^\s&;,"'<>]+)/gi;
  const BEARER = /\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
  const API_TOKEN = /aic_[A-Za-z0-9_-]{32,}/g;

  // Values on the page that are secret whatever their label: typed passwords, the CSRF token.
  function pageSecrets() {
    const found = [];
    document.querySelectorAll('input[type="password"]').forEach(function (input) {
      if (input.value && input.value.length >= 6) found.push(input.value);
    });
    document.querySelectorAll('meta[name="csrf-token"], input[name="csrf_token"]').forEach(
      function (node) {
        const value = node.getAttribute("content") || node.getAttribute("value");
        if (value && value.length >= 6) found.push(value);
      }
    );
    return found;
  }

  let secrets = [];

  function scrubString(text) {
    for (let i = 0; i < secrets.length; i++) text = text.split(secrets[i]).join(FILTERED);
    return text
      .replace(BEARER, function (_m, scheme, space) { return scheme + space + FILTERED; })
      .replace(API_TOKEN, FILTERED)
      .replace(PAIR, function (_m, name) { return name + FILTERED; });
  }

  function scrub(value, depth) {
    if (depth > 20 || value === null || value === undefined) return value;
    if (typeof value === "string") return scrubString(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = scrub(value[i], depth + 1);
      return value;
    }
    if (typeof value === "object") {
      Object.keys(value).forEach(function (key) {
        const v = value[key];
        if (SENSITIVE.test(key) && v !== null && typeof v !== "number" && typeof v !== "boolean") {
          value[key] = FILTERED;
        } else {
          value[key] = scrub(v, depth + 1);
        }
      });
    }
    return value;
  }

  function readConfig() {
    const node = document.getElementById("sentry-config");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent || "null");
    } catch (_e) {
      return null;
    }
  }

  function meta(name) {
    const node = document.querySelector('meta[name="' + name + '"]');
    const value = node && node.getAttribute("content");
    return value ? value : null;
  }

  const config = readConfig();
  const Sentry = window.Sentry;
  if (!config || !config.dsn || !Sentry || typeof Sentry.init !== "function") return;

  const integrations = [];
  const replayOn = config.replaysSessionSampleRate > 0 || config.replaysOnErrorSampleRate > 0;
  if (replayOn && typeof Sentry.replayIntegration === "function") {
    // Masking stays at the SDK default (all text and inputs masked).
    integrations.push(Sentry.replayIntegration({ maskAllText: true, blockAllMedia: true }));
  }

  Sentry.init({
    dsn: config.dsn,
    environment: config.environment,
    release: config.release,
    tunnel: config.tunnel,
    sendDefaultPii: false,
    integrations: function (defaults) { return defaults.concat(integrations); },
    replaysSessionSampleRate: config.replaysSessionSampleRate || 0,
    replaysOnErrorSampleRate: config.replaysOnErrorSampleRate || 0,
    beforeSend: function (event) { secrets = pageSecrets(); return scrub(event, 0); },
    beforeSendTransaction: function (event) { secrets = pageSecrets(); return scrub(event, 0); },
    beforeBreadcrumb: function (crumb) { secrets = pageSecrets(); return scrub(crumb, 0); },
  });

  const userId = meta("aicoach-user-id");
  if (userId) {
    Sentry.setUser({ id: String(userId) });
    Sentry.setTag("user_id", String(userId));
  }
  const requestId = meta("aicoach-request-id");
  if (requestId) Sentry.setTag("request_id", requestId);
})();
