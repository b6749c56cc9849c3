// The Chart tab's watchlist strip ([data-chart-watchlist]): the trader's symbols (GET
// /api/watchlist), a click charts one, × removes it (DELETE /api/watchlist/{symbol}), and
// [data-chart-watch-add] adds the symbol on the chart (POST /api/watchlist).
//
//   const list = new Watchlist(root, { current: () => symbol, onOpen(sym), onChange() });

import { apiFetch, apiJson, toast } from "../kit/api.js";

const REMOVE_ICON = '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>';

export class Watchlist {
  constructor(root, { current, onOpen, onChange }) {
    this.ul = root.querySelector("[data-chart-watchlist]");
    this.addButton = root.querySelector("[data-chart-watch-add]");
    this.current = current;
    this.onOpen = onOpen;
    this.onChange = onChange;
    this.symbols = [];
    this.ul.addEventListener("click", (event) => this.clicked(event));
    this.addButton.addEventListener("click", () => this.add(this.current()));
  }

  has(symbol) {
    return this.symbols.includes(symbol);
  }

  async load() {
    try {
      this.symbols = (await apiJson("/api/watchlist", { toastOnError: false })).symbols;
    } catch {
      this.symbols = [];
    }
    this.render();
  }

  render() {
    this.ul.replaceChildren(...this.symbols.map((sym) => {
      const li = document.createElement("li");
      li.className = "chart-watch-item";
      li.dataset.watchSymbol = sym;
      li.innerHTML = `<button type="button" data-watch-open></button><button type="button" data-watch-remove>${REMOVE_ICON}</button>`;
      const open = li.querySelector("[data-watch-open]");
      open.textContent = sym;
      open.title = `Chart ${sym}`;
      li.querySelector("[data-watch-remove]").setAttribute("aria-label", `Remove ${sym} from watchlist`);
      return li;
    }));
    this.markActive(this.current());
    this.onChange();
  }

  /** Highlight the symbol on the chart. */
  markActive(symbol) {
    for (const li of this.ul.querySelectorAll("[data-watch-symbol]")) {
      const on = li.dataset.watchSymbol === symbol;
      li.classList.toggle("is-active", on);
      li.querySelector("[data-watch-open]").setAttribute("aria-current", String(on));
    }
  }

  async clicked(event) {
    const li = event.target.closest("[data-watch-symbol]");
    if (!li) return;
    const sym = li.dataset.watchSymbol;
    if (!event.target.closest("[data-watch-remove]")) {
      if (sym !== this.current()) this.onOpen(sym);
      return;
    }
    try {
      await apiFetch(`/api/watchlist/${encodeURIComponent(sym)}`, { method: "DELETE" });
      this.symbols = this.symbols.filter((s) => s !== sym);
      this.render();
      toast(`${sym} removed from your watchlist.`, "success");
    } catch {
      /* apiFetch showed the error */
    }
  }

  async add(symbol) {
    try {
      this.symbols = (await apiJson("/api/watchlist", { method: "POST", json: { symbol } })).symbols;
      this.render();
      toast(`${symbol} added to your watchlist.`, "success");
    } catch {
      /* apiFetch showed the error */
    }
  }
}
