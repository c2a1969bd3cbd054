// The administration page: model provider (with "Test model"), sign-up mode, the action
// host allowlist and accounts, all through /api/v1/admin.

import { ApiError, api, messageOf } from "./api.js";
import { busy, formValues, h, showError } from "./dom.js";

const modelForm = document.querySelector("[data-admin-model]");
const signupForm = document.querySelector("[data-admin-signup]");
const hostsForm = document.querySelector("[data-admin-hosts]");
const userForm = document.querySelector("[data-admin-user]");

function saved(form, text) {
  const line = form.querySelector("[data-saved]");
  if (line) line.textContent = text;
}

function showSettings(settings) {
  modelForm.provider_base_url.value = settings.provider_base_url ?? "";
  modelForm.provider_model.value = settings.provider_model ?? "";
  modelForm.provider_api_key.value = "";
  modelForm.provider_api_key.placeholder = settings.provider_api_key_set ? "Set (type to replace)" : "";
  modelForm.querySelector("[data-key-state]").textContent = settings.provider_api_key_set
    ? "An API key is set. It is never shown; type a new one to replace it."
    : "Not set.";
  modelForm.querySelector("[data-remove-key]").hidden = !settings.provider_api_key_set;
  signupForm.signup.value = settings.signup;
  hostsForm.allow_hosts.value = (settings.allow_hosts ?? []).join("\n");
  const env = hostsForm.querySelector("[data-env-hosts]");
  env.hidden = !settings.env_allow_hosts?.length;
  env.textContent = `Also allowed by the server's environment: ${(settings.env_allow_hosts ?? []).join(", ")}`;
}

async function patch(form, body, message) {
  showError(form, null);
  saved(form, "");
  const button = form.querySelector("button[type=submit]");
  try {
    const settings = await busy(button, () => api("/admin/settings", { method: "PATCH", body }));
    showSettings(settings);
    saved(form, message);
    return true;
  } catch (error) {
    showError(form, messageOf(error));
    return false;
  }
}

modelForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const values = formValues(modelForm);
  const body = {
    provider_base_url: values.provider_base_url.trim() || null,
    provider_model: values.provider_model.trim() || null,
  };
  if (values.provider_api_key) body.provider_api_key = values.provider_api_key;
  if (await patch(modelForm, body, "")) {
    modelForm.querySelector("[data-model-result]").textContent = "Model settings saved.";
  }
});

modelForm.querySelector("[data-remove-key]").addEventListener("click", () =>
  patch(modelForm, { provider_api_key: "" }, ""),
);

modelForm.querySelector("[data-test-model]").addEventListener("click", async (event) => {
  const result = modelForm.querySelector("[data-model-result]");
  result.textContent = "Asking the model…";
  try {
    const answer = await busy(event.currentTarget, () => api("/admin/model/test", { method: "POST" }));
    const which = [answer.provider, answer.model].filter(Boolean).join(", ");
    const time = answer.duration_ms ? ` in ${Math.round(answer.duration_ms)} ms` : "";
    result.textContent = answer.ok
      ? `The model answered${time} (${which}): “${answer.reply ?? ""}”`
      : `The model did not answer (${which}): ${answer.error ?? "no reason given"}`;
  } catch (error) {
    result.textContent =
      error instanceof ApiError && error.status === 404
        ? "This server cannot test the model yet (it has no model test endpoint)."
        : messageOf(error);
  }
});

signupForm.addEventListener("submit", (event) => {
  event.preventDefault();
  patch(signupForm, { signup: signupForm.signup.value }, "Sign-up mode saved.");
});

hostsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const hosts = hostsForm.allow_hosts.value.split("\n").map((line) => line.trim()).filter(Boolean);
  patch(hostsForm, { allow_hosts: hosts }, "Allowlist saved.");
});

async function loadUsers() {
  const body = document.querySelector("[data-users]");
  try {
    const users = await api("/admin/users");
    body.replaceChildren(
      ...users.map((user) =>
        h("tr", {}, h("td", {}, user.display_name), h("td", {}, user.email), h("td", {}, user.is_admin ? "Administrator" : "User")),
      ),
    );
  } catch (error) {
    showError(userForm, messageOf(error));
  }
}

userForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(userForm, null);
  saved(userForm, "");
  const values = formValues(userForm);
  const body = {
    display_name: values.display_name ?? "",
    email: values.email ?? "",
    password: values.password ?? "",
    is_admin: values.is_admin === "on",
  };
  try {
    await busy(userForm.querySelector("button[type=submit]"), () => api("/admin/users", { method: "POST", body }));
    userForm.reset();
    saved(userForm, `Account created for ${body.email}.`);
    await loadUsers();
  } catch (error) {
    showError(userForm, messageOf(error));
  }
});

(async () => {
  try {
    showSettings(await api("/admin/settings"));
  } catch (error) {
    showError(modelForm, messageOf(error));
  }
})();
loadUsers();
