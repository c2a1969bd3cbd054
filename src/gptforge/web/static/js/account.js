// Sign-in and sign-up forms: post to /api/v1/auth/*, then go where the user was going.

import { api, messageOf } from "./api.js";
import { busy, formValues, showError } from "./dom.js";

const PATHS = { login: "/auth/login", signup: "/auth/signup" };

for (const form of document.querySelectorAll("[data-account-form]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, null);
    const values = formValues(form);
    const missing = [...form.querySelectorAll("[required]")].find((field) => !field.value.trim());
    if (missing) {
      const label = form.querySelector(`label[for="${missing.id}"]`)?.textContent ?? "This field";
      showError(form, `${label} is required.`);
      missing.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    try {
      await busy(button, () => api(PATHS[form.dataset.accountForm], { method: "POST", body: values }));
      window.location.assign(form.dataset.next || "/");
    } catch (error) {
      showError(form, messageOf(error));
    }
  });
}
