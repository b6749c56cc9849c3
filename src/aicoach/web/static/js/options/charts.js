// The Options tab's charts: the shared chart kit plus the tab's own colours (key levels, the
// scenario dates).

import { basePalette, themeVar } from "../kit/charts.js";

export { axisStyle, loadECharts, mountChart, tooltipStyle } from "../kit/charts.js";

/** Theme colours for the Options tab's charts. */
export function palette(el = document.documentElement) {
  const v = themeVar(el);
  return {
    ...basePalette(el),
    level: v("--opt-level", "#b08cff"),
    dates: [v("--opt-date-1", "#e8c440"), v("--opt-date-2", "#b08cff"), v("--opt-date-3", "#3cc6d8")],
  };
}
