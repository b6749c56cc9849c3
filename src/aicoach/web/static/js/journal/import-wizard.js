// The import wizard ([data-jr-import-dialog], data-step "choose" → "preview" → "committing" →
// "done"): pick or create the account, drop the broker's file (or pick it), see the preview —
// the broker detected (format_label), the row counts, error rows with their row number and
// reason, duplicates marked, the trades it will form — then commit. A large file commits in a
// background job: the wizard polls GET /api/journal/imports/{id} and shows a progress bar.
//
//   const wizard = new ImportWizard(dialog, {accounts: () => [...], onAccount(account), onCommitted(import)});
//   wizard.open({accountId});

import { apiFetch, apiJson, ApiError } from "../kit/api.js";
import { html } from "../kit/html.js";
import { money, shortDate, signedMoney, signedNum, timeET, tone } from "../kit/format.js";
import { amount, formErrors, humanize, nyDate, occLabel, previewRows, priceText, progressPercent } from "./model.js";

const POLL_MS = 600;
const NEW = "__new__";
const STEPS = ["choose", "preview", "done"];

function previewRow(r) {
  if (r.kind === "error") {
    return html`<tr class="jr-p-error" data-row="${r.row}"><td class="num">${r.row}</td>
      <td colspan="6" class="jr-p-raw"><code class="truncate" title="${r.raw}">${r.raw}</code></td>
      <td><span class="badge badge-down">Error</span> ${r.reason}</td></tr>`;
  }
  const e = r.execution;
  const costs = (amount(e.commission) ?? 0) + (amount(e.fees) ?? 0);
  const q = amount(e.quantity);
  const when = e.executed_at ? `${shortDate(nyDate(new Date(e.executed_at)), { year: true })} ${timeET(e.executed_at)}` : "";
  const note = r.kind === "duplicate"
    ? html`<span class="badge" title="Already in this account from an earlier import: it will not be added twice">Duplicate</span>`
    : e.kind && e.kind !== "trade" ? html`<span class="badge badge-info">${humanize(e.kind)}</span>` : "";
  return html`<tr class="${r.kind === "duplicate" ? "jr-p-dup" : ""}" data-row="${r.row}"><td class="num">${r.row}</td>
    <td>${when}</td><td class="truncate" title="${e.instrument}">${occLabel(e.instrument)}</td>
    <td class="num">${signedNum(q, Number.isInteger(q) ? 0 : 2)}</td><td class="num">${priceText(e.price)}</td><td class="num muted">${money(costs)}</td>
    <td>${e.effect}</td><td>${note}</td></tr>`;
}

export class ImportWizard {
  constructor(dialog, { accounts, onAccount, onCommitted }) {
    this.dialog = dialog;
    this.accounts = accounts;
    this.onAccount = onAccount;
    this.onCommitted = onCommitted;
    this.preview = null;
    this.polling = null;
    this.wire();
  }

  $(sel) {
    return this.dialog.querySelector(sel);
  }

  wire() {
    for (const b of this.dialog.querySelectorAll("[data-jr-dialog-close]")) b.addEventListener("click", () => this.dialog.close());
    this.dialog.addEventListener("close", () => this.stopPolling());
    this.$("[data-jr-i-account]").addEventListener("change", () => this.syncAccount());
    const drop = this.$("[data-jr-drop]");
    const file = this.$("[data-jr-i-file]");
    file.addEventListener("change", () => {
      if (file.files.length) this.upload(file.files[0]);
    });
    for (const type of ["dragenter", "dragover"]) {
      drop.addEventListener(type, (event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        drop.classList.add("is-over");
      });
    }
    for (const type of ["dragleave", "dragend"]) drop.addEventListener(type, () => drop.classList.remove("is-over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("is-over");
      const f = event.dataTransfer.files?.[0];
      if (f) this.upload(f);
    });
    this.$("[data-jr-p-back]").addEventListener("click", () => this.step("choose"));
    this.$("[data-jr-p-commit]").addEventListener("click", () => this.commit());
    this.$("[data-jr-p-problems]").addEventListener("change", () => this.renderRows());
    this.$("[data-jr-d-again]").addEventListener("click", () => this.step("choose"));
  }

