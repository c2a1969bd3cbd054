// A small chat view for the editor's two conversations: the builder (Create tab) and the
// Preview of the draft. Text from the model or an API is always set as text (never HTML).
// Each tool call is a chip ("Talked to <host>") that expands to the redacted request and
// response; calls that need the user's confirmation get Allow / Always allow / Decline.

import { stream, messageOf } from "./api.js";
import { h } from "./dom.js";

function hostOf(record) {
  try {
    return record?.url?.startsWith("http") ? new URL(record.url).host : null;
  } catch {
    return null;
  }
}

const BUILDER_TOOLS = { update_draft: "Updated the draft" };

function chipLabel(data) {
  if (data.action === "GPT builder" && BUILDER_TOOLS[data.operation]) return BUILDER_TOOLS[data.operation];
  if (data.host) return `Talked to ${data.host}`;
  return `Used ${data.action || "a tool"}`;
}

function recordText(record) {
  if (!record) return "";
  const headers = Object.entries(record.request_headers ?? {}).map(([k, v]) => `${k}: ${v}`).join("\n");
  const request = [`${record.method} ${record.url}`, headers, record.request_body_excerpt].filter(Boolean).join("\n");
  const response = [record.status !== null && record.status !== undefined ? `HTTP ${record.status}` : "No response", record.error ?? "", record.response_excerpt]
    .filter(Boolean).join("\n");
  return `${request}\n\n${response}`;
}

/**
 * A chat in `log` (an <ol>) with its `status` line. `send(content)` resolves when the turn
 * ends. `path(content)` is where a message is posted; `onEvent(event)` sees every event.
 */
export function chatView({ log, status, path, conversationId, onEvent = () => {} }) {
  const chips = new Map();
  let busyTurn = false;
  let bubble = null;

  function add(role, text = "") {
    const body = h("div", { class: "bubble" }, text);
    const item = h("li", { class: `message message-${role}` }, h("span", { class: "visually-hidden" }, role === "user" ? "You: " : "Reply: "), body);
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
    return body;
  }

  function chip(data) {
    data = { ...data, host: data.host ?? hostOf(data.record) };
    const summary = h("summary", {}, chipLabel(data));
    const detail = h("pre", { class: "chip-body" }, data.summary ?? "");
    const element = h("details", { class: "chip", dataset: { operation: data.operation ?? "" } }, summary, detail);
    log.append(h("li", { class: "message message-tools" }, element));
    chips.set(data.call_id, { element, summary, detail, data });
    return chips.get(data.call_id);
  }

  function finishChip(data) {
    const found = chips.get(data.call_id) ?? chip(data);
    const ok = data.status === "ok";
    found.element.classList.toggle("chip-failed", !ok);
    const builderTool = found.data.action === "GPT builder" && BUILDER_TOOLS[found.data.operation];
    found.summary.textContent = builderTool && !ok
      ? "Could not change the draft"
      : `${chipLabel(found.data)}${ok ? "" : ` (${data.status.replaceAll("_", " ")})`}`;
    const lines = [recordText(data.record), data.message ? `\n${data.message}` : ""].join("");
    found.detail.textContent = lines || data.excerpt || "";
  }

  function decision(data) {
    const buttons = h("div", { class: "row" });
    const box = h("li", { class: "message message-tools decision", role: "group", "aria-label": "Confirm the call" },
      h("p", {}, `${data.action} wants to run ${data.operation}: `, h("code", {}, data.summary)), buttons);
    const choices = [["allow", "Allow"], ...(data.allow_always ? [["always_allow", "Always allow"]] : []), ["deny", "Decline"]];
    for (const [value, label] of choices) {
      buttons.append(h("button", {
        type: "button", class: value === "allow" ? "primary small" : "small",
        onclick: async () => {
          box.remove();
          await run(`/conversations/${encodeURIComponent(conversationId())}/calls/${encodeURIComponent(data.call_id)}/decision`, { decision: value });
        },
      }, label));
    }
    log.append(box);
    buttons.querySelector("button").focus();
  }

  function handle(event) {
    const data = event.data;
    switch (event.event) {
      case "text_delta":
        bubble ??= add("assistant");
        bubble.textContent += data.text;
        break;
      case "tool_call_started":
        chip(data);
        bubble = null;
        break;
      case "tool_call_finished":
        finishChip(data);
        bubble = null;
        break;
      case "confirmation_required":
        decision(data);
        break;
      case "auth_required":
        log.append(h("li", { class: "message message-tools" },
          h("a", { class: "button small", href: data.authorization_url }, `Sign in to ${data.action}`)));
        break;
      case "notice":
        status.textContent = data.message;
        break;
      case "error":
        log.append(h("li", { class: "message message-error", role: "alert" }, data.message));
        break;
      case "waiting":
        status.textContent = data.message ?? "Waiting for the model…";
        break;
      default:
        break;
    }
    onEvent(event);
  }

  async function run(url, body) {
    busyTurn = true;
    bubble = null;
    status.textContent = "Working…";
    try {
      await stream(url, { body, onEvent: handle });
      status.textContent = "";
    } catch (error) {
      status.textContent = "";
      log.append(h("li", { class: "message message-error", role: "alert" }, messageOf(error)));
    } finally {
      busyTurn = false;
      bubble = null;
    }
  }

  return {
    get busy() {
      return busyTurn;
    },
    clear() {
      log.replaceChildren();
      chips.clear();
      status.textContent = "";
    },
    /** Show a stored conversation (GET /conversations/{id}): its messages and calls. */
    show(conversation) {
      this.clear();
      const calls = new Map(conversation.calls.map((c) => [c.call_id, c]));
      for (const message of conversation.messages) {
        if (message.role === "user") add("user", message.content ?? "");
        if (message.role === "assistant" && message.content) add("assistant", message.content);
        for (const call of message.tool_calls ?? []) {
          const done = calls.get(call.id);
          const data = { call_id: call.id, operation: call.function?.name, action: done?.record?.action, record: done?.record, summary: "" };
          chip(data);
          if (done) finishChip({ ...data, status: done.status, record: done.record, message: done.message });
        }
      }
    },
    async send(content) {
      add("user", content);
      await run(await path(content), { content });
    },
    /** Follow a turn still running (after a reload) from the event after `after`. */
    async follow(id, after) {
      busyTurn = true;
      try {
        await stream(`/conversations/${encodeURIComponent(id)}/events`, { method: "GET", lastEventId: after, onEvent: handle });
      } finally {
        busyTurn = false;
      }
    },
  };
}

/** Wire a composer form to a chat: Enter sends, Shift+Enter is a new line. */
export function composer(form, chat) {
  const field = form.querySelector("textarea");
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const content = field.value.trim();
    if (!content || chat.busy) return;
    field.value = "";
    button.disabled = true;
    try {
      await chat.send(content);
    } finally {
      button.disabled = false;
      field.focus();
    }
  });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
