// The Journal tab's charts: the shared chart kit (ECharts for the analytics plots,
// lightweight-charts for a trade's underlying) plus the tab's own colours (entries, exits).

import { basePalette, themeVar } from "../kit/charts.js";

export { loadECharts, loadLightweightCharts, mountChart } from "../kit/charts.js";

/** Theme colours for the Journal tab's charts. */
export function palette(el = document.documentElement) {
  const v = themeVar(el);
  return {
    ...basePalette(el),
    entry: v("--jr-entry", "#5ea3ff"),
    exit: v("--jr-exit", "#f0b90b"),
  };
}