  step(name) {
    this.dialog.dataset.step = name;
    const shown = name === "committing" ? "preview" : name;
    for (const el of this.dialog.querySelectorAll("[data-jr-step]")) el.hidden = el.dataset.jrStep !== shown;
    const at = STEPS.indexOf(shown);
    for (const li of this.dialog.querySelectorAll("[data-step-mark]")) {
      const i = STEPS.indexOf(li.dataset.stepMark);
      li.classList.toggle("is-done", i < at);
      li.toggleAttribute("aria-current", i === at);
    }
    if (name === "choose") {
      this.$("[data-jr-i-file]").value = "";
      this.$("[data-jr-i-error]").textContent = "";
      this.$("[data-jr-i-busy]").hidden = true;
      this.loadHistory();
    }
  }

  open({ accountId = "" } = {}) {
    const list = this.accounts();
    const select = this.$("[data-jr-i-account]");
    select.innerHTML = html`${list.map((a) => html`<option value="${a.id}">${a.name}${a.broker ? ` (${a.broker})` : ""}</option>`)}
      <option value="${NEW}">New account…</option>`.text;
    select.value = accountId && list.some((a) => String(a.id) === String(accountId)) ? String(accountId) : list.length ? String(list[0].id) : NEW;
    this.$("[data-jr-i-name]").value = "";
    this.$("[data-jr-i-broker]").value = "";
    this.$("[data-jr-i-format]").value = "";
    this.syncAccount();
    this.step("choose");
    this.dialog.showModal();
    (select.value === NEW ? this.$("[data-jr-i-name]") : select).focus();
  }

  /** The trader's earlier imports, newest first (what is already in the journal). */
  async loadHistory() {
    const box = this.$("[data-jr-i-history]");
    let items;
    try {
      items = await apiJson("/api/journal/imports", { toastOnError: false });
    } catch {
      box.hidden = true;
      return;
    }
    const shown = (items || []).filter((i) => i.format !== "manual").slice(0, 20);
    box.hidden = !shown.length;
    this.$("[data-jr-i-history-count]").textContent = `(${shown.length})`;
    const status = { committed: ["Imported", "badge-up"], committing: ["Importing…", "badge-info"], failed: ["Failed", "badge-down"], previewed: ["Not committed", ""] };
    box.querySelector("tbody").innerHTML = html`${shown.map((i) => {
      const [text, cls] = status[i.status] || [i.status, ""];
      const when = i.committed_at || i.created_at;
      return html`<tr><td>${shortDate(nyDate(new Date(when)), { year: true })}</td>
        <td class="truncate" title="${i.file_name}">${i.file_name}</td><td>${this.accountName(i.account_id)}</td>
        <td class="truncate" title="${i.format_label}">${i.format_label || i.format}</td>
        <td class="num">${i.status === "committed" ? (i.added ?? 0).toLocaleString("en-US") : "—"}</td>
        <td><span class="badge ${cls}" title="${i.error || ""}">${text}</span></td></tr>`;
    })}`.text;
  }

  syncAccount() {
    const isNew = this.$("[data-jr-i-account]").value === NEW;
    this.$("[data-jr-i-new]").hidden = !isNew;
    this.$("[data-jr-i-name-err]").textContent = "";
  }

  /** The chosen account's id, creating the new one first when asked to. */
  async accountId() {
    const select = this.$("[data-jr-i-account]");
    if (select.value !== NEW) return Number(select.value);
    const nameInput = this.$("[data-jr-i-name]");
    const name = nameInput.value.trim();
    const err = this.$("[data-jr-i-name-err]");
    if (!name) {
      err.textContent = "Name the account, e.g. “tastytrade IRA”.";
      nameInput.setAttribute("aria-invalid", "true");
      nameInput.focus();
      return null;
    }
    try {
      const account = await apiJson("/api/journal/accounts", {
        method: "POST", json: { name, broker: this.$("[data-jr-i-broker]").value.trim() }, toastOnError: false,
      });
      nameInput.removeAttribute("aria-invalid");
      this.onAccount(account);
      select.insertAdjacentHTML("afterbegin", html`<option value="${account.id}">${account.name}${account.broker ? ` (${account.broker})` : ""}</option>`.text);
      select.value = String(account.id);
      this.syncAccount();
      return account.id;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      err.textContent = formErrors(error).fields.name || error.message;
      nameInput.setAttribute("aria-invalid", "true");
      nameInput.focus();
      return null;
    }
  }

