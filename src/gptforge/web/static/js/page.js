// Loaded on every page: the header's sign-out button.

import { api, messageOf } from "./api.js";

for (const button of document.querySelectorAll("[data-sign-out]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("/auth/logout", { method: "POST" });
      window.location.assign("/signin");
    } catch (error) {
      button.disabled = false;
      window.alert(messageOf(error));
    }
  });
}
