// Preview: a chat with the draft (a conversation with "draft": true), started on the first
// message. A change to the draft starts it over, as the GPT it talks to changed.

import { api } from "./api.js";
import { h } from "./dom.js";
import { chatView, composer } from "./editor-chat.js";

export function setupPreview(container, restartButton, gptId) {
  const log = h("ol", { class: "chat-log", "aria-label": "Preview conversation", "aria-live": "polite" });
  const starters = h("ul", { class: "starter-list", "aria-label": "Conversation starters" });
  const status = h("p", { class: "chat-status", role: "status" });
  const field = h("textarea", { id: "preview-message", name: "content", rows: "2", maxlength: "32000", placeholder: "Message the draft…" });
  const form = h("form", { class: "composer" },
    h("label", { for: "preview-message", class: "visually-hidden" }, "Message"),
    field,
    h("div", { class: "composer-buttons" }, h("button", { type: "submit", class: "primary" }, "Send")));
  container.append(starters, log, status, form);

  let conversationId = null;
  let stale = false;
  let current = [];

  const chat = chatView({
    log,
    status,
    path: async () => {
      if (!conversationId) {
        const created = await api(`/gpts/${gptId}/conversations`, { method: "POST", body: { draft: true } });
        conversationId = created.id;
      }
      return `/conversations/${encodeURIComponent(conversationId)}/messages`;
    },
    conversationId: () => conversationId,
  });
  composer(form, chat);

  function showStarters() {
    starters.replaceChildren(
      ...current.map((text) =>
        h("li", {}, h("button", {
          type: "button",
          class: "small",
          onclick: () => {
            starters.replaceChildren();
            chat.send(text);
          },
        }, text)),
      ),
    );
  }

  function restart() {
    if (chat.busy) {
      stale = true;
      return;
    }
    stale = false;
    conversationId = null;
    chat.clear();
    showStarters();
  }

  restartButton.addEventListener("click", restart);
  form.addEventListener("submit", () => starters.replaceChildren());
  setInterval(() => stale && restart(), 1000);

  return {
    /** The draft changed: show its starters and start the chat over. */
    draftChanged(gpt) {
      if (gpt) current = gpt.conversation_starters ?? [];
      restart();
    },
  };
}
