// A tab's remembered settings: one JSON object per key in localStorage. Private mode or a full
// storage just means nothing is remembered; it is never an error.

/** {recall() → object, remember(patch)} for the JSON object stored under `key`. */
export function jsonStore(key) {
  const recall = () => {
    try {
      return JSON.parse(localStorage.getItem(key) || "{}") || {};
    } catch {
      return {};
    }
  };
  const remember = (patch) => {
    try {
      localStorage.setItem(key, JSON.stringify({ ...recall(), ...patch }));
    } catch {
      /* private mode or storage full: not remembered */
    }
  };
  return { recall, remember };
}
