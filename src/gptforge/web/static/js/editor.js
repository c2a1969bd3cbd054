// The GPT editor: Create (the builder) and Configure tabs beside a live Preview of the draft.
// Configure saves to the draft (PATCH /api/v1/gpts/{id}) a moment after each change and on
// "Save"; leaving with unsaved changes asks first.

import { api, messageOf } from "./api.js";
import { h, showError } from "./dom.js";
import { setupActions } from "./editor-actions.js";
import { setupBuilder } from "./editor-builder.js";
import { setupPreview } from "./editor-preview.js";
import { setupImport, setupPublish, setupVersions } from "./editor-publish.js";

const root = document.querySelector("[data-editor]");
const gptId = root.dataset.gptId;
const form = root.querySelector("[data-configure-form]");
const saveState = root.querySelector("[data-save-state]");
const pane = root.querySelector(".editor-pane");
const AUTOSAVE_MS = 800;
const MAX_STARTERS = 4;
const INSTRUCTIONS_MAX = 8000;

const state = { gpt: null, edits: 0, savedEdits: 0, saving: null, timer: null };

// ------------------------------------------------------------------ saved state

function setSaveState(text, kind = "") {
  saveState.textContent = text;
  saveState.dataset.state = kind;
}

function isDirty() {
  return state.edits !== state.savedEdits;
}

window.addEventListener("beforeunload", (event) => {
  if (isDirty() || state.saving) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// --------------------------------------------------------------------- starters

function starterRow(list, value, label) {
  const index = list.children.length + 1;
  const input = h("input", {
    value,
    maxlength: "500",
    "aria-label": `${label} ${index}`,
    "data-starter": "",
    placeholder: "A message a user could start with",
  });
  const remove = h("button", { type: "button", class: "small", "aria-label": `Remove ${label.toLowerCase()} ${index}` }, "Remove");
  const row = h("li", { class: "row starter-row" }, input, remove);
  remove.addEventListener("click", () => {
    row.remove();
    renumber(list, label);
    updateAddButtons();
    changed();
  });
  return row;
}

function renumber(list, label) {
  [...list.children].forEach((row, i) => {
    row.querySelector("input").setAttribute("aria-label", `${label} ${i + 1}`);
    row.querySelector("button").setAttribute("aria-label", `Remove ${label.toLowerCase()} ${i + 1}`);
  });
}

function starterLabel(fieldset) {
  return fieldset.dataset.starters === "conversation_starters" ? "Conversation starter" : "Returning-user starter";
}

function fillStarters(fieldset, values) {
  const list = fieldset.querySelector("[data-starter-list]");
  list.replaceChildren();
  for (const value of values) list.append(starterRow(list, value, starterLabel(fieldset)));
}

function updateAddButtons() {
  for (const fieldset of form.querySelectorAll("[data-starters]")) {
    const count = fieldset.querySelector("[data-starter-list]").children.length;
    fieldset.querySelector("[data-add-starter]").disabled = count >= MAX_STARTERS;
  }
}

for (const fieldset of form.querySelectorAll("[data-starters]")) {
  fieldset.querySelector("[data-add-starter]").addEventListener("click", () => {
    const list = fieldset.querySelector("[data-starter-list]");
    const row = starterRow(list, "", starterLabel(fieldset));
    list.append(row);
    updateAddButtons();
    row.querySelector("input").focus();
  });
}

// --------------------------------------------------------------- model choice

const modelSelect = form.elements.model;
const modelHint = root.querySelector("#model-hint");

function modelKey(choice) {
  return JSON.stringify([choice?.provider ?? "auto", choice?.model ?? null]);
}

/** Select the GPT's model; one this server does not offer now stays, marked as such. */
function fillModel(choice) {
  if (modelSelect.disabled) return; // the choices are not loaded yet
  const key = modelKey(choice);
  if (![...modelSelect.options].some((option) => option.value === key)) {
    const name = choice?.model ?? choice?.provider ?? "auto";
    modelSelect.append(h("option", { value: key }, `${name} (not offered by this server now)`));
  }
  modelSelect.value = key;
}

function chosenModel() {
  const [provider, model] = JSON.parse(modelSelect.value || modelKey(null));
  return { provider, model, temperature: state.gpt?.model?.temperature ?? null };
}

async function loadModelChoices() {
  const { choices, note } = await api("/models");
  modelSelect.replaceChildren(...choices.map((c) => h("option", { value: modelKey(c) }, c.label)));
  modelSelect.disabled = false;
  modelHint.textContent = note
    ? `The model server's list is not available: ${note}`
    : "The model that answers in this GPT's chats. The server default follows the administrator's settings.";
  fillModel(state.gpt?.model);
}

// ------------------------------------------------------------------ the form

function starterValues(name) {
  const fieldset = form.querySelector(`[data-starters="${name}"]`);
  return [...fieldset.querySelectorAll("[data-starter]")].map((i) => i.value.trim()).filter(Boolean);
}

function collect() {
  const capabilities = {};
  for (const box of form.querySelectorAll("[data-capability]")) capabilities[box.dataset.capability] = box.checked;
  return {
    name: form.elements.name.value.trim(),
    description: form.elements.description.value,
    instructions: form.elements.instructions.value,
    conversation_starters: starterValues("conversation_starters"),
    returning_user_starters: starterValues("returning_user_starters"),
    capabilities,
    category: form.elements.category.value || null,
    ...(modelSelect.disabled ? {} : { model: chosenModel() }),
  };
}

function countInstructions() {
  const length = form.elements.instructions.value.length;
  const counter = form.querySelector("[data-instructions-count]");
  counter.textContent = `${length} / ${INSTRUCTIONS_MAX} characters`;
  counter.classList.toggle("over", length > INSTRUCTIONS_MAX);
}

/** Put the draft into the form (after loading, a restore, or the builder's changes). */
function fill(gpt) {
  state.gpt = gpt;
  form.elements.name.value = gpt.name;
  form.elements.description.value = gpt.description;
  form.elements.instructions.value = gpt.instructions;
  fillStarters(form.querySelector('[data-starters="conversation_starters"]'), gpt.conversation_starters);
  fillStarters(form.querySelector('[data-starters="returning_user_starters"]'), gpt.returning_user_starters);
  for (const box of form.querySelectorAll("[data-capability]")) box.checked = Boolean(gpt.capabilities[box.dataset.capability]);
  form.elements.category.value = gpt.category ?? "";
  fillModel(gpt.model);
  countInstructions();
  updateAddButtons();
  showTitle(gpt.name);
  actions.render(gpt.actions);
}

function showTitle(name) {
  root.querySelector("[data-editor-title]").textContent = name || "Untitled";
  document.title = `Edit ${name || "Untitled"} · gptforge`;
}

function changed() {
  state.edits += 1;
  setSaveState("Unsaved changes", "dirty");
  clearTimeout(state.timer);
  state.timer = setTimeout(() => save().catch(() => {}), AUTOSAVE_MS);
}

form.addEventListener("input", (event) => {
  if (event.target === form.elements.instructions) countInstructions();
  if (event.target === form.elements.name) showTitle(form.elements.name.value.trim());
  changed();
});
form.addEventListener("change", (event) => {
  if (event.target.matches("[data-capability], select")) changed();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  save().catch(() => {});
});

/** Save the form to the draft now (waits for a save already running). */
export async function save() {
  clearTimeout(state.timer);
  if (state.saving) await state.saving.catch(() => {});
  if (!isDirty()) return state.gpt;
  const body = collect();
  if (!body.name) {
    setSaveState("Not saved", "error");
    showError(pane, "Give the GPT a name: it cannot be saved without one.");
    form.elements.name.focus();
    throw new Error("no name");
  }
  const edits = state.edits;
  setSaveState("Saving…", "saving");
  state.saving = api(`/gpts/${gptId}`, { method: "PATCH", body });
  try {
    const gpt = await state.saving;
    state.gpt = { ...gpt };
    state.savedEdits = edits;
    showError(pane, null);
    setSaveState(isDirty() ? "Unsaved changes" : "Saved", isDirty() ? "dirty" : "saved");
    preview.draftChanged(gpt);
    return gpt;
  } catch (error) {
    setSaveState("Not saved", "error");
    showError(pane, messageOf(error));
    throw error;
  } finally {
    state.saving = null;
  }
}

/** Load the draft again and show it (the builder or a restore changed it). */
async function reload({ keepEdits = false } = {}) {
  const gpt = await api(`/gpts/${gptId}`);
  if (keepEdits && isDirty()) {
    state.gpt = gpt;
    actions.render(gpt.actions);
  } else {
    state.savedEdits = state.edits;
    fill(gpt);
    setSaveState("Saved", "saved");
  }
  preview.draftChanged(gpt);
  return gpt;
}

// ------------------------------------------------------------------- tabs

const tabs = [...root.querySelectorAll('[role="tab"]')];

function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => {
    selectTab(tab);
    if (tab.dataset.tab === "create" && isDirty()) save().catch(() => {});
  });
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    selectTab(tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length], true);
  });
}

