// The editor's actions: the list in Configure, and the action dialog (schema with live
// diagnostics, "Import from URL", the "Available actions" table with a Test form per
// operation, authentication, privacy policy URL).

import { api, messageOf } from "./api.js";
import { busy, h, showError } from "./dom.js";
import { authSummary, openAuthDialog } from "./editor-auth.js";
import { testForm, testArguments, testResult } from "./editor-test.js";

const CHECK_DELAY_MS = 500;

const dialog = document.querySelector("[data-action-dialog]");
const body = dialog.querySelector("[data-action-form]");
const schemaField = dialog.querySelector("#action-schema");
const urlField = dialog.querySelector("#action-schema-url");
const serverField = dialog.querySelector("#action-server");
const privacyField = dialog.querySelector("#action-privacy");
const saveButton = dialog.querySelector("[data-action-save]");
const deleteButton = dialog.querySelector("[data-action-delete]");
const diagnosticsList = dialog.querySelector("[data-diagnostics]");
const diagnosticsStatus = dialog.querySelector("[data-diagnostics-status]");
const operationsBody = dialog.querySelector("[data-operations]");
const operationsEmpty = dialog.querySelector("[data-operations-empty]");
const testPanel = dialog.querySelector("[data-test-panel]");

/** What the open dialog edits: the saved action (or null: a new one) and unsaved changes. */
const current = { gptId: null, action: null, auth: null, schemaEdited: false, dirty: false, check: 0, timer: null, onChange: null };

// ----------------------------------------------------------------- the list

export function setupActions({ gptId, list, newButton, onChange }) {
  current.gptId = gptId;
  current.onChange = onChange;
  newButton.addEventListener("click", () => openAction(null));
  return {
    render(actions) {
      list.replaceChildren(
        ...actions.map((action) =>
          h(
            "li",
            { class: "row action-row" },
            h("span", { class: "action-name" }, action.title || "Untitled action"),
            h("span", { class: "muted small" }, action.host ?? "no server"),
            h("button", { type: "button", class: "small", onclick: () => openAction(action.id) },
              "Edit", h("span", { class: "visually-hidden" }, ` ${action.title || "action"}`)),
          ),
        ),
      );
    },
  };
}

// ---------------------------------------------------------------- the dialog

async function openAction(actionId) {
  current.action = null;
  current.auth = null;
  current.schemaEdited = false;
  current.dirty = false;
  showError(body, null);
  testPanel.hidden = true;
  schemaField.value = "";
  urlField.value = "";
  serverField.value = "";
  privacyField.value = "";
  showCheck(null);
  if (actionId) {
    try {
      showAction(await api(`/gpts/${current.gptId}/actions/${actionId}`));
    } catch (error) {
      showError(body, messageOf(error));
    }
  } else {
    showAuth({ type: "none", secret_set: false });
    showSaved(null);
  }
  dialog.showModal();
  schemaField.focus();
}

function showSaved(action) {
  current.action = action;
  dialog.querySelector("[data-action-title]").textContent = action ? `Edit ${action.title || "action"}` : "Add an action";
  saveButton.textContent = action ? "Save" : "Create";
  deleteButton.hidden = !action;
}

function showAction(action) {
  showSaved(action);
  schemaField.value = action.schema;
  urlField.value = action.source_url ?? "";
  serverField.value = action.server_url ?? "";
  privacyField.value = action.privacy_policy_url ?? "";
  current.auth = null;
  current.schemaEdited = false;
  current.dirty = false;
  showAuth(action.auth);
  showCheck(action);
}

function showAuth(auth) {
  dialog.querySelector("[data-auth-summary]").textContent = authSummary(auth);
}

// ------------------------------------------------------- diagnostics as you type

schemaField.addEventListener("input", () => {
  current.schemaEdited = true;
  current.dirty = true;
  clearTimeout(current.timer);
  current.timer = setTimeout(checkSchema, CHECK_DELAY_MS);
});
serverField.addEventListener("input", () => {
  current.dirty = true;
  clearTimeout(current.timer);
  current.timer = setTimeout(checkSchema, CHECK_DELAY_MS);
});
privacyField.addEventListener("input", () => (current.dirty = true));

async function checkSchema() {
  const text = schemaField.value;
  const check = ++current.check;
  if (!text.trim()) {
    showCheck(null);
    return;
  }
  diagnosticsStatus.textContent = "Checking the schema…";
  const request = { schema: text };
  if (serverField.value.trim()) request.server_url = serverField.value.trim();
  try {
    const result = await api("/actions/check", { method: "POST", body: request });
    if (check === current.check) showCheck(result);
  } catch (error) {
    if (check !== current.check) return;
    showCheck(null);
    diagnosticsStatus.textContent = "";
    diagnosticsList.replaceChildren(diagnosticItem({ severity: "error", pointer: "", message: messageOf(error), code: "invalid" }));
  }
}

function diagnosticItem(d) {
  return h(
    "li",
    { class: `diagnostic diagnostic-${d.severity}` },
    h("span", { class: "badge" }, d.severity === "error" ? "Error" : "Warning"),
    " ",
    d.pointer ? h("code", { class: "pointer" }, d.pointer) : null,
    d.pointer ? " " : null,
    h("span", {}, d.message),
  );
}

