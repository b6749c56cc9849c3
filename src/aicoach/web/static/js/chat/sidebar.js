// The conversations sidebar: sessions newest first (grouped by day), New chat, inline rename,
// delete with a confirm dialog, and full-text search whose hits jump to the message.
//
//   const sidebar = createSidebar(root, {onOpen(id, {messageId}), onNew(), onDeleted(id), onRenamed(id, title)});
//   sidebar.refresh(); sidebar.setActive(id); sidebar.upsert({id, title, updated_at})

import { apiFetch, apiJson } from "../kit/api.js";
import { dayGroup, shortWhen } from "../kit/format.js";
import { icon } from "./icons.js";
import { sanitizeSnippet } from "./markdown.js";

const UNTITLED = "New conversation";
const SEARCH_DELAY_MS = 220;

/** The list endpoints answer a list, or an object holding one (tolerate both). */
export function listOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  for (const key of [...keys, "items", "results"]) if (Array.isArray(body?.[key])) return body[key];
  return [];
}

export function createSidebar(root, { onOpen, onNew, onDeleted, onRenamed = () => {} }) {
  const list = root.querySelector("[data-session-list]");
  const results = root.querySelector("[data-search-results]");
  const search = root.querySelector("[data-chat-search]");
  const dialog = root.querySelector("[data-delete-dialog]");
  let sessions = [];
  let activeId = null;
  let searchSeq = 0;
  let searchTimer = 0;

  const byId = (id) => sessions.find((s) => String(s.id) === String(id));

  function sortSessions() {
    sessions.sort((a, b) => String(b.updated_at || "").localeCompare(String(a.updated_at || "")) || b.id - a.id);
  }

  function item(s) {
    const li = document.createElement("li");
    li.className = "session-item";
    li.dataset.sessionId = s.id;
    li.innerHTML = `<a class="session-link" href="?session=${encodeURIComponent(s.id)}">
        <span class="session-title"></span><span class="session-meta"></span></a>
      <span class="session-actions">
        <button class="session-action" type="button" data-rename>${icon("pencil")}</button>
        <button class="session-action" type="button" data-delete>${icon("trash")}</button>
      </span>`;
    const title = s.title || UNTITLED;
    li.querySelector(".session-title").textContent = title;
    li.querySelector(".session-meta").textContent = shortWhen(s.updated_at || s.created_at);
    li.querySelector("[data-rename]").setAttribute("aria-label", `Rename “${title}”`);
    li.querySelector("[data-rename]").title = "Rename";
    li.querySelector("[data-delete]").setAttribute("aria-label", `Delete “${title}”`);
    li.querySelector("[data-delete]").title = "Delete";
    if (String(s.id) === String(activeId)) li.querySelector("a").setAttribute("aria-current", "page");
    return li;
  }

  function render() {
    sortSessions();
    if (!sessions.length) {
      list.innerHTML = `<div class="empty session-empty">${icon("spark")}<span>No conversations yet</span>
        <span class="small">Ask the coach anything: your chats are kept here.</span></div>`;
      return;
    }
    const frag = document.createDocumentFragment();
    let group = null;
    let ul = null;
    for (const s of sessions) {
      const g = dayGroup(s.updated_at || s.created_at);
      if (g !== group) {
        group = g;
        const h = document.createElement("h3");
        h.className = "session-group";
        h.textContent = g;
        ul = document.createElement("ul");
        frag.append(h, ul);
      }
      ul.append(item(s));
    }
    list.replaceChildren(frag);
  }

  async function refresh() {
    try {
      sessions = listOf(await apiJson("/api/chat/sessions", { toastOnError: false }), "sessions");
    } catch {
      return; // keep what is shown (server-rendered or the last good list)
    }
    render();
  }

  function setActive(id) {
    activeId = id;
    for (const a of list.querySelectorAll(".session-link")) {
      if (a.closest("[data-session-id]").dataset.sessionId === String(id)) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  function upsert(s) {
    const existing = byId(s.id);
    if (existing) Object.assign(existing, s);
    else sessions.push({ ...s });
    render();
  }

  // ----- rename -----

  function startRename(li) {
    const s = byId(li.dataset.sessionId);
    if (!s || li.querySelector(".session-rename")) return;
    const link = li.querySelector(".session-link");
    const input = document.createElement("input");
    input.className = "session-rename";
    input.value = s.title || "";
    input.maxLength = 120;
    input.setAttribute("aria-label", "Conversation name");
    link.hidden = true;
    li.classList.add("is-renaming");
    li.prepend(input);
    input.focus();
    input.select();
    let finished = false;
    const finish = async (save) => {
      if (finished) return;
      finished = true;
      const title = input.value.trim();
      input.remove();
      link.hidden = false;
      li.classList.remove("is-renaming");
      if (!save || !title || title === s.title) {
        link.focus();
        return;
      }
      const before = s.title;
      upsert({ ...s, title });
      onRenamed(s.id, title);
      try {
        const body = await apiJson(`/api/chat/sessions/${encodeURIComponent(s.id)}`, { method: "PATCH", json: { title } });
        if (body && body.id) upsert(body);
      } catch {
        upsert({ ...s, title: before });
        onRenamed(s.id, before);
      }
      list.querySelector(`[data-session-id="${CSS.escape(String(s.id))}"] .session-link`)?.focus();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        finish(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
  }

  // ----- delete -----

  function confirmDelete(s) {
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(window.confirm(`Delete “${s.title || UNTITLED}”?`));
    }
    dialog.querySelector("[data-delete-title]").textContent = s.title || UNTITLED;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "delete"), { once: true });
    });
  }

  async function remove(li) {
    const s = byId(li.dataset.sessionId);
    if (!s || !(await confirmDelete(s))) return;
    try {
      await apiFetch(`/api/chat/sessions/${encodeURIComponent(s.id)}`, { method: "DELETE" });
    } catch {
      return;
    }
    sessions = sessions.filter((x) => x !== s);
    render();
    window.dispatchEvent(new CustomEvent("toast", { detail: { message: "Conversation deleted.", kind: "success" } }));
    onDeleted(s.id);
  }

  list.addEventListener("click", (event) => {
    const li = event.target.closest("[data-session-id]");
    if (!li) return;
    if (event.target.closest("[data-rename]")) return startRename(li);
    if (event.target.closest("[data-delete]")) return remove(li);
    const link = event.target.closest(".session-link");
    if (link && !event.metaKey && !event.ctrlKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      onOpen(li.dataset.sessionId, {});
    }
  });
  list.addEventListener("keydown", (event) => {
    const li = event.target.closest("[data-session-id]");
    if (!li || !event.target.matches(".session-link")) return;
    if (event.key === "F2") {
      event.preventDefault();
      startRename(li);
    } else if (event.key === "Delete") {
      event.preventDefault();
      remove(li);
    }
  });

  // ----- search -----

  function showResults(on) {
    results.hidden = !on;
    list.hidden = on;
    root.classList.toggle("is-searching", on);
  }

  function renderHits(q, hits) {
    const status = results.querySelector("[data-search-status]");
    const ul = results.querySelector("ul");
    ul.replaceChildren();
    const count = hits.length === 1 ? "1 message matches" : `${hits.length || "No"} messages match`;
    status.textContent = `${count} “${q}”`;
    for (const hit of hits) {
      const li = document.createElement("li");
      li.innerHTML = `<a class="search-hit" href="?session=${encodeURIComponent(hit.session_id)}#msg-${encodeURIComponent(hit.message_id)}">
        <span class="search-hit-head"><span class="session-title"></span><span class="session-meta"></span></span>
        <span class="search-hit-snippet"></span></a>`;
      li.querySelector(".session-title").textContent = hit.session_title || UNTITLED;
      li.querySelector(".session-meta").textContent = shortWhen(hit.created_at);
      li.querySelector(".search-hit-snippet").append(sanitizeSnippet(hit.snippet, { plain: true }));
      li.querySelector("a").addEventListener("click", (event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        onOpen(hit.session_id, { messageId: hit.message_id });
      });
      ul.append(li);
    }
  }

  async function runSearch() {
    const q = search.value.trim();
    const seq = ++searchSeq;
    if (!q) {
      showResults(false);
      return;
    }
    showResults(true);
    results.setAttribute("aria-busy", "true");
    try {
      const body = await apiJson(`/api/chat/search?q=${encodeURIComponent(q)}`, { toastOnError: false });
      if (seq === searchSeq) renderHits(q, listOf(body, "hits"));
    } catch (err) {
      if (seq === searchSeq) renderHits(q, []);
      if (seq === searchSeq) results.querySelector("[data-search-status]").textContent = err.message || "Search failed.";
    } finally {
      if (seq === searchSeq) results.removeAttribute("aria-busy");
    }
  }

  search?.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, SEARCH_DELAY_MS);
  });
  search?.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && search.value) {
      event.preventDefault();
      search.value = "";
      runSearch();
    } else if (event.key === "ArrowDown") {
      const first = results.querySelector(".search-hit");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });

  root.querySelector("[data-new-chat]")?.addEventListener("click", () => onNew());

  // Adopt the server-rendered list (fast first paint), then replace it with the API's.
  const initial = root.querySelector("#chat-sessions-data");
  if (initial) {
    try {
      sessions = JSON.parse(initial.textContent || "[]");
      render();
    } catch {
      sessions = [];
    }
  }

  return { refresh, setActive, upsert, render, get sessions() { return sessions; } };
}
