// The coach chat (the entry module, loaded by templates/chat/page.html). Wires the panel
// ([data-chat-panel]) and the conversations sidebar ([data-chat-sidebar]).
//
// Sending: POST /api/chat/sessions/{id}/messages {content, client_message_id} answers
// text/event-stream (protocol: src/aicoach/chat/stream.py), read with fetch + a stream reader
// (EventSource cannot POST). The user bubble shows at once; the assistant bubble grows with
// each event. Stop aborts the fetch AND posts …/stop (generation runs apart from the HTTP
// connection). Retry re-posts the SAME client_message_id, so the server replays or re-attaches
// instead of storing the question twice. The open conversation lives in the URL (?session=<id>)
// so a reload reopens it; older messages load when scrolling up; a search hit scrolls to its
// message and flashes it.

import { apiFetch, apiJson, csrfToken, parseErrorBody, statusMessage, toast } from "../kit/api.js";
import { dateTimeET } from "../kit/format.js";
import { uuid } from "../kit/uuid.js";
import { preloadCards, releaseCards } from "./card-registry.js";
import { markdownToText } from "./markdown.js";
import { createSidebar, listOf } from "./sidebar.js";
import { readSSE } from "./sse.js";
import { AssistantTurn, storedAssistant, userBubble } from "./view.js";

const PAGE_SIZE = 50;
const MAX_CHARS = 8000;
const PIN_SLACK_PX = 48; // "at the bottom" tolerance: within this many pixels keeps auto-scroll on
const OLDER_TRIGGER_PX = 120;
const RETRYABLE_STATUS = new Set([0, 409, 429, 500, 502, 503, 504]);
const FINISH_NOTES = {
  length: "The answer reached its length limit.",
  tool_rounds: "The coach stopped after too many data look-ups.",
};

/** ?session=<id> from the current URL (or null). */
export function sessionFromUrl(href = window.location.href) {
  const id = new URL(href).searchParams.get("session");
  return id && /^[\w-]{1,64}$/.test(id) ? id : null;
}

function setUrlSession(id, { push = false } = {}) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set("session", id);
  else url.searchParams.delete("session");
  if (url.href === window.location.href) return;
  history[push ? "pushState" : "replaceState"](history.state, "", url.href);
}

class Chat {
  constructor(panel, sidebarRoot) {
    this.panel = panel;
    this.log = panel.querySelector("[data-chat-messages]");
    this.empty = panel.querySelector("[data-chat-empty]");
    this.form = panel.querySelector("[data-chat-composer]");
    this.input = this.form.querySelector("textarea");
    this.sendButton = panel.querySelector("[data-chat-send]");
    this.stopButton = panel.querySelector("[data-chat-stop]");
    this.jumpButton = panel.querySelector("[data-chat-jump]");
    this.announcer = panel.querySelector("[data-chat-announcer]");
    this.titleEl = panel.querySelector("[data-chat-title]");
    this.sessionId = null;
    this.oldestId = null;
    this.hasMore = false;
    this.loadingOlder = null;
    this.stream = null;
    this.pinned = true;
    this.openSeq = 0;

    this.sidebar = sidebarRoot
      ? createSidebar(sidebarRoot, {
          onOpen: (id, { messageId }) => this.open(id, { messageId, push: true }),
          onNew: () => this.newChat({ push: true }),
          onDeleted: (id) => String(id) === String(this.sessionId) && this.newChat({ push: false }),
          onRenamed: (id, title) => String(id) === String(this.sessionId) && this.setTitle(title),
        })
      : null;
    this.bind();
  }