  async upload(file) {
    const errorEl = this.$("[data-jr-i-error]");
    errorEl.textContent = "";
    const accountId = await this.accountId();
    if (!accountId) return;
    const body = new FormData();
    body.set("file", file, file.name);
    body.set("account_id", String(accountId));
    const format = this.$("[data-jr-i-format]").value;
    if (format) body.set("format", format);
    this.$("[data-jr-i-busy-name]").textContent = file.name;
    this.$("[data-jr-i-busy]").hidden = false;
    try {
      const res = await apiFetch("/api/journal/imports", { method: "POST", body, toastOnError: false });
      this.show(await res.json());
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const details = Array.isArray(error.details) ? error.details.map((d) => d.message).filter(Boolean) : [];
      errorEl.textContent = [error.message, ...details.filter((d) => !error.message.includes(d))].join(" ");
      this.$("[data-jr-i-file]").value = "";
    } finally {
      this.$("[data-jr-i-busy]").hidden = true;
    }
  }

  accountName(id) {
    return this.accounts().find((a) => a.id === id)?.name || `account ${id}`;
  }

  /** Show an import's preview (or its progress, when it is committing). */
  show(p) {
    this.preview = p;
    this.$("[data-jr-p-format]").textContent = p.format_label || p.format;
    this.$("[data-jr-p-file]").textContent = p.file_name;
    this.$("[data-jr-p-file]").title = p.file_name;
    this.$("[data-jr-p-account]").textContent = this.accountName(p.account_id);
    const r = p.rows || {};
    const count = (key, label, cls = "") => html`<div class="jr-count ${cls}" data-count="${key}"><dt>${label}</dt><dd class="num">${(r[key] ?? 0).toLocaleString("en-US")}</dd></div>`;
    this.$("[data-jr-p-counts]").innerHTML = html`${count("total", "Rows")}${count("parsed", "Executions")}${count("duplicates", "Duplicates", r.duplicates ? "is-dup" : "")}${count("errors", "Errors", r.errors ? "is-error" : "")}${count("skipped", "Not trades")}`.text;
    const t = p.trades || {};
    const strategies = Object.entries(t.by_strategy || {}).sort((a, b) => b[1] - a[1]);
    const net = amount(t.realized_net);
    this.$("[data-jr-p-trades]").innerHTML = (t.count
      ? html`<p class="jr-forms-line">These rows make <b>${t.count}</b> trade${t.count === 1 ? "" : "s"}
        <span class="muted">(${t.closed ?? 0} closed, ${t.open ?? 0} open, with what the account already holds)</span>
        · realized <b class="num ${tone(net)}">${signedMoney(net)}</b> <span class="muted small">after costs</span></p>`
      : html`<p class="jr-forms-line muted">These rows make no new trade.</p>`).text + html`
${strategies.length ? html`<ul class="jr-forms-list">${strategies.map(([name, n]) => html`<li><span class="jr-chip">${humanize(name)}</span> ${n}</li>`)}</ul>` : ""}`.text;
    this.$("[data-jr-p-warnings]").innerHTML = html`${(p.warnings || []).slice(0, 8).map((w) => html`<li>${w}</li>`)}${(p.warnings || []).length > 8 ? html`<li class="muted">and ${p.warnings.length - 8} more</li>` : ""}`.text;
    this.$("[data-jr-p-problems]").checked = false;
    this.renderRows();
    const addable = (r.parsed ?? 0) - (r.duplicates ?? 0);
    const commit = this.$("[data-jr-p-commit]");
    commit.textContent = addable > 0 ? `Commit ${addable.toLocaleString("en-US")} execution${addable === 1 ? "" : "s"}` : "Nothing new to add";
    commit.disabled = addable <= 0 || p.status !== "previewed";
    this.$("[data-jr-p-error]").textContent = p.status === "failed" ? p.error || "The commit failed." : "";
    if (p.status === "committing") this.progress(p);
    else {
      this.$("[data-jr-progress]").hidden = true;
      this.step("preview");
      commit.focus();
    }
  }

