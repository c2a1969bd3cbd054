// Markdown shown on a page is rendered and sanitized by the server (POST /api/v1/render):
// the browser never turns model text into HTML itself.

import { api } from "./api.js";

/** Sanitized HTML for each text, in order. */
export async function renderMarkdown(texts) {
  if (!texts.length) return [];
  const { html } = await api("/render", { method: "POST", body: { texts } });
  return html;
}

/**
 * A block of streamed Markdown: text grows as deltas arrive; the rendered HTML follows,
 * one render request at a time, with the not-yet-rendered tail shown as plain text.
 */
export class MarkdownBlock {
  constructor(element) {
    this.element = element;
    this.text = "";
    this.rendered = "";
    this.inFlight = null;
    this.failed = false;
  }

  append(delta) {
    this.text += delta;
    this.#showTail();
    this.#schedule();
  }

  /** Set the whole text (history), render it once. */
  set(text, html = null) {
    this.text = text;
    if (html !== null) {
      this.rendered = text;
      this.element.innerHTML = html; // sanitized by the server
    } else {
      this.#showTail();
      this.#schedule();
    }
  }

  /** Resolves when the HTML shows all of the text. */
  async settled() {
    while (this.inFlight) await this.inFlight;
  }

  #showTail() {
    let tail = this.element.querySelector(":scope > .pending-text");
    if (!tail) {
      tail = document.createElement("div");
      tail.className = "pending-text";
      this.element.append(tail);
    }
    tail.textContent = this.text.slice(this.rendered.length);
    if (!tail.textContent) tail.remove();
  }

  #schedule() {
    if (this.inFlight || this.failed) return;
    this.inFlight = (async () => {
      while (this.rendered !== this.text && !this.failed) {
        const snapshot = this.text;
        try {
          const [html] = await renderMarkdown([snapshot]);
          this.element.innerHTML = html; // sanitized by the server
          this.rendered = snapshot;
        } catch {
          this.failed = true; // keep showing plain text; it is always safe
        }
        this.#showTail();
      }
      this.inFlight = null;
    })();
  }
}
