// The vendored chart libraries and what every tab's charts share: each library loaded once, on
// first use (only when a tab that plots opens), the theme's colours from app.css variables,
// ECharts axis/tooltip styling, and an ECharts instance that follows its host's size.

const loading = new Map();

function loadScript(src, global) {
  if (window[global]) return Promise.resolve(window[global]);
  if (!loading.has(src)) {
    loading.set(src, new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => resolve(window[global]);
      script.onerror = () => {
        loading.delete(src);
        reject(new Error("The chart library could not be loaded."));
      };
      document.head.append(script);
    }));
  }
  return loading.get(src);
}

/** The global `echarts`, loaded from `src` on first use. */
export const loadECharts = (src) => loadScript(src, "echarts");

/** The global `LightweightCharts`, loaded from `src` on first use. */
export const loadLightweightCharts = (src) => loadScript(src, "LightweightCharts");

/** `v(name, fallback)`: a CSS variable of `el`'s theme (a tab adds its own colours with it). */
export function themeVar(el = document.documentElement) {
  const css = getComputedStyle(el);
  return (name, fallback) => css.getPropertyValue(name).trim() || fallback;
}

/** The theme colours every chart uses, from the CSS variables of `el`'s theme. */
export function basePalette(el = document.documentElement) {
  const v = themeVar(el);
  return {
    text: v("--text", "#d1d4dc"),
    strong: v("--text-strong", "#fff"),
    muted: v("--muted", "#8a93a6"),
    faint: v("--faint", "#5d6577"),
    border: v("--border", "#262b38"),
    surface: v("--surface", "#131722"),
    surface2: v("--surface-2", "#1a1e2a"),
    surface3: v("--surface-3", "#232836"),
    accent: v("--accent", "#2f6bff"),
    info: v("--info", "#5ea3ff"),
    up: v("--up", "#2ebd85"),
    upSoft: v("--up-soft", "rgba(46,189,133,.14)"),
    down: v("--down", "#f6465d"),
    downSoft: v("--down-soft", "rgba(246,70,93,.14)"),
    warn: v("--warn", "#f0b90b"),
    font: getComputedStyle(document.body).fontFamily,
    light: document.documentElement.getAttribute("data-theme") === "light",
  };
}

/** Axis styling shared by every chart. */
export function axisStyle(p, extra = {}) {
  return {
    axisLine: { lineStyle: { color: p.border } },
    axisTick: { lineStyle: { color: p.border } },
    axisLabel: { color: p.muted, fontSize: 11, fontFamily: p.font },
    splitLine: { lineStyle: { color: p.border, opacity: 0.6 } },
    nameTextStyle: { color: p.faint, fontSize: 11 },
    ...extra,
  };
}

export function tooltipStyle(p) {
  return {
    backgroundColor: p.surface2,
    borderColor: p.border,
    textStyle: { color: p.text, fontSize: 12, fontFamily: p.font },
    extraCssText: "box-shadow: var(--shadow); border-radius: 6px;",
  };
}

/** An ECharts instance on `host` that follows its size; `dispose()` stops observing. */
export function mountChart(echarts, host) {
  const chart = echarts.init(host, null, { renderer: "canvas" });
  const observer = new ResizeObserver(() => {
    if (host.offsetWidth > 0 && host.offsetHeight > 0) chart.resize();
  });
  observer.observe(host);
  return {
    chart,
    dispose() {
      observer.disconnect();
      chart.dispose();
    },
  };
}