// ---------------------------------------------------------------- the parts

const preview = setupPreview(root.querySelector("[data-preview]"), root.querySelector("[data-preview-restart]"), gptId);
const actions = setupActions({
  gptId,
  list: root.querySelector("[data-action-list]"),
  newButton: root.querySelector("[data-new-action]"),
  onChange: () => reload({ keepEdits: true }),
});
setupBuilder({
  gptId,
  panel: root.querySelector("#panel-create"),
  beforeSend: () => save(), // the builder reads the saved draft
  onDraftChanged: () => reload({ keepEdits: false }),
});
setupPublish({ gptId, openButton: root.querySelector("[data-open-publish]"), save, onPublished: (gpt) => (state.gpt = gpt) });
setupVersions({ gptId, openButton: root.querySelector("[data-open-versions]"), onRestored: () => reload() });
setupImport({ openButton: root.querySelector("[data-open-import]") });
loadModelChoices().catch((error) => (modelHint.textContent = `The model choices could not be loaded: ${messageOf(error)}`));

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const field = document.querySelector(button.dataset.copy);
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      field.select(); // no clipboard permission: select it for Ctrl+C
    }
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = label), 1500);
  });
}

for (const dialog of document.querySelectorAll("dialog")) {
  for (const close of dialog.querySelectorAll("[data-close]")) {
    if (close.closest("dialog") === dialog) close.addEventListener("click", () => dialog.close());
  }
}

const importNotice = sessionStorage.getItem(`gptforge-import-${gptId}`);
if (importNotice) {
  sessionStorage.removeItem(`gptforge-import-${gptId}`);
  pane.insertBefore(h("div", { class: "notice-box", role: "status" }, importNotice), root.querySelector(".tabs"));
}

reload().catch((error) => showError(pane, messageOf(error)));
