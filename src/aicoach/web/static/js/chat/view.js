// DOM for chat messages: a user bubble, and an assistant turn that grows as the stream arrives
// (tool chips, markdown text, cards, citations, status, error + Retry). No network here.

import { citationChip } from "../kit/cards.js";
import { citationKey } from "../kit/citations.js";
import { timeET } from "../kit/format.js";
import { mountCard } from "./card-registry.js";
import { icon } from "./icons.js";
import { renderMarkdown } from "./markdown.js";
import { toolPhrase } from "./tool-phrases.js";

const REVEAL_MIN_CHARS = 3; // per frame
const REVEAL_FRACTION = 6; // or 1/6 of what is still hidden, whichever is more

/** A user message bubble. msg = {id?, content, created_at?, client_message_id?}. */
export function userBubble(msg) {
  const el = document.createElement("div");
  el.className = "msg msg-user";
  if (msg.id) el.dataset.messageId = msg.id;
  if (msg.client_message_id) el.dataset.clientId = msg.client_message_id;
  el.innerHTML = `<div class="msg-bubble"></div>`;
  el.querySelector(".msg-bubble").textContent = msg.content || "";
  if (msg.created_at) el.title = `Sent ${timeET(msg.created_at)} ET`;
  return el;
}

/** A day divider between messages ("Wed, Nov 26"). */
export function dayDivider(text) {
  const el = document.createElement("div");
  el.className = "msg-divider";
  el.setAttribute("role", "separator");
  el.textContent = text;
  return el;
}

export class AssistantTurn {
  constructor({ messageId = null, modelLabel = "" } = {}) {
    this.el = document.createElement("div");
    this.el.className = "msg msg-assistant is-pending";
    this.el.innerHTML = `<div class="msg-avatar" aria-hidden="true">${icon("spark")}</div>
      <div class="msg-main">
        <div class="msg-tools"></div>
        <div class="msg-typing" aria-hidden="true"><i></i><i></i><i></i></div>
        <div class="msg-content md"></div>
        <div class="msg-cards"></div>
        <div class="msg-cites cite-row"></div>
        <div class="msg-error" hidden></div>
        <div class="msg-foot"><span class="msg-model"></span><span class="msg-status"></span>
          <button class="msg-copy btn btn-ghost btn-sm btn-icon" type="button" aria-label="Copy answer" title="Copy answer" hidden>${icon("copy")}</button></div>
      </div>`;
    this.text = "";
    this.shown = 0;
    this._finish = null;
    this.tools = new Map();
    this.shownCitations = new Set();
    this.cardIds = new Set();
    this.cardsPending = [];
    this._frame = 0;
    this.onRetry = null;
    this.el.querySelector(".msg-copy").addEventListener("click", () => this.copy());
    this.start({ message_id: messageId, model_label: modelLabel });
  }

  /** assistant_start: a (re)started stream begins from scratch, so clear what a replay repeats. */
  start({ message_id, model_label }) {
    if (message_id) this.el.dataset.messageId = message_id;
    if (model_label) this.el.querySelector(".msg-model").textContent = model_label;
    if (this._frame) cancelAnimationFrame(this._frame);
    this._frame = 0;
    this._finish = null;
    this.text = "";
    this.shown = 0;
    this.tools.clear();
    this.shownCitations.clear();
    this.cardIds.clear();
    for (const sel of [".msg-tools", ".msg-content", ".msg-cards", ".msg-cites"]) this.el.querySelector(sel).replaceChildren();
    this.hideError();
    this.setStatus("");
  }

  get messageId() {
    return this.el.dataset.messageId || null;
  }

  append(text) {
    this.text += text;
    this.el.classList.remove("is-pending");
    this.schedule();
  }

  // Text is revealed a few characters per frame: a burst (the offline coach writes a whole
  // answer at once; proxies batch chunks) still reads as a stream, and a slow model's tokens,
  // arriving slower than the reveal, show at once. At most one markdown render per frame.
  schedule() {
    if (!this._frame) this._frame = requestAnimationFrame(() => this.tick());
  }

  tick() {
    this._frame = 0;
    const remaining = this.text.length - this.shown;
    if (remaining > 0) {
      this.shown += Math.max(REVEAL_MIN_CHARS, Math.ceil(remaining / REVEAL_FRACTION));
      this.shown = Math.min(this.shown, this.text.length);
      this.render();
    }
    if (this.shown < this.text.length) this.schedule();
    else if (this._finish) this.finish();
  }

  render() {
    this.el.querySelector(".msg-content").innerHTML = renderMarkdown(this.text.slice(0, this.shown));
    this.el.dispatchEvent(new CustomEvent("chat:grew", { bubbles: true }));
  }

  /** Show everything received now (stop, error, stored messages). */
  flush() {
    if (this._frame) cancelAnimationFrame(this._frame);
    this._frame = 0;
    this.shown = this.text.length;
    this.render();
  }

  setText(text) {
    this.text = text || "";
    if (this.text) this.el.classList.remove("is-pending");
    this.flush();
  }

  toolStarted({ call_id, name, arguments: args, phrase }) {
    const chip = document.createElement("div");
    chip.className = "tool-chip is-running";
    chip.dataset.callId = call_id;
    chip.dataset.tool = name;
    chip.innerHTML = `<span class="spinner" aria-hidden="true"></span><span class="tool-text"></span>`;
    chip.querySelector(".tool-text").textContent = `${toolPhrase(name, phrase)}…`;
    this.tools.set(call_id, { chip, name, args, phrase });
    this.el.querySelector(".msg-tools").append(chip);
    this.el.dispatchEvent(new CustomEvent("chat:grew", { bubbles: true }));
  }