  renderRows() {
    const p = this.preview;
    const onlyProblems = this.$("[data-jr-p-problems]").checked;
    const all = previewRows(p);
    const rows = onlyProblems ? all.filter((x) => x.kind !== "ok") : all;
    this.$("[data-jr-p-table] tbody").innerHTML = html`${rows.map(previewRow)}`.text;
    const parsed = p.rows?.parsed ?? 0;
    const listed = (p.executions || []).length;
    this.$("[data-jr-p-shown]").textContent = listed < parsed
      ? `The first ${listed.toLocaleString("en-US")} of ${parsed.toLocaleString("en-US")} executions, and every error row`
      : `${all.length.toLocaleString("en-US")} rows`;
  }

  progress(p) {
    this.step("committing");
    const bar = this.$("[data-jr-progress]");
    bar.hidden = false;
    const pct = progressPercent(p.progress);
    const el = this.$("[data-jr-progress-bar]");
    el.setAttribute("aria-valuenow", String(pct ?? 0));
    el.querySelector("span").style.width = `${pct ?? 0}%`;
    const phase = p.progress?.phase ? humanize(p.progress.phase) : "Committing";
    this.$("[data-jr-progress-text]").textContent = pct === null ? `${phase}…` : `${phase} · ${p.progress.done.toLocaleString("en-US")} of ${p.progress.total.toLocaleString("en-US")} rows (${pct}%)`;
    this.$("[data-jr-p-commit]").disabled = true;
    this.$("[data-jr-p-back]").disabled = true;
  }

  async commit() {
    const p = this.preview;
    if (!p) return;
    const button = this.$("[data-jr-p-commit]");
    button.disabled = true;
    this.$("[data-jr-p-error]").textContent = "";
    try {
      const done = await apiJson(`/api/journal/imports/${p.id}/commit`, { method: "POST", toastOnError: false });
      this.after(done);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.$("[data-jr-p-error]").textContent = error.message;
      button.disabled = false;
    }
  }

  after(p) {
    if (p.status === "committing") {
      this.preview = { ...this.preview, ...p };
      this.progress(p);
      this.polling = setTimeout(() => this.poll(p.id), POLL_MS);
    } else if (p.status === "committed") {
      this.finish(p);
    } else {
      this.$("[data-jr-progress]").hidden = true;
      this.$("[data-jr-p-back]").disabled = false;
      this.step("preview");
      this.$("[data-jr-p-error]").textContent = p.error || "The commit failed: nothing was added.";
    }
  }

  async poll(id) {
    this.polling = null;
    if (!this.dialog.open) return;
    let p;
    try {
      p = await apiJson(`/api/journal/imports/${id}`, { toastOnError: false });
    } catch (error) {
      this.$("[data-jr-progress-text]").textContent = `Still committing (${error.message}); checking again…`;
      this.polling = setTimeout(() => this.poll(id), POLL_MS * 3);
      return;
    }
    this.after(p);
  }

  stopPolling() {
    clearTimeout(this.polling);
    this.polling = null;
  }

  finish(p) {
    this.$("[data-jr-p-back]").disabled = false;
    this.$("[data-jr-progress]").hidden = true;
    const added = p.added ?? 0;
    const t = p.trades || this.preview?.trades || {};
    this.$("[data-jr-d-title]").textContent = `Imported ${added.toLocaleString("en-US")} execution${added === 1 ? "" : "s"}`;
    const dup = p.rows?.duplicates ? ` ${p.rows.duplicates} duplicate${p.rows.duplicates === 1 ? " was" : "s were"} left out.` : "";
    this.$("[data-jr-d-text]").textContent = `From ${p.format_label || p.format} into ${this.accountName(p.account_id)}: they make ${t.count ?? 0} trade${t.count === 1 ? "" : "s"} (${t.closed ?? 0} closed, ${t.open ?? 0} open).${dup}`;
    this.step("done");
    this.dialog.querySelector('[data-jr-step="done"] .btn-primary').focus();
    this.onCommitted(p);
  }
}
