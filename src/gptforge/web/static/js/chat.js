// The chat component: a conversation with a GPT (its live version, or its draft for the
// editor's Preview). Used by the chat page and embedded by the GPT editor:
//
//   import { mountChat } from "/static/js/chat.js";
//   const chat = mountChat(element, { gptId, draft: true, starters: [...] });
//   chat.reset();            // a new conversation (e.g. after the draft changed)
//
// Options: gptId (required), conversationId (continue one), draft (Preview), starters,
// prefill (text put in the box, never sent without pressing Send), gptName,
// onConversation(id) (a conversation was created), onTurnEnd() (a turn ended).
//
// Model text is rendered to HTML by the server (sanitized); everything else from the
// server is set as text. "Attach file" uploads to the conversation (made first when the
// chat is empty); call chips and files are drawn by chat-calls.js. Events follow the API's SSE stream: text_delta,
// tool_call_started, tool_call_finished, confirmation_required, auth_required, notice,
// error, done.

import { ApiError, api, messageOf, stream } from "./api.js";
import { callDetails, callLabel, fileChip, filesView, hostOf, operationOf, pre, pretty } from "./chat-calls.js";
import { h } from "./dom.js";
import { MarkdownBlock, renderMarkdown } from "./markdown.js";

const enc = encodeURIComponent;
const RECONNECTS = 3;

function summaryHost(summary) {
  const match = /\s(https?:\/\/\S+)/.exec(summary ?? "");
  return match ? hostOf(match[1]) : null;
}

/** What the chat says for API errors whose message is written for API clients. */
const CHAT_MESSAGES = {
  turn_running: "The previous answer is still being written on the server. Wait a moment, then send again (or reload to follow it).",
  decision_pending: "A call above waits for your decision (Allow or Decline) before the chat can go on.",
  sign_in_pending: "A call above waits for you to sign in first.",
};

/** What the chat says when an upload is refused (413 too large, 422 empty or too many). */
function uploadMessage(file, error) {
  if (error instanceof ApiError && (error.status === 413 || error.status === 422)) {
    return `Could not attach ${file.name}: ${error.message}`;
  }
  return `Could not attach ${file.name}: ${messageOf(error)}`;
}

function chatMessage(error) {
  return CHAT_MESSAGES[error?.code] ?? messageOf(error);
}

class Turn {
  /** One assistant answer: text blocks, call chips, prompts, errors. */
  constructor(chat) {
    this.chat = chat;
    this.element = h("div", { class: "message message-assistant" });
    this.blocks = [];
    this.current = null;
    this.tools = null;
    chat.log.append(this.element);
  }

  get text() {
    return this.blocks.map((b) => b.text).join("\n\n");
  }

  block() {
    if (!this.current) {
      const bubble = h("div", { class: "bubble" });
      this.element.append(bubble);
      this.current = new MarkdownBlock(bubble);
      this.blocks.push(this.current);
    }
    return this.current;
  }

  breakText() {
    this.current = null;
  }

  append(node) {
    this.breakText();
    this.element.append(node);
  }

  finish({ retry }) {
    this.tools?.remove();
    const copy = h("button", { type: "button", class: "small" }, "Copy");
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(this.text);
        copy.textContent = "Copied";
      } catch {
        copy.textContent = "Copy failed";
      }
      setTimeout(() => (copy.textContent = "Copy"), 2000);
    });
    const buttons = [];
    if (this.text.trim()) buttons.push(copy);
    if (retry) {
      const again = h("button", { type: "button", class: "small" }, "Retry");
      again.addEventListener("click", () => this.chat.retry());
      buttons.push(again);
    }
    if (buttons.length) {
      this.tools = h("div", { class: "message-tools" }, ...buttons);
      this.element.append(this.tools);
    }
  }
}

export class Chat {
  constructor(root, options) {
    this.root = root;
    this.options = { draft: false, starters: [], prefill: "", ...options };
    this.conversationId = this.options.conversationId ?? null;
    this.controller = null;
    this.turn = null;
    this.chips = new Map();
    this.prompts = new Map();
    this.hosts = new Map();
    this.operations = new Map();
    this.attached = [];
    this.unannounced = null;
    this.lastUserText = null;
    this.#build();
  }

