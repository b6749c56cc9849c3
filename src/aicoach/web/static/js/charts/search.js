// The Chart tab's symbol search: an ARIA combobox ([data-chart-search-input]) with a typeahead
// listbox ([data-chart-search-list]) from GET /api/market/search. Arrows move, Enter picks the
// highlighted match (or charts what was typed), Escape closes, a click picks.

import { apiJson } from "../kit/api.js";

const TYPE_PAUSE_MS = 150;

/** Wire the search inside `root`; `onChoose(symbol)` charts the choice. */
export function wireSearch(root, { onChoose }) {
  const input = root.querySelector("[data-chart-search-input]");
  const list = root.querySelector("[data-chart-search-list]");
  let timer = 0;
  let active = -1;
  let results = [];
  let querySeq = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    list.querySelectorAll("[role=option]").forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) input.setAttribute("aria-activedescendant", `chart-opt-${i}`);
  };
  const option = (r, i) => {
    const li = document.createElement("li");
    li.id = `chart-opt-${i}`;
    li.setAttribute("role", "option");
    li.dataset.symbol = r.symbol;
    for (const [cls, text] of [["sym", r.symbol], ["name", r.name], ["kind", r.kind]]) {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      li.append(span);
    }
    return li;
  };
  const render = () => {
    list.replaceChildren(...results.map(option));
    if (!results.length) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = "No matching symbol";
      list.append(li);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(results.length ? 0 : -1);
  };
  const choose = (symbol) => {
    close();
    input.value = "";
    input.blur();
    onChoose(symbol);
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) return close();
    timer = setTimeout(async () => {
      const seq = ++querySeq;
      try {
        const found = await apiJson(`/api/market/search?q=${encodeURIComponent(q)}&limit=8`, { toastOnError: false });
        if (seq !== querySeq || input.value.trim() !== q) return;
        results = found;
        render();
      } catch {
        close();
      }
    }, TYPE_PAUSE_MS);
  });
  input.addEventListener("keydown", (event) => {
    const n = results.length;
    if (event.key === "ArrowDown" && !list.hidden && n) {
      event.preventDefault();
      highlight((active + 1) % n);
    } else if (event.key === "ArrowUp" && !list.hidden && n) {
      event.preventDefault();
      highlight((active - 1 + n) % n);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const pick = !list.hidden && active >= 0 ? results[active].symbol : input.value.trim();
      if (pick) choose(pick);
    } else if (event.key === "Escape") {
      if (!list.hidden) close();
      else input.value = "";
    }
  });
  list.addEventListener("mousedown", (event) => {
    const li = event.target.closest("[role=option]");
    if (!li) return;
    event.preventDefault(); // keep focus in the input until the choice is made
    choose(li.dataset.symbol);
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}