  bind() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.stopButton.addEventListener("click", () => this.stop());
    this.panel.querySelector("[data-new-chat]")?.addEventListener("click", () => this.newChat({ push: true }));
    this.panel.addEventListener("click", (event) => {
      const suggestion = event.target.closest("[data-suggestion]");
      if (suggestion && !this.stream) this.sendText(suggestion.dataset.suggestion);
    });
    this.log.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.log.addEventListener("chat:grew", () => this.follow());
    this.jumpButton.addEventListener("click", () => {
      this.pinned = true;
      this.scrollToBottom("smooth");
    });
    window.addEventListener("popstate", () => {
      const id = sessionFromUrl();
      if (id && id !== String(this.sessionId)) this.open(id, { push: false });
      else if (!id && this.sessionId) this.newChat({ push: false });
    });
  }

  // ---------- scrolling ----------

  distanceFromBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight;
  }

  onScroll() {
    this.pinned = this.distanceFromBottom() < PIN_SLACK_PX;
    this.jumpButton.hidden = this.pinned;
    if (this.log.scrollTop < OLDER_TRIGGER_PX && this.hasMore) this.loadOlder();
  }

  scrollToBottom(behavior = "auto") {
    this.log.scrollTo({ top: this.log.scrollHeight, behavior });
  }

  follow() {
    if (this.pinned) this.scrollToBottom();
    else this.jumpButton.hidden = false;
  }

  announce(text) {
    // Clear first so the same sentence twice is still announced; one message per event, never per token.
    this.announcer.textContent = "";
    setTimeout(() => (this.announcer.textContent = text), 60);
  }

  // ---------- conversation state ----------

  setTitle(title) {
    this.titleEl.textContent = title || "";
    this.titleEl.title = title || "";
  }

  clearLog() {
    releaseCards(this.log);
    for (const el of [...this.log.children]) if (el !== this.empty) el.remove();
    this.empty.hidden = false;
    this.oldestId = null;
    this.hasMore = false;
  }

  detachStream() {
    // Leaving a conversation mid-answer: stop READING, not generating (it is stored when done).
    if (!this.stream) return;
    this.stream.detached = true;
    this.stream.controller.abort();
    this.setStreaming(null);
  }

  newChat({ push }) {
    this.detachStream();
    this.openSeq++;
    this.sessionId = null;
    this.clearLog();
    this.setTitle("");
    this.sidebar?.setActive(null);
    setUrlSession(null, { push });
    this.input.focus();
  }

  async open(id, { messageId = null, push = false } = {}) {
    if (String(id) === String(this.sessionId) && this.log.querySelector(".msg")) {
      if (messageId) await this.jumpTo(messageId);
      return;
    }
    this.detachStream();
    const seq = ++this.openSeq;
    this.sessionId = id;
    this.clearLog();
    this.empty.hidden = true;
    this.log.setAttribute("aria-busy", "true");
    this.sidebar?.setActive(id);
    setUrlSession(id, { push });
    const session = this.sidebar?.sessions.find((s) => String(s.id) === String(id));
    this.setTitle(session?.title || "");
    let page;
    try {
      page = await this.fetchPage(id, null);
    } catch (err) {
      if (seq !== this.openSeq) return;
      this.log.removeAttribute("aria-busy");
      toast(err.status === 404 ? "That conversation no longer exists." : err.message, "error");
      this.newChat({ push: false });
      return;
    }
    if (seq !== this.openSeq) return;
    this.log.removeAttribute("aria-busy");
    this.insert(page.messages, { prepend: false });
    this.empty.hidden = page.messages.length > 0;
    if (messageId) {
      await this.jumpTo(messageId);
    } else {
      this.pinned = true;
      this.scrollToBottom();
    }
    this.resumeIfStreaming(page.messages);
  }

  async fetchPage(id, beforeId) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (beforeId) params.set("before", beforeId);
    const body = await apiJson(`/api/chat/sessions/${encodeURIComponent(id)}/messages?${params}`, {
      toastOnError: false,
    });
    const messages = listOf(body, "items", "messages");
    const hasMore = typeof body?.has_more === "boolean" ? body.has_more : messages.length >= PAGE_SIZE;
    if (messages.length) this.oldestId = body?.next_before ?? messages[0].id;
    this.hasMore = hasMore && messages.length > 0;
    return { messages, hasMore: this.hasMore };
  }

  /** Render stored messages (oldest → newest) at the top (older page) or the bottom. */
  insert(messages, { prepend }) {
    const frag = document.createDocumentFragment();
    const users = new Map(messages.filter((m) => m.role === "user").map((m) => [m.id, m]));
    let lastUser = null;
    for (const msg of messages) {
      let el;
      if (msg.role === "user") {
        lastUser = msg;
        el = userBubble(msg);
      } else {
        const question = users.get(msg.reply_to_id) || lastUser;
        const canRetry = question && question.client_message_id && question.content;
        const turn = storedAssistant(msg, { onRetry: canRetry ? () => this.retry(turn, question) : null });
        el = turn.el;
      }
      if (msg.id) el.id = `msg-${msg.id}`;
      frag.append(el);
    }
    if (prepend) this.log.insertBefore(frag, this.empty.nextSibling);
    else this.log.append(frag);
  }

  async loadOlder() {
    if (this.loadingOlder || !this.hasMore || !this.sessionId) return this.loadingOlder;
    const id = this.sessionId;
    const seq = this.openSeq;
    this.log.classList.add("is-loading-older");
    this.loadingOlder = (async () => {
      try {
        const page = await this.fetchPage(id, this.oldestId);
        if (seq !== this.openSeq) return;
        // Keep the message under the reader's eyes where it was while older ones go on top.
        const before = this.log.scrollHeight;
        this.insert(page.messages, { prepend: true });
        this.log.scrollTop += this.log.scrollHeight - before;
      } catch {
        this.hasMore = false;
      } finally {
        this.log.classList.remove("is-loading-older");
        this.loadingOlder = null;
      }
    })();
    return this.loadingOlder;
  }

  async jumpTo(messageId) {
    let el = this.log.querySelector(`#msg-${CSS.escape(String(messageId))}`);
    for (let pages = 0; !el && this.hasMore && pages < 40; pages++) {
      await this.loadOlder();
      el = this.log.querySelector(`#msg-${CSS.escape(String(messageId))}`);
    }
    if (!el) {
      toast("That message is no longer in this conversation.", "warning");
      return;
    }
    this.pinned = false;
    el.scrollIntoView({ block: "center" });
    el.classList.remove("is-flash");
    void el.offsetWidth; // restart the animation when jumping to the same message again
    el.classList.add("is-flash");
    setTimeout(() => el.classList.remove("is-flash"), 2600);
  }

  /** The last answer was still being written when the page loaded: re-attach to its stream. */
  resumeIfStreaming(messages) {
    const last = messages[messages.length - 1];
    if (!last || last.role !== "assistant" || last.status !== "streaming") return;
    const question = messages.find((m) => m.id === last.reply_to_id);
    if (!question?.client_message_id) return;
    const stale = this.log.querySelector(`#msg-${CSS.escape(String(last.id))}`);
    stale?.remove();
    const userEl = this.log.querySelector(`#msg-${CSS.escape(String(question.id))}`);
    this.run({ content: question.content, clientId: question.client_message_id, userEl });
  }

  // ---------- sending ----------

  submit() {
    const text = this.input.value.trim();
    if (!text || this.stream) return;
    if (text.length > MAX_CHARS) {
      toast(`Messages are limited to ${MAX_CHARS.toLocaleString()} characters (this one has ${text.length.toLocaleString()}).`, "error");
      return;
    }
    this.input.value = "";
    this.input.style.height = "";
    this.sendText(text);
  }

  async sendText(content) {
    if (this.stream) return;
    this.input.focus();
    if (!this.sessionId) {
      let session;
      try {
        session = await apiJson("/api/chat/sessions", { method: "POST", json: {} });
      } catch {
        this.input.value ||= content;
        return;
      }
      this.sessionId = session.id;
      this.openSeq++;
      this.sidebar?.upsert(session);
      this.sidebar?.setActive(session.id);
      setUrlSession(session.id, { push: true });
    }
    const clientId = uuid();
    const userEl = userBubble({ content, client_message_id: clientId });
    this.empty.hidden = true;
    this.log.append(userEl);
    this.pinned = true;
    this.scrollToBottom();
    await this.run({ content, clientId, userEl });
  }

  retry(turn, question) {
    if (this.stream) return;
    const userEl =
      this.log.querySelector(`#msg-${CSS.escape(String(question.id ?? ""))}`) ||
      this.log.querySelector(`[data-client-id="${CSS.escape(question.client_message_id)}"]`);
    turn.el.remove();
    this.run({ content: question.content, clientId: question.client_message_id, userEl });
  }

  setStreaming(stream) {
    this.stream = stream;
    const on = Boolean(stream);
    this.form.classList.toggle("is-streaming", on);
    this.sendButton.hidden = on;
    this.stopButton.hidden = !on;
    this.panel.classList.toggle("is-streaming", on);
  }

  async run({ content, clientId, userEl }) {
    const sessionId = this.sessionId;
    const turn = new AssistantTurn();
    turn.el.classList.add("is-streaming");
    if (userEl?.isConnected) userEl.after(turn.el);
    else this.log.append(turn.el);
    this.follow();
    const question = { id: userEl?.dataset.messageId, content, client_message_id: clientId };
    turn.onRetry = () => this.retry(turn, question);
    const stream = { controller: new AbortController(), sessionId, clientId, turn, detached: false, stopped: false };
    this.setStreaming(stream);
    this.announce("The coach is answering…");
    let finished = false;
    try {
      const response = await fetch(`/api/chat/sessions/${encodeURIComponent(sessionId)}/messages`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ content, client_message_id: clientId }),
        signal: stream.controller.signal,
      });
      if (!response.ok) {
        const err = parseErrorBody(await response.text().catch(() => ""), response.status);
        turn.showError({ message: err.message, retryable: RETRYABLE_STATUS.has(response.status) });
        this.announce(`The coach could not answer. ${err.message}`);
        finished = true;
        return;
      }
      for await (const { event, data } of readSSE(response)) {
        finished = this.handle(event, data || {}, { turn, userEl, question }) || finished;
      }
      if (!finished) {
        turn.showError({ message: "The connection dropped before the answer finished.", retryable: true });
        this.announce("The connection dropped before the answer finished.");
      }
    } catch (err) {
      if (stream.detached || stream.stopped) return;
      turn.showError({ message: err?.name === "AbortError" ? "Cancelled." : statusMessage(0), retryable: true });
      this.announce("The coach could not answer: network error.");
    } finally {
      if (this.stream === stream) this.setStreaming(null);
      if (!stream.detached) this.sidebar?.refresh();
    }
  }

  /** One stream event; returns true for the terminal ones (done, error). */
  handle(event, data, { turn, userEl, question }) {
    switch (event) {
      case "user_message":
        if (userEl && data.id) {
          userEl.dataset.messageId = data.id;
          userEl.id = `msg-${data.id}`;
          if (data.created_at) userEl.title = `Sent ${dateTimeET(data.created_at)}`;
          question.id = data.id;
        }
        return false;
      case "assistant_start":
        turn.start(data);
        if (data.message_id) turn.el.id = `msg-${data.message_id}`;
        return false;
      case "delta":
        if (typeof data.text === "string") turn.append(data.text);
        return false;
      case "tool_started":
        turn.toolStarted(data);
        return false;
      case "tool_finished":
        this.announce(turn.toolFinished(data));
        return false;
      case "card":
        turn.card({ ...data, tool: data.tool || "", fresh: true });
        return false;
      case "done": {
        const status = data.status || (data.finish_reason === "stopped" ? "stopped" : "complete");
        turn.done({ status, citations: data.citations, note: FINISH_NOTES[data.finish_reason] || "" });
        this.announce(markdownToText(turn.text) || "The coach finished.");
        this.follow();
        return true;
      }
      case "error":
        turn.showError({ message: data.message, retryable: data.retryable !== false });
        this.announce(`The coach could not answer. ${data.message || ""}`);
        return true;
      case "title":
        this.sidebar?.upsert({ id: data.session_id, title: data.title });
        if (String(data.session_id) === String(this.sessionId)) this.setTitle(data.title);
        return false;
      default:
        return false; // an event this page does not know yet is not an error
    }
  }

  async stop() {
    const stream = this.stream;
    if (!stream) return;
    stream.stopped = true;
    // Both: abort so the page is free at once, and tell the server, which is generating
    // independently of this connection and keeps the partial text as "stopped".
    apiFetch(`/api/chat/sessions/${encodeURIComponent(stream.sessionId)}/stop`, {
      method: "POST",
      toastOnError: false,
    }).catch(() => {});
    stream.controller.abort();
    stream.turn.done({ status: "stopped" });
    this.setStreaming(null);
    this.announce("Stopped.");
    this.input.focus();
  }
}

function init() {
  const panel = document.querySelector("[data-chat-panel]");
  if (!panel || panel.dataset.chatEnabled !== "true") return;
  const chat = new Chat(panel, document.querySelector("[data-chat-sidebar]"));
  window.aicoachChat = chat; // for the browser tests and the console
  preloadCards().catch(() => {});
  chat.sidebar?.refresh();
  const id = sessionFromUrl();
  if (id) chat.open(id, { push: false });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init, { once: true });
else init();