  #build() {
    const id = `message-${Math.random().toString(36).slice(2, 8)}`;
    this.log = h("div", { class: "chat-log", role: "log", "aria-label": "Conversation", tabindex: "0" });
    this.status = h("p", { class: "chat-status", role: "status", "aria-live": "polite" });
    this.input = h("textarea", {
      id,
      name: "message",
      rows: "2",
      maxlength: "32000",
      required: true,
      placeholder: this.options.gptName ? `Message ${this.options.gptName}` : "Message",
    });
    this.input.value = this.options.prefill ?? "";
    this.send = h("button", { type: "submit", class: "primary" }, "Send");
    this.stop = h("button", { type: "button", hidden: true }, "Stop generating");
    this.fileInput = h("input", { type: "file", multiple: true, hidden: true, tabindex: "-1", "aria-hidden": "true" });
    this.attach = h("button", { type: "button", class: "attach", "aria-label": "Attach file", title: "Attach file" }, "Attach file");
    this.attachments = h("div", { class: "composer-files", "aria-label": "Attached files", role: "list", hidden: true });
    this.uploadError = h("p", { class: "form-error composer-error", role: "alert", hidden: true });
    this.form = h(
      "form",
      { class: "composer" },
      this.attachments,
      this.uploadError,
      h("label", { for: id, class: "visually-hidden" }, "Message"),
      this.input,
      h("div", { class: "composer-buttons" }, this.attach, this.fileInput, this.send, this.stop),
    );
    this.attach.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      const files = [...this.fileInput.files];
      this.fileInput.value = "";
      this.upload(files);
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.stop.addEventListener("click", () => this.#stopTurn());
    this.root.replaceChildren(this.log, this.status, this.form);
  }

  // ------------------------------------------------------------ loading

  async start() {
    if (this.conversationId) await this.#load();
    else this.#showEmpty();
  }

