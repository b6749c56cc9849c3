// The URL hash holds the workspace's state as query-style parameters (#tab=chart&sym=AAPL&tf=5m),
// shared by the shell (tab) and each tab (its own keys), so a reload or a link reopens it.

/** The hash's parameters (a fresh copy: change it, then `replaceHash` it). */
export function hashParams() {
  return new URLSearchParams(window.location.hash.replace(/^#/, ""));
}

/** Put `params` in the hash without a history entry or a hashchange event. */
export function replaceHash(params) {
  history.replaceState(history.state, "", "#" + params.toString());
}
