// Run `fn` once input has paused for `ms` (typing in a search box, dragging a slider).

/** `fn` delayed until `ms` pass without another call; `.cancel()` drops a pending call. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}
