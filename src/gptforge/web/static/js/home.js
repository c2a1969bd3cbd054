// Home: my GPTs (with "Create a GPT") and the store's search.

import { api, messageOf } from "./api.js";
import { busy, h, showError } from "./dom.js";

const VISIBILITY = { private: "Only me", link: "Anyone with the link", public: "Everyone" };

function myGptItem(gpt) {
  const published = gpt.live_version !== null;
  return h(
    "li",
    { class: "gpt-row" },
    h(
      "div",
      { class: "gpt-row-main" },
      h("a", { href: `/gpts/${encodeURIComponent(gpt.id)}/edit`, class: "gpt-name" }, gpt.name),
      h("p", { class: "muted" }, gpt.description || "No description yet."),
    ),
    h(
      "div",
      { class: "gpt-row-meta" },
      h("span", { class: `badge ${published ? "badge-live" : "badge-draft"}` }, published ? "Published" : "Draft"),
      published ? h("span", { class: `badge badge-${gpt.visibility}` }, VISIBILITY[gpt.visibility]) : null,
      published ? h("a", { href: `/g/${encodeURIComponent(gpt.id)}` }, "View", h("span", { class: "visually-hidden" }, ` ${gpt.name}`)) : null,
    ),
  );
}

async function loadMine() {
  const list = document.querySelector("[data-my-gpts]");
  const empty = document.querySelector("[data-my-gpts-empty]");
  try {
    const gpts = await api("/gpts");
    list.replaceChildren(...gpts.map(myGptItem));
    empty.hidden = gpts.length > 0;
  } catch (error) {
    showError(list.parentElement, messageOf(error));
  } finally {
    list.removeAttribute("aria-busy");
  }
}

function storeCard(gpt) {
  const conversations = gpt.conversation_count === 1 ? "1 conversation" : `${gpt.conversation_count} conversations`;
  return h(
    "li",
    { class: "card gpt-card" },
    h("h3", {}, h("a", { href: `/g/${encodeURIComponent(gpt.id)}` }, gpt.name)),
    h("p", {}, gpt.description),
    h(
      "p",
      { class: "muted small" },
      `By ${gpt.builder_name}`,
      gpt.category ? ` · ${gpt.category}` : "",
      ` · ${conversations}`,
    ),
  );
}

const store = { cursor: null, params: null };

async function searchStore({ more = false } = {}) {
  const form = document.querySelector("[data-store-form]");
  const results = document.querySelector("[data-store-results]");
  const status = document.querySelector("[data-store-status]");
  const moreButton = document.querySelector("[data-store-more]");
  if (!more) {
    const values = new FormData(form);
    store.params = new URLSearchParams();
    for (const name of ["q", "category", "sort"]) {
      const value = String(values.get(name) ?? "").trim();
      if (value) store.params.set(name, value);
    }
    store.cursor = null;
  }
  const params = new URLSearchParams(store.params);
  if (more && store.cursor) params.set("cursor", store.cursor);
  status.textContent = "Searching…";
  results.setAttribute("aria-busy", "true");
  try {
    const page = await api(`/store?${params}`);
    const cards = page.items.map(storeCard);
    if (more) results.append(...cards);
    else results.replaceChildren(...cards);
    store.cursor = page.next_cursor;
    moreButton.hidden = !page.next_cursor;
    const shown = results.children.length;
    const query = store.params.get("q");
    status.textContent = shown
      ? `${shown} GPT${shown === 1 ? "" : "s"}${query ? ` matching “${query}”` : ""}.`
      : query
        ? `No public GPT matches “${query}”.`
        : "No public GPTs yet.";
  } catch (error) {
    status.textContent = messageOf(error);
  } finally {
    results.removeAttribute("aria-busy");
  }
}

async function createGpt(button) {
  try {
    const gpt = await busy(button, () => api("/gpts", { method: "POST", body: { name: "New GPT" } }));
    window.location.assign(`/gpts/${encodeURIComponent(gpt.id)}/edit`);
  } catch (error) {
    showError(button.closest("section"), messageOf(error));
  }
}

document.querySelector("[data-create-gpt]").addEventListener("click", (event) => createGpt(event.currentTarget));
document.querySelector("[data-store-form]").addEventListener("submit", (event) => {
  event.preventDefault();
  searchStore();
});
document.querySelector("[data-store-more]").addEventListener("click", () => searchStore({ more: true }));
loadMine();
searchStore();
