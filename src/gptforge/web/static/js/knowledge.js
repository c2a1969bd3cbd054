// The editor's "Knowledge" section: the draft's knowledge files (name, size, passages),
// "Upload files" and Delete, with the server's refusals shown as they are (too large,
// too many, a file that cannot be read). Mounted on [data-knowledge] inside the editor
// page ([data-editor] carries the GPT's id); the files belong to the draft and go live
// when the GPT is published.

import { api, messageOf } from "./api.js";
import { sizeText } from "./chat-calls.js";
import { h } from "./dom.js";

const ACCEPT = ".pdf,.docx,.md,.markdown,.txt,.html,.htm,.csv,.json";

function mount(root, gptId) {
  const path = `/gpts/${encodeURIComponent(gptId)}/knowledge`;
  const list = h("ul", { class: "plain-list knowledge-list", "aria-label": "Knowledge files" });
  const empty = h("p", { class: "hint" }, "No files yet. The GPT searches the files you upload here and cites them.");
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const status = h("p", { class: "hint", role: "status", "aria-live": "polite" });
  const input = h("input", { type: "file", multiple: true, accept: ACCEPT, hidden: true, tabindex: "-1", "aria-hidden": "true" });
  const upload = h("button", { type: "button", class: "small" }, "Upload files");
  root.append(
    h("p", { class: "hint" }, "PDF, Word, Markdown, text, HTML, CSV or JSON. The Preview searches them at once; people chatting with the GPT once you publish."),
    list,
    empty,
    error,
    status,
    h("div", { class: "row" }, upload, input),
  );

  const showError = (message) => {
    error.textContent = message ?? "";
    error.hidden = !message;
  };

  const row = (file) => {
    const remove = h("button", { type: "button", class: "small danger", "aria-label": `Delete ${file.name}` }, "Delete");
    remove.addEventListener("click", async () => {
      if (!window.confirm(`Delete ${file.name} from the knowledge files?`)) return;
      remove.disabled = true;
      try {
        await api(`${path}/${encodeURIComponent(file.id)}`, { method: "DELETE" });
        showError(null);
        status.textContent = `Deleted ${file.name}.`;
        await refresh();
      } catch (failure) {
        remove.disabled = false;
        showError(`Could not delete ${file.name}: ${messageOf(failure)}`);
      }
    });
    const passages = `${file.chunks} passage${file.chunks === 1 ? "" : "s"}`;
    const pages = file.pages ? ` · ${file.pages} page${file.pages === 1 ? "" : "s"}` : "";
    return h(
      "li",
      { class: "knowledge-file" },
      h("span", { class: "file-name" }, file.name),
      h("span", { class: "file-size" }, `${sizeText(file.size)} · ${passages}${pages}`),
      remove,
    );
  };

  async function refresh() {
    try {
      const files = await api(path);
      list.replaceChildren(...files.map(row));
      empty.hidden = files.length > 0;
    } catch (failure) {
      showError(`Could not list the knowledge files: ${messageOf(failure)}`);
    }
  }

  // the editor saves the draft on its form's input/change events: these files are not draft fields
  for (const kind of ["input", "change"]) root.addEventListener(kind, (event) => event.stopPropagation());
  upload.addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const chosen = [...input.files];
    input.value = "";
    if (!chosen.length) return;
    const form = new FormData();
    for (const file of chosen) form.append("files", file, file.name);
    showError(null);
    upload.disabled = true;
    status.textContent = `Uploading ${chosen.map((f) => f.name).join(", ")}…`;
    try {
      const added = await api(path, { method: "POST", body: form });
      status.textContent = `Added ${added.map((f) => f.name).join(", ")}.`;
      await refresh();
    } catch (failure) {
      status.textContent = "";
      showError(`Could not upload: ${messageOf(failure)}`);
    } finally {
      upload.disabled = false;
    }
  });
  refresh();
}

const root = document.querySelector("[data-knowledge]");
const gptId = document.querySelector("[data-editor]")?.dataset.gptId;
if (root && gptId) mount(root, gptId);