function showCheck(result) {
  const diagnostics = result?.diagnostics ?? [];
  diagnosticsList.replaceChildren(...diagnostics.map(diagnosticItem));
  if (!result) diagnosticsStatus.textContent = "";
  else {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const warnings = diagnostics.length - errors;
    diagnosticsStatus.textContent = !diagnostics.length
      ? "The schema has no problems."
      : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}.`;
  }
  const operations = result?.operations ?? [];
  operationsBody.replaceChildren(...operations.map(operationRow));
  operationsEmpty.hidden = operations.length > 0;
}

function operationRow(operation) {
  const test = h("button", { type: "button", class: "small", onclick: (event) => openTest(operation, event.currentTarget) },
    "Test", h("span", { class: "visually-hidden" }, ` ${operation.name}`));
  return h(
    "tr",
    {},
    h("td", {}, h("code", {}, operation.name)),
    h("td", {}, operation.method),
    h("td", {}, h("code", {}, operation.path)),
    h("td", {}, operation.consequential ? "Yes" : "No"),
    h("td", {}, test),
  );
}

// -------------------------------------------------------------- saving

function payload() {
  const body = {};
  if (!current.action || current.schemaEdited) body.schema = schemaField.value;
  body.server_url = serverField.value.trim() || null;
  body.privacy_policy_url = privacyField.value.trim() || null;
  if (current.auth) body.auth = current.auth;
  if (!current.action) {
    if (body.server_url === null) delete body.server_url;
    if (body.privacy_policy_url === null) delete body.privacy_policy_url;
  }
  return body;
}

async function saveAction() {
  const base = `/gpts/${current.gptId}/actions`;
  const saved = current.action
    ? await api(`${base}/${current.action.id}`, { method: "PATCH", body: payload() })
    : await api(base, { method: "POST", body: payload() });
  showAction(saved);
  await current.onChange();
  return saved;
}

saveButton.addEventListener("click", () =>
  busy(saveButton, async () => {
    showError(body, null);
    try {
      await saveAction();
      diagnosticsStatus.textContent = `Saved. ${diagnosticsStatus.textContent}`;
    } catch (error) {
      showError(body, messageOf(error));
    }
  }),
);

deleteButton.addEventListener("click", async () => {
  if (!current.action || !window.confirm("Delete this action from the draft?")) return;
  try {
    await api(`/gpts/${current.gptId}/actions/${current.action.id}`, { method: "DELETE" });
    dialog.close();
    await current.onChange();
  } catch (error) {
    showError(body, messageOf(error));
  }
});

dialog.querySelector("[data-import-url]").addEventListener("click", (event) =>
  busy(event.currentTarget, async () => {
    showError(body, null);
    const url = urlField.value.trim();
    if (!url) {
      showError(body, "Enter the URL of the OpenAPI document first.");
      urlField.focus();
      return;
    }
    const base = `/gpts/${current.gptId}/actions`;
    const request = { ...payload(), schema_url: url };
    delete request.schema;
    try {
      const saved = current.action
        ? await api(`${base}/${current.action.id}`, { method: "PATCH", body: request })
        : await api(base, { method: "POST", body: request });
      showAction(saved);
      diagnosticsStatus.textContent = `Imported and saved. ${diagnosticsStatus.textContent}`;
      await current.onChange();
    } catch (error) {
      showError(body, messageOf(error));
    }
  }),
);

dialog.addEventListener("cancel", (event) => {
  if (current.dirty && !window.confirm("Close without saving the action?")) event.preventDefault();
});
for (const close of dialog.querySelectorAll("[data-close]")) {
  close.addEventListener("click", () => {
    if (!current.dirty || window.confirm("Close without saving the action?")) dialog.close();
  });
}

// ---------------------------------------------------------------- auth

dialog.querySelector("[data-open-auth]").addEventListener("click", () => {
  const auth = current.auth ?? current.action?.auth ?? { type: "none", secret_set: false };
  openAuthDialog(auth, current.action?.auth ?? null, async (settings) => {
    current.auth = settings;
    current.dirty = true;
    showAuth({ ...settings, secret_set: Boolean(settings.key || settings.client_secret) || (current.action?.auth?.type === settings.type && current.action.auth.secret_set) });
    if (current.action) {
      await saveAction(); // an existing action keeps its settings at once
    }
  });
});

// ---------------------------------------------------------------- tests

async function openTest(operation, button) {
  showError(body, null);
  try {
    if (!current.action || current.dirty) await saveAction(); // the test runs the saved action
    const detail = await api(`/gpts/${current.gptId}/actions/${current.action.id}/operations/${encodeURIComponent(operation.name)}`);
    testPanel.hidden = false;
    testPanel.querySelector("[data-test-title]").textContent = `Test ${detail.name}: ${detail.method} ${detail.path}`;
    testPanel.querySelector("[data-test-fields]").replaceChildren(testForm(detail));
    testPanel.querySelector("[data-test-result]").replaceChildren();
    testPanel.dataset.operation = detail.name;
    testPanel.scrollIntoView({ block: "nearest" });
    const first = testPanel.querySelector("input, select, textarea, button");
    first?.focus();
  } catch (error) {
    showError(body, messageOf(error));
    button.focus();
  }
}

testPanel.querySelector("[data-test-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const submit = form.querySelector('button[type="submit"]');
  const result = testPanel.querySelector("[data-test-result]");
  let args;
  try {
    args = testArguments(form);
  } catch (error) {
    result.replaceChildren(h("p", { class: "form-error" }, error.message));
    return;
  }
  await busy(submit, async () => {
    result.replaceChildren(h("p", { class: "muted" }, "Sending…"));
    try {
      const outcome = await api(`/gpts/${current.gptId}/actions/${current.action.id}/test`, {
        method: "POST",
        body: { operation: testPanel.dataset.operation, arguments: args },
      });
      result.replaceChildren(testResult(outcome));
      result.scrollIntoView({ block: "nearest" });
    } catch (error) {
      result.replaceChildren(h("p", { class: "form-error" }, messageOf(error)));
    }
  });
});

testPanel.querySelector("[data-test-close]").addEventListener("click", () => (testPanel.hidden = true));