  #showEmpty() {
    const starters = this.options.starters ?? [];
    const empty = h(
      "div",
      { class: "chat-empty" },
      this.options.gptName ? h("h2", {}, this.options.gptName) : null,
      starters.length
        ? h(
            "ul",
            { class: "starter-list", "aria-label": "Conversation starters" },
            starters.map((starter) =>
              h("li", {}, h("button", { type: "button", onclick: () => this.sendText(starter) }, starter)),
            ),
          )
        : h("p", { class: "muted" }, "Ask anything to start."),
    );
    this.log.replaceChildren(empty);
  }

  async #load() {
    let conversation;
    try {
      conversation = await api(`/conversations/${enc(this.conversationId)}`);
    } catch (error) {
      this.#error(messageOf(error));
      return;
    }
    await this.#showHistory(conversation);
    if (conversation.status === "running" || conversation.status === "paused") {
      await this.#reattach(conversation.last_event_id, conversation.status);
    }
  }

  async #showHistory(conversation) {
    this.log.replaceChildren();
    this.chips.clear();
    this.prompts.clear();
    const uploads = await this.#uploads();
    if (!conversation.messages.length) {
      this.#showEmpty();
      this.attached = uploads; // attached, not sent yet: they go with the first message
      this.#showAttached();
      return;
    }
    if (uploads.length) this.log.append(h("div", { class: "message message-user" }, this.#fileChips(uploads)));
    const records = new Map(conversation.calls.map((c) => [c.call_id, c]));
    const outputs = new Map(
      conversation.messages.filter((m) => m.role === "tool").map((m) => [m.tool_call_id, m.content ?? ""]),
    );
    const awaiting = new Set(conversation.pending.filter((p) => p.reason === "confirmation").map((p) => p.call_id));
    const texts = [];
    let turn = null;
    for (const message of conversation.messages) {
      if (message.role === "user") {
        if (turn) turn.finish({ retry: false });
        turn = null;
        this.#userBubble(message.content ?? "");
        this.lastUserText = message.content ?? "";
      } else if (message.role === "assistant") {
        turn ??= new Turn(this);
        if (message.content) {
          texts.push([turn.block(), message.content]);
          turn.breakText();
        }
        for (const call of message.tool_calls ?? []) {
          if (awaiting.has(call.id)) continue; // not sent yet: its prompt comes from the events
          const done = records.get(call.id);
          const host = hostOf(done?.record?.url) ?? call.function?.name ?? "an API";
          this.operations.set(call.id, operationOf(call.function?.name, { record: done?.record }));
          this.#chip(turn, call.id, host, { done: Boolean(done), output: outputs.get(call.id), ...(done ?? {}) });
        }
      }
    }
    if (turn) this.turn = turn;
    try {
      const html = await renderMarkdown(texts.map(([, text]) => text));
      texts.forEach(([block, text], i) => block.set(text, html[i]));
    } catch {
      texts.forEach(([block, text]) => block.set(text));
    }
    if (turn && conversation.status !== "running" && conversation.status !== "paused") {
      turn.finish({ retry: true });
    }
    if (conversation.status === "interrupted") {
      this.#error("The server stopped while this answer was being written. Send your message again.", true);
    }
    this.#scroll();
  }

  /**
   * Follow a turn that is running (a reload mid-answer) or paused (a call waits):
   * replay the stored events and keep only those of the unfinished turn.
   */
  async #reattach(snapshotLast, status) {
    const buffered = [];
    let live = false;
    const keepPaused = new Set(["tool_call_started", "confirmation_required", "auth_required"]);
    this.turn ??= new Turn(this);
    const turn = this.turn;
    // where this tab saw the turn start (a reload): resume there rather than replay all
    const start = this.#turnStart();
    await this.#follow(async (signal) =>
      stream(`/conversations/${enc(this.conversationId)}/events`, {
        method: "GET",
        signal,
        lastEventId: start,
        onEvent: (event) => {
          this.lastSeen = event.id;
          const id = Number(event.id);
          if (live) return this.#handle(turn, event);
          if (event.event === "done" && id <= snapshotLast) {
            const kept = event.data.reason === "paused" ? buffered.filter((e) => keepPaused.has(e.event)) : [];
            buffered.splice(0, buffered.length, ...kept);
          } else buffered.push(event);
          if (id >= snapshotLast) {
            live = true;
            for (const item of buffered.splice(0)) this.#handle(turn, item);
          }
        },
      }),
      turn,
      { running: status === "running" },
    );
    if (!live) for (const item of buffered.splice(0)) this.#handle(turn, item);
  }

  // ------------------------------------------------------------ sending

  submit() {
    const text = this.input.value.trim();
    if (!text || this.controller) return;
    this.sendText(text);
  }

  retry() {
    if (this.lastUserText && !this.controller) this.sendText(this.lastUserText);
  }

  /**
   * Make the conversation if the chat is empty; false (error shown) when that failed.
   * With `announce` false the caller tells onConversation later (once the first message
   * is in, so the conversation list shows its title rather than "New chat").
   */
  async #ensureConversation(onError, announce = true) {
    if (this.conversationId) return true;
    try {
      const created = await api(`/gpts/${enc(this.options.gptId)}/conversations`, {
        method: "POST",
        body: { draft: Boolean(this.options.draft) },
      });
      this.conversationId = created.id;
      if (announce) this.options.onConversation?.(created.id);
      else this.unannounced = created.id;
      return true;
    } catch (error) {
      onError(messageOf(error));
      return false;
    }
  }

  /** Upload files to the conversation; each shows as a chip in the composer. */
  async upload(files) {
    if (!files.length) return;
    this.#uploadError(null);
    if (!(await this.#ensureConversation((message) => this.#uploadError(message)))) return;
    const problems = [];
    for (const file of files) {
      const form = new FormData();
      form.append("file", file, file.name);
      this.#setStatus(`Uploading ${file.name}…`);
      try {
        const stored = await api(`/conversations/${enc(this.conversationId)}/files`, { method: "POST", body: form });
        this.attached.push(stored);
        this.#showAttached();
      } catch (error) {
        problems.push(uploadMessage(file, error));
      }
    }
    this.#setStatus(this.controller ? "Answering…" : "");
    this.#uploadError(problems.length ? problems.join(" ") : null);
  }

  /** Tell the page about a conversation sendText made (its first message is in). */
  #announce() {
    const id = this.unannounced;
    this.unannounced = null;
    if (id && id === this.conversationId) this.options.onConversation?.(id);
  }

  #showAttached() {
    const chip = (file) => fileChip(file, () => this.#remove(file));
    this.attachments.replaceChildren(...this.attached.map((f) => h("span", { role: "listitem" }, chip(f))));
    this.attachments.hidden = !this.attached.length;
  }

  /** Delete an attached file before it is sent (the model is told it is gone). */
  async #remove(file) {
    try {
      await api(`/files/${enc(file.id)}`, { method: "DELETE" });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) {
        this.#uploadError(`Could not remove ${file.name}: ${messageOf(error)}`);
        return;
      }
    }
    this.attached = this.attached.filter((f) => f.id !== file.id);
    this.#showAttached();
    this.#uploadError(null);
    this.input.focus();
  }

  #uploadError(message) {
    this.uploadError.textContent = message ?? "";
    this.uploadError.hidden = !message;
  }

  /** The files the user uploaded to this conversation ([] when they cannot be listed). */
  async #uploads() {
    try {
      const files = await api(`/conversations/${enc(this.conversationId)}/files`);
      return files.filter((f) => !f.call_id);
    } catch {
      return []; // the messages still show; the list of uploads is a convenience
    }
  }

  #fileChips(files) {
    return h(
      "div",
      { class: "message-files", role: "list", "aria-label": "Attached files" },
      files.map((f) => h("span", { role: "listitem" }, fileChip(f))),
    );
  }

  async sendText(text) {
    if (this.controller) return;
    this.#setStatus("");
    if (!(await this.#ensureConversation((message) => this.#error(message), false))) return;
    this.log.querySelector(".chat-empty")?.remove();
    this.turn?.tools?.remove();
    this.input.value = "";
    this.lastUserText = text;
    this.#userBubble(text, this.attached.splice(0));
    this.#showAttached();
    this.turn = new Turn(this);
    const turn = this.turn;
    await this.#follow(
      (signal) =>
        stream(`/conversations/${enc(this.conversationId)}/messages`, {
          body: { content: text },
          signal,
          onEvent: (event) => {
            if (this.lastSeen === null) this.#rememberTurnStart(Number(event.id) - 1);
            this.#announce();
            this.lastSeen = event.id;
            this.#handle(turn, event);
          },
        }),
      turn,
    );
    this.#announce(); // the message was refused before any event: the conversation exists
  }

  async decide(turn, callId, decision) {
    this.prompts.get(callId)?.remove();
    this.prompts.delete(callId);
    await this.#follow(
      (signal) =>
        stream(`/conversations/${enc(this.conversationId)}/calls/${enc(callId)}/decision`, {
          body: { decision },
          signal,
          onEvent: (event) => {
            this.lastSeen = event.id;
            this.#handle(turn, event);
          },
        }),
      turn,
    );
  }

  /**
   * Run one stream for `turn`: busy state, Stop generating, errors, the end. A stream
   * that breaks off before `done` is resumed with Last-Event-ID (the turn runs on the
   * server whatever the connection does).
   */
  async #follow(open, turn, { running = true } = {}) {
    this.controller = new AbortController();
    const { signal } = this.controller;
    this.turnEnded = false;
    this.lastSeen = null;
    this.#busy(running);
    try {
      let next = open;
      for (let attempt = 1; ; attempt += 1) {
        try {
          await next(signal);
        } catch (error) {
          const dropped = !(error instanceof ApiError) || error.status === 0;
          if (error.name === "AbortError" || !dropped || this.lastSeen === null || attempt > RECONNECTS) throw error;
        }
        if (this.turnEnded || !running || signal.aborted) break;
        if (this.lastSeen === null || attempt > RECONNECTS) {
          this.#error("The connection to the server was lost. Reload the page to see the answer.", false, turn);
          break;
        }
        this.#setStatus("Reconnecting…");
        await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
        next = (again) =>
          stream(`/conversations/${enc(this.conversationId)}/events`, {
            method: "GET",
            lastEventId: this.lastSeen,
            signal: again,
            onEvent: (event) => {
              this.lastSeen = event.id;
              this.#handle(turn, event);
            },
          });
      }
    } catch (error) {
      if (error.name === "AbortError") {
        turn.append(h("p", { class: "notice-box" }, "Stopped following the answer. Reload to see the rest of it."));
        turn.finish({ retry: true });
      } else {
        this.#error(chatMessage(error), true, turn);
      }
    } finally {
      this.controller = null;
      this.#busy(false);
      await Promise.all(turn.blocks.map((b) => b.settled()));
      this.#scroll();
      this.options.onTurnEnd?.();
    }
  }

  /** Stop generating: the server ends the turn (the stream then ends with `done`,
   * reason `stopped`); if it cannot be asked, stop following the answer here. */
  async #stopTurn() {
    const controller = this.controller;
    if (!controller || !this.conversationId) return;
    this.stop.disabled = true;
    this.#setStatus("Stopping…");
    try {
      const answer = await api(`/conversations/${enc(this.conversationId)}/stop`, { method: "POST" });
      if (!answer.stopping) controller.abort();
    } catch {
      controller.abort();
    } finally {
      this.stop.disabled = false;
    }
  }

  #turnKey() {
    return `gptforge:turn-start:${this.conversationId}`;
  }

  #rememberTurnStart(id) {
    try {
      window.sessionStorage.setItem(this.#turnKey(), String(id));
    } catch {
      // storage unavailable (private mode): a reload replays the conversation's events
    }
  }

  #turnStart() {
    try {
      const value = window.sessionStorage.getItem(this.#turnKey());
      return value && /^\d+$/.test(value) ? value : null;
    } catch {
      return null;
    }
  }

  #forgetTurnStart() {
    try {
      window.sessionStorage.removeItem(this.#turnKey());
    } catch {
      // nothing stored
    }
  }

  // ------------------------------------------------------------ events

  #handle(turn, { event, data }) {
    switch (event) {
      case "text_delta":
        turn.block().append(data.text ?? "");
        break;
      case "tool_call_started": {
        const host = data.host ?? data.action ?? "an API";
        this.hosts.set(data.call_id, host);
        this.operations.set(data.call_id, operationOf(data.operation, { action: data.action }));
        this.#removePrompt(data.call_id, "confirmation");
        this.#chip(turn, data.call_id, host, { summary: data.summary });
        break;
      }
      case "tool_call_finished":
        this.#removePrompt(data.call_id);
        if (!this.operations.has(data.call_id)) this.operations.set(data.call_id, operationOf(data.operation, data));
        this.#chip(turn, data.call_id, this.hosts.get(data.call_id) ?? hostOf(data.record?.url) ?? data.action, {
          done: true,
          output: data.excerpt,
          ...data,
        });
        break;
      case "confirmation_required":
        this.#confirmation(turn, data);
        break;
      case "auth_required":
        this.#signIn(turn, data);
        break;
      case "accepted":
        break; // the message is stored; the turn's own events follow
      case "waiting":
        this.#setStatus(
          data.position > 0
            ? `Waiting for the model: ${data.position === 1 ? "you are next" : `${data.position - 1} ahead of you`}…`
            : "Answering…",
        );
        break;
      case "notice":
        turn.append(h("p", { class: "notice-box" }, data.message));
        break;
      case "error":
        this.#error(data.message, true, turn);
        break;
      case "done":
        this.turnEnded = true;
        if (data.reason !== "paused") {
          this.#forgetTurnStart();
          if (data.reason === "step_limit") {
            turn.append(h("p", { class: "notice-box" }, "The GPT stopped after too many steps in one answer. Ask again to continue."));
          } else if (data.reason === "stopped") {
            turn.append(h("p", { class: "notice-box" }, "Stopped. The answer ends here."));
          }
          turn.finish({ retry: true });
        }
        break;
      default:
        break;
    }
    this.#scroll();
  }

  #chip(turn, callId, host, info) {
    let chip = this.chips.get(callId);
    if (!chip) {
      chip = h("details", { class: "chip" }, h("summary", {}), h("div", { class: "chip-body" }));
      this.chips.set(callId, chip);
      turn.append(chip);
    }
    const operation = this.operations.get(callId) ?? "";
    const failed = info.done && info.status && info.status !== "ok";
    chip.classList.toggle("chip-failed", Boolean(failed));
    chip.dataset.operation = operation;
    const label = callLabel(operation, host, info);
    chip.querySelector("summary").textContent = failed ? `${label} (${info.status.replaceAll("_", " ")})` : label;
    const body = chip.querySelector(".chip-body");
    if (info.done) body.replaceChildren(...callDetails(operation, info, info.output));
    else if (info.summary) body.replaceChildren(pre(info.summary));
    const files = info.done ? filesView(info.files) : null;
    if (files && !chip.nextElementSibling?.classList.contains("call-files")) chip.after(files);
  }

  #removePrompt(callId) {
    this.prompts.get(callId)?.remove();
    this.prompts.delete(callId);
  }

  #confirmation(turn, data) {
    this.#removePrompt(data.call_id);
    const host = summaryHost(data.summary) ?? data.action;
    const button = (label, decision, primary = false) =>
      h("button", { type: "button", class: primary ? "primary" : "", onclick: () => this.decide(turn, data.call_id, decision) }, label);
    const box = h(
      "div",
      { class: "decision", role: "group", "aria-label": `Allow the call to ${host}?` },
      h("p", {}, h("strong", {}, `${data.action || "The GPT"} wants to talk to ${host}`)),
      pre(data.summary),
      data.allow_always ? null : h("p", { class: "small muted" }, "This operation can change things, so every call asks you first."),
      Object.keys(data.arguments ?? {}).length ? pre(pretty(data.arguments)) : null,
      h(
        "div",
        { class: "row" },
        button("Allow", "allow", true),
        data.allow_always ? button("Always allow", "always_allow") : null,
        button("Decline", "deny"),
      ),
    );
    this.prompts.set(data.call_id, box);
    turn.append(box);
    box.querySelector("button")?.focus();
  }

  #signIn(turn, data) {
    this.#removePrompt(data.call_id);
    const host = this.hosts.get(data.call_id) ?? data.action ?? "the API";
    const box = h(
      "div",
      { class: "decision", role: "group", "aria-label": `Sign in to ${host}` },
      h("p", {}, `${data.action || "This action"} needs you to sign in to ${host} first. You come back here afterwards and the answer continues.`),
      h("a", { class: "button primary", href: data.authorization_url }, `Sign in to ${host}`),
    );
    this.prompts.set(data.call_id, box);
    turn.append(box);
  }

  // ------------------------------------------------------------ view

  #userBubble(text, files = []) {
    const chips = files.length ? this.#fileChips(files) : null;
    this.log.append(h("div", { class: "message message-user" }, chips, h("div", { class: "bubble" }, text)));
  }

  #error(message, retry = false, turn = null) {
    const box = h("div", { class: "error-box", role: "alert" }, h("p", {}, message));
    if (retry && this.lastUserText) {
      box.append(h("button", { type: "button", class: "small", onclick: () => this.retry() }, "Retry"));
    }
    if (turn) {
      turn.tools?.remove();
      turn.append(box);
    } else this.log.append(box);
  }

  #busy(on) {
    this.send.disabled = on;
    this.attach.disabled = on;
    this.stop.hidden = !on;
    this.log.setAttribute("aria-busy", on ? "true" : "false");
    this.#setStatus(on ? "Answering…" : "");
  }

  #setStatus(text) {
    this.status.textContent = text;
  }

  #scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Start over with a new conversation (the editor after the draft changed). */
  reset(options = {}) {
    this.controller?.abort();
    Object.assign(this.options, options);
    this.conversationId = null;
    this.turn = null;
    this.chips.clear();
    this.prompts.clear();
    this.operations.clear();
    this.attached = [];
    this.#showAttached();
    this.#uploadError(null);
    this.lastUserText = null;
    this.#showEmpty();
  }
}

/** Mount a chat in `element`; returns the Chat (see the options at the top). */
export function mountChat(element, options) {
  const chat = new Chat(element, options);
  chat.start();
  return chat;
}
