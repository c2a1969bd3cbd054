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
// server is set as text. Events follow the API's SSE stream: text_delta,
// tool_call_started, tool_call_finished, confirmation_required, auth_required, notice,
// error, done.

import { api, messageOf, stream } from "./api.js";
import { h } from "./dom.js";
import { MarkdownBlock, renderMarkdown } from "./markdown.js";

const enc = encodeURIComponent;

function hostOf(url) {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

function summaryHost(summary) {
  const match = /\s(https?:\/\/\S+)/.exec(summary ?? "");
  return match ? hostOf(match[1]) : null;
}

/** A preformatted block that scrolls: focusable, so keyboard users can scroll it. */
function pre(text) {
  return h("pre", { tabindex: "0" }, text);
}

function pretty(value) {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

/** The expanded part of a call chip: the redacted request and response. */
function recordView(record, message) {
  const parts = [];
  if (message) parts.push(h("p", { class: "notice-box" }, message));
  if (!record) return parts;
  const request = [`${record.method} ${record.url}`];
  for (const [name, value] of Object.entries(record.request_headers ?? {})) request.push(`${name}: ${value}`);
  if (record.request_body_excerpt) request.push("", record.request_body_excerpt);
  parts.push(h("h4", { class: "small" }, "Request"), pre(request.join("\n")));
  const status = record.status ? `HTTP ${record.status}` : "No response";
  const timing = record.duration_ms ? ` · ${Math.round(record.duration_ms)} ms` : "";
  parts.push(h("h4", { class: "small" }, `Response (${status}${timing})`));
  if (record.error) parts.push(h("p", {}, record.error));
  if (record.response_excerpt) parts.push(pre(pretty(record.response_excerpt)));
  return parts;
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
    this.lastUserText = null;
    this.#build();
  }

  #build() {
    const id = `message-${Math.random().toString(36).slice(2, 8)}`;
    this.log = h("div", { class: "chat-log", role: "log", "aria-label": "Conversation", tabindex: "0" });
    this.status = h("p", { class: "chat-status", role: "status", "aria-live": "polite" });
    this.input = h("textarea", { id, name: "message", rows: "2", maxlength: "32000", required: true });
    this.input.value = this.options.prefill ?? "";
    this.send = h("button", { type: "submit", class: "primary" }, "Send");
    this.stop = h("button", { type: "button", hidden: true }, "Stop generating");
    this.form = h(
      "form",
      { class: "composer" },
      h("label", { for: id, class: "visually-hidden" }, "Message"),
      this.input,
      h("div", { class: "composer-buttons" }, this.send, this.stop),
    );
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
    this.stop.addEventListener("click", () => this.controller?.abort());
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
    if (!conversation.messages.length) {
      this.#showEmpty();
      return;
    }
    const records = new Map(conversation.calls.map((c) => [c.call_id, c]));
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
          this.#chip(turn, call.id, host, { done: Boolean(done), ...(done ?? {}) });
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
    await this.#follow(async (signal) =>
      stream(`/conversations/${enc(this.conversationId)}/events`, {
        method: "GET",
        signal,
        onEvent: (event) => {
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

  async sendText(text) {
    if (this.controller) return;
    this.#setStatus("");
    if (!this.conversationId) {
      try {
        const created = await api(`/gpts/${enc(this.options.gptId)}/conversations`, {
          method: "POST",
          body: { draft: Boolean(this.options.draft) },
        });
        this.conversationId = created.id;
        this.options.onConversation?.(created.id);
      } catch (error) {
        this.#error(messageOf(error));
        return;
      }
    }
    this.log.querySelector(".chat-empty")?.remove();
    this.turn?.tools?.remove();
    this.input.value = "";
    this.lastUserText = text;
    this.#userBubble(text);
    this.turn = new Turn(this);
    const turn = this.turn;
    await this.#follow(
      (signal) =>
        stream(`/conversations/${enc(this.conversationId)}/messages`, {
          body: { content: text },
          signal,
          onEvent: (event) => this.#handle(turn, event),
        }),
      turn,
    );
  }

  async decide(turn, callId, decision) {
    this.prompts.get(callId)?.remove();
    this.prompts.delete(callId);
    await this.#follow(
      (signal) =>
        stream(`/conversations/${enc(this.conversationId)}/calls/${enc(callId)}/decision`, {
          body: { decision },
          signal,
          onEvent: (event) => this.#handle(turn, event),
        }),
      turn,
    );
  }

  /** Run one stream for `turn`: busy state, Stop generating, errors, the end. */
  async #follow(open, turn, { running = true } = {}) {
    this.controller = new AbortController();
    this.turnEnded = false;
    this.#busy(running);
    try {
      await open(this.controller.signal);
      if (!this.turnEnded && running && !this.controller.signal.aborted) {
        // the stream ended without `done`: the connection dropped mid-answer
        this.#error("The connection to the server was lost. Reload the page to see the answer.", false, turn);
      }
    } catch (error) {
      if (error.name === "AbortError") {
        turn.append(h("p", { class: "notice-box" }, "Stopped. The server finishes this answer on its own; reload to see all of it."));
        turn.finish({ retry: true });
      } else {
        this.#error(messageOf(error), true, turn);
      }
    } finally {
      this.controller = null;
      this.#busy(false);
      await Promise.all(turn.blocks.map((b) => b.settled()));
      this.#scroll();
      this.options.onTurnEnd?.();
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
        this.#removePrompt(data.call_id, "confirmation");
        this.#chip(turn, data.call_id, host, { summary: data.summary });
        break;
      }
      case "tool_call_finished":
        this.#removePrompt(data.call_id);
        this.#chip(turn, data.call_id, this.hosts.get(data.call_id) ?? hostOf(data.record?.url) ?? data.action, {
          done: true,
          ...data,
        });
        break;
      case "confirmation_required":
        this.#confirmation(turn, data);
        break;
      case "auth_required":
        this.#signIn(turn, data);
        break;
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
          if (data.reason === "step_limit") {
            turn.append(h("p", { class: "notice-box" }, "The GPT stopped after too many steps in one answer. Ask again to continue."));
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
    const failed = info.done && info.status && info.status !== "ok";
    chip.classList.toggle("chip-failed", Boolean(failed));
    const label = info.done ? `Talked to ${host}` : `Talking to ${host}…`;
    chip.querySelector("summary").textContent = failed ? `${label} (${info.status.replaceAll("_", " ")})` : label;
    const body = chip.querySelector(".chip-body");
    if (info.done) body.replaceChildren(...recordView(info.record, info.message));
    else if (info.summary) body.replaceChildren(pre(info.summary));
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

  #userBubble(text) {
    this.log.append(h("div", { class: "message message-user" }, h("div", { class: "bubble" }, text)));
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
