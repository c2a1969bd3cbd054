// The Create tab: a conversation with the GPT builder, which fills in the draft through
// the platform's own API (its update_draft calls). After each change, Configure and
// Preview show the new draft.

import { api, messageOf } from "./api.js";
import { chatView, composer } from "./editor-chat.js";

export function setupBuilder({ gptId, panel, beforeSend, onDraftChanged }) {
  const log = panel.querySelector("[data-builder-log]");
  const status = panel.querySelector("[data-builder-status]");
  const form = panel.querySelector("[data-builder-form]");
  let conversationId = null;

  const chat = chatView({
    log,
    status,
    path: async () => {
      await beforeSend().catch(() => {}); // an unsaved form says why on its own
      return `/gpts/${gptId}/builder/messages`;
    },
    conversationId: () => conversationId,
    onEvent(event) {
      const data = event.data;
      if (event.event === "tool_call_finished" && data.operation === "update_draft" && data.status === "ok") {
        onDraftChanged().catch((error) => (status.textContent = messageOf(error)));
      }
    },
  });
  composer(form, chat);

  async function load() {
    const conversation = await api(`/gpts/${gptId}/builder`);
    conversationId = conversation.id;
    chat.show(conversation);
    if (conversation.status === "running") {
      status.textContent = "The builder is still working…";
      await chat.follow(conversation.id, conversation.last_event_id);
      chat.show(await api(`/gpts/${gptId}/builder`));
    }
  }

  panel.querySelector("[data-builder-reset]").addEventListener("click", async () => {
    if (chat.busy) return;
    try {
      await api(`/gpts/${gptId}/builder`, { method: "DELETE" });
      chat.clear();
    } catch (error) {
      status.textContent = messageOf(error);
    }
  });

  load().catch((error) => (status.textContent = messageOf(error)));
}
