// The chat page: the conversation list (rename, delete) and the chat component.

import { api, messageOf } from "./api.js";
import { mountChat } from "./chat.js";
import { h, showError } from "./dom.js";

const options = JSON.parse(document.getElementById("chat-options").textContent);
const list = document.querySelector("[data-conversations]");
const sidebarError = document.querySelector("[data-sidebar-error]");
let current = options.conversationId;

function item(conversation) {
  const title = conversation.title || "New chat";
  const link = h("a", { href: `/c/${encodeURIComponent(conversation.id)}` }, title);
  const row = h("li", { "aria-current": conversation.id === current ? "page" : null }, link);
  const rename = h("button", { type: "button", "aria-label": `Rename “${title}”` }, "Rename");
  const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete “${title}”` }, "Delete");
  rename.addEventListener("click", () => startRename(row, conversation));
  remove.addEventListener("click", () => deleteConversation(conversation, title));
  row.append(rename, remove);
  return row;
}

function startRename(row, conversation) {
  const id = `rename-${conversation.id}`;
  const input = h("input", { id, value: conversation.title || "", maxlength: "200" });
  const form = h(
    "form",
    { class: "row" },
    h("label", { for: id, class: "visually-hidden" }, "Conversation title"),
    input,
    h("button", { type: "submit", class: "small" }, "Save"),
    h("button", { type: "button", class: "small", onclick: () => refresh() }, "Cancel"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/conversations/${encodeURIComponent(conversation.id)}`, {
        method: "PATCH",
        body: { title: input.value },
      });
      showError(sidebarError, null);
      await refresh();
    } catch (error) {
      showError(sidebarError, messageOf(error));
    }
  });
  row.replaceChildren(form);
  input.focus();
  input.select();
}

async function deleteConversation(conversation, title) {
  if (!window.confirm(`Delete the conversation “${title}”? This cannot be undone.`)) return;
  try {
    await api(`/conversations/${encodeURIComponent(conversation.id)}`, { method: "DELETE" });
    if (conversation.id === current) {
      window.location.assign(`/g/${encodeURIComponent(options.gptId)}/chat`);
      return;
    }
    await refresh();
  } catch (error) {
    showError(sidebarError, messageOf(error));
  }
}

async function refresh() {
  try {
    const conversations = await api("/conversations");
    list.replaceChildren(...conversations.filter((c) => !c.draft).map(item));
  } catch (error) {
    showError(sidebarError, messageOf(error));
  }
}

mountChat(document.querySelector("[data-chat]"), {
  ...options,
  onConversation(id) {
    current = id;
    window.history.replaceState(null, "", `/c/${encodeURIComponent(id)}`);
    refresh();
  },
  onTurnEnd: refresh,
});
refresh();
