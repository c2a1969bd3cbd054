// The authentication dialog of an action: None, API key (Basic, Bearer or a custom
// header) or OAuth. Secrets never come back from the server: a stored one shows as
// "set", and typing a new one replaces it.

import { showError } from "./dom.js";

const dialog = document.querySelector("[data-auth-dialog]");
const form = dialog.querySelector("[data-auth-form]");
const SCHEMES = { basic: "Basic", bearer: "Bearer", custom: "Custom header" };

let onSave = null;

/** One line saying how an action authenticates, e.g. "API key (Bearer), key set". */
export function authSummary(auth) {
  if (!auth || auth.type === "none") return "None";
  const secret = auth.secret_set ? "set" : "not set";
  if (auth.type === "api_key") {
    const scheme = auth.scheme === "custom" ? `header ${auth.header}` : SCHEMES[auth.scheme] ?? auth.scheme;
    return `API key (${scheme}), key ${secret}`;
  }
  if (auth.type === "oauth") return `OAuth (${auth.client_id}), client secret ${secret}`;
  return auth.type;
}

function selectedType() {
  return form.querySelector('input[name="auth-type"]:checked').value;
}

function showSections() {
  const type = selectedType();
  for (const section of form.querySelectorAll("[data-auth-section]")) section.hidden = section.dataset.authSection !== type;
  const scheme = form.querySelector('input[name="scheme"]:checked')?.value;
  form.querySelector("[data-custom-header]").hidden = scheme !== "custom";
}

form.addEventListener("change", showSections);

function secretState(name, saved, type) {
  const line = form.querySelector(`[data-secret-state="${name}"]`);
  const isSet = saved && saved.type === type && saved.secret_set;
  line.textContent = isSet
    ? "Set. Leave this empty to keep it, or type a new one to replace it."
    : "Not set.";
  form.elements[name].placeholder = isSet ? "•••••••• (set)" : "";
}

/**
 * Open the dialog on `auth` (what is shown), knowing what the server has (`saved`, for
 * "set" secrets). `save(settings)` receives the auth settings in the server's format.
 */
export function openAuthDialog(auth, saved, save) {
  onSave = save;
  showError(form, null);
  form.reset();
  const type = auth.type === "api_key" || auth.type === "oauth" ? auth.type : "none";
  form.querySelector(`input[name="auth-type"][value="${type}"]`).checked = true;
  if (type === "api_key") {
    const scheme = SCHEMES[auth.scheme] ? auth.scheme : "bearer";
    form.querySelector(`input[name="scheme"][value="${scheme}"]`).checked = true;
    form.elements.header.value = auth.header ?? "";
  }
  if (type === "oauth") {
    for (const name of ["client_id", "authorization_url", "token_url", "scope"]) form.elements[name].value = auth[name] ?? "";
    form.elements.token_exchange.value = auth.token_exchange ?? "post";
  }
  secretState("key", saved, "api_key");
  secretState("client_secret", saved, "oauth");
  form.querySelector("[data-callback-url]").value = `${window.location.origin}/api/v1/oauth/callback`;
  showSections();
  dialog.showModal();
}

function settings() {
  const type = selectedType();
  if (type === "none") return { type: "none" };
  const value = (name) => form.elements[name].value.trim();
  if (type === "api_key") {
    const scheme = form.querySelector('input[name="scheme"]:checked').value;
    const result = { type, scheme };
    if (scheme === "custom") {
      if (!value("header")) throw new Error("Enter the name of the header that carries the key.");
      result.header = value("header");
    }
    if (form.elements.key.value) result.key = form.elements.key.value;
    return result;
  }
  const result = { type, token_exchange: form.elements.token_exchange.value };
  for (const [name, label] of [["client_id", "Client ID"], ["authorization_url", "Authorization URL"], ["token_url", "Token URL"]]) {
    if (!value(name)) throw new Error(`Enter the ${label}.`);
    result[name] = value(name);
  }
  result.scope = value("scope");
  if (form.elements.client_secret.value) result.client_secret = form.elements.client_secret.value;
  return result;
}

dialog.querySelector("[data-auth-save]").addEventListener("click", async () => {
  showError(form, null);
  try {
    await onSave(settings());
    dialog.close();
  } catch (error) {
    showError(form, error.message);
  }
});
