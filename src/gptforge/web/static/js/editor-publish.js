// Publishing (Only me / Anyone with the link / Everyone, with every rule that blocks it),
// version history with restore, and gpt.yaml import.

import { api, ApiError, messageOf } from "./api.js";
import { busy, h, showError } from "./dom.js";

const VISIBILITY = { private: "Only me", link: "Anyone with the link", public: "Everyone" };

export function setupPublish({ gptId, openButton, save, onPublished }) {
  const dialog = document.querySelector("[data-publish-dialog]");
  const form = dialog.querySelector("[data-publish-form]");
  const problems = dialog.querySelector("[data-publish-problems]");
  const problemList = dialog.querySelector("[data-publish-problem-list]");
  const done = dialog.querySelector("[data-publish-done]");
  const publishButton = dialog.querySelector("[data-publish]");

  openButton.addEventListener("click", async () => {
    problems.hidden = true;
    done.hidden = true;
    try {
      const gpt = await api(`/gpts/${gptId}`);
      form.querySelector(`input[value="${gpt.visibility}"]`).checked = true;
    } catch {
      // keep the last choice; publishing will say what is wrong
    }
    dialog.showModal();
  });

  publishButton.addEventListener("click", () =>
    busy(publishButton, async () => {
      problems.hidden = true;
      done.hidden = true;
      const visibility = form.querySelector('input[name="visibility"]:checked').value;
      try {
        await save().catch((error) => {
          throw error instanceof ApiError ? error : new ApiError(0, "unsaved", "Fix the form first: the draft could not be saved.");
        });
        const gpt = await api(`/gpts/${gptId}/publish`, { method: "POST", body: { visibility } });
        onPublished(gpt);
        showPublished(gpt);
      } catch (error) {
        showProblems(error);
      }
    }),
  );

  function showPublished(gpt) {
    done.hidden = false;
    const shared = gpt.visibility !== "private";
    dialog.querySelector("[data-publish-message]").textContent =
      `Published version ${gpt.live_version}: ${VISIBILITY[gpt.visibility]}.` +
      (gpt.visibility === "public" ? " It is listed in the store." : "");
    dialog.querySelector("[data-publish-link-row]").hidden = !shared;
    dialog.querySelector("[data-publish-link]").value = `${window.location.origin}/g/${gpt.id}`;
  }

  function showProblems(error) {
    const details = error instanceof ApiError && Array.isArray(error.details) ? error.details : [];
    const items = details.length ? details.map((d) => d.message) : [messageOf(error)];
    problemList.replaceChildren(...items.map((message) => h("li", {}, message)));
    problems.hidden = false;
  }
}

export function setupVersions({ gptId, openButton, onRestored }) {
  const dialog = document.querySelector("[data-versions-dialog]");
  const list = dialog.querySelector("[data-version-list]");
  const container = dialog.querySelector(".dialog-body");

  async function load() {
    showError(container, null);
    list.replaceChildren(h("li", { class: "muted" }, "Loading…"));
    try {
      const versions = await api(`/gpts/${gptId}/versions`);
      if (!versions.length) {
        list.replaceChildren(h("li", { class: "muted" }, "No versions yet: each publish keeps one."));
        return;
      }
      list.replaceChildren(...versions.slice().reverse().map(versionItem));
    } catch (error) {
      list.replaceChildren();
      showError(container, messageOf(error));
    }
  }

  function versionItem(version) {
    const when = new Date(version.created_at).toLocaleString();
    const restore = h("button", { type: "button", class: "small" }, "Restore",
      h("span", { class: "visually-hidden" }, ` version ${version.number}`));
    restore.addEventListener("click", () =>
      busy(restore, async () => {
        try {
          await api(`/gpts/${gptId}/versions/${version.number}/restore`, { method: "POST" });
          await onRestored(version);
          dialog.close();
        } catch (error) {
          showError(container, messageOf(error));
        }
      }),
    );
    return h(
      "li",
      { class: "row version-row" },
      h("span", {}, h("strong", {}, `Version ${version.number}`), ` · ${version.name} · ${VISIBILITY[version.visibility]} · ${when}`,
        version.is_live ? h("span", { class: "badge badge-live" }, "Live") : null),
      restore,
    );
  }

  openButton.addEventListener("click", () => {
    load();
    dialog.showModal();
  });
}

export function setupImport({ openButton }) {
  const dialog = document.querySelector("[data-import-dialog]");
  const form = dialog.querySelector("[data-import-form]");
  const file = dialog.querySelector("#import-file");
  const button = dialog.querySelector("[data-import]");

  openButton.addEventListener("click", () => {
    showError(form, null);
    form.reset();
    dialog.showModal();
  });

  button.addEventListener("click", () =>
    busy(button, async () => {
      showError(form, null);
      const chosen = file.files[0];
      if (!chosen) {
        showError(form, "Choose a gpt.yaml or zip file first.");
        return;
      }
      const isZip = chosen.name.toLowerCase().endsWith(".zip");
      try {
        const response = await fetch("/api/v1/gpts/import", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": isZip ? "application/zip" : "application/yaml", Accept: "application/json" },
          body: await chosen.arrayBuffer(),
        });
        const result = await response.json();
        if (!response.ok) throw new ApiError(response.status, result.error?.code, result.error?.message ?? "The import failed.");
        const needed = result.secrets_required.map((s) => s.message);
        const notice = `Imported "${result.gpt.name}" as a new private GPT.` + (needed.length ? ` Still to do: ${needed.join(" ")}` : "");
        sessionStorage.setItem(`gptforge-import-${result.gpt.id}`, notice);
        window.location.assign(`/gpts/${encodeURIComponent(result.gpt.id)}/edit`);
      } catch (error) {
        showError(form, messageOf(error));
      }
    }),
  );
}