  toolFinished({ call_id, name, ok, summary, citations, arguments: args }) {
    let entry = this.tools.get(call_id);
    if (!entry) {
      this.toolStarted({ call_id, name, arguments: args || {} });
      entry = this.tools.get(call_id);
    }
    const { chip } = entry;
    chip.classList.remove("is-running");
    chip.classList.add(ok === false ? "is-failed" : "is-done");
    const text = summary || toolPhrase(name, entry.phrase);
    chip.innerHTML = `${icon(ok === false ? "warn" : "check")}<span class="tool-text"></span>`;
    chip.querySelector(".tool-text").textContent = text;
    chip.title = `${name}${ok === false ? " (failed)" : ""}`;
    for (const c of citations || []) {
      this.shownCitations.add(citationKey(c));
      chip.insertAdjacentHTML("beforeend", String(citationChip(c, name)));
    }
    this.el.dispatchEvent(new CustomEvent("chat:grew", { bubbles: true }));
    return text;
  }

  async card(card) {
    if (card.card_id && this.cardIds.has(card.card_id)) return;
    if (card.card_id) this.cardIds.add(card.card_id);
    for (const c of card.citations || []) this.shownCitations.add(citationKey(c));
    const p = mountCard(this.el.querySelector(".msg-cards"), card).then(() =>
      this.el.dispatchEvent(new CustomEvent("chat:grew", { bubbles: true })),
    );
    this.cardsPending.push(p);
    return p;
  }

  /** Citations of the whole answer that no tool chip or card already shows. */
  citations(list) {
    const row = this.el.querySelector(".msg-cites");
    for (const c of list || []) {
      const key = citationKey(c);
      if (this.shownCitations.has(key)) continue;
      this.shownCitations.add(key);
      row.insertAdjacentHTML("beforeend", String(citationChip(c)));
    }
  }

  setStatus(status) {
    this.el.dataset.status = status || "";
    const label = { stopped: "Stopped", streaming: "Writing…" }[status] || ""; // errors have their box
    const el = this.el.querySelector(".msg-status");
    el.textContent = label;
    el.className = `msg-status${label ? " is-" + status : ""}`;
  }

  /** A short remark under the answer ("The answer reached its length limit."). */
  note(text) {
    const el = this.el.querySelector(".msg-status");
    el.textContent = text;
    el.className = "msg-status is-note";
  }

  /**
   * The answer ended. A complete answer finishes revealing first (the element keeps
   * .is-streaming until the last character shows); stopped or failed ones show what came at once.
   */
  done({ status = "complete", citations, note = "" } = {}) {
    this._finish = () => {
      this.el.classList.remove("is-pending", "is-streaming");
      for (const [, { chip }] of this.tools) {
        if (chip.classList.contains("is-running")) {
          chip.classList.remove("is-running");
          chip.classList.add("is-cancelled");
          chip.querySelector(".spinner")?.remove();
        }
      }
      this.citations(citations);
      this.setStatus(status === "complete" ? "" : status);
      if (note) this.note(note);
      this.el.querySelector(".msg-copy").hidden = !this.text;
      this.el.dispatchEvent(new CustomEvent("chat:grew", { bubbles: true }));
    };
    if (status !== "complete" || this.shown >= this.text.length) {
      this.flush();
      this.finish();
    } else {
      this.schedule();
    }
  }

  finish() {
    const fn = this._finish;
    this._finish = null;
    fn?.();
  }

  showError({ message, retryable }) {
    this.done({ status: "error" });
    const box = this.el.querySelector(".msg-error");
    box.hidden = false;
    box.setAttribute("role", "alert");
    box.innerHTML = `${icon("error", "msg-error-icon")}<span class="msg-error-text"></span>`;
    box.querySelector(".msg-error-text").textContent = message || "The coach could not answer.";
    if (retryable !== false && this.onRetry) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm msg-retry";
      button.innerHTML = `${icon("retry")}<span>Retry</span>`;
      button.addEventListener("click", () => this.onRetry());
      box.append(button);
    }
  }

  hideError() {
    const box = this.el.querySelector(".msg-error");
    box.hidden = true;
    box.replaceChildren();
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.text);
      window.dispatchEvent(new CustomEvent("toast", { detail: { message: "Answer copied.", kind: "success" } }));
    } catch {
      window.dispatchEvent(new CustomEvent("toast", { detail: { message: "Copy is not allowed here.", kind: "warning" } }));
    }
  }
}

/** Rebuild a stored assistant message (from GET …/messages). */
export function storedAssistant(msg, { onRetry } = {}) {
  const turn = new AssistantTurn({ messageId: msg.id, modelLabel: msg.model_label || "" });
  for (const call of msg.tool_calls || []) turn.toolFinished({ ...call, ok: call.ok !== false });
  turn.setText(msg.content || "");
  for (const card of msg.cards || []) turn.card(card);
  if (msg.status === "error") {
    turn.onRetry = onRetry || null;
    turn.showError({ message: msg.error?.message || "The coach could not answer.", retryable: Boolean(onRetry) });
  } else {
    turn.done({ status: msg.status === "streaming" ? "streaming" : msg.status || "complete", citations: msg.citations });
  }
  return turn;
}
