// How the chat shows tool calls and files: the chip's label and expanded details for
// action calls and the built-in capabilities (python, web_search, open_url,
// generate_image, search_knowledge), and the files a call produced or the user attached
// (images inline, other files as download links). Everything is set as text; the only
// URLs used are our own /api/v1/files/<id> and http(s) ones the call opened.

import { h } from "./dom.js";

const enc = encodeURIComponent;
const INLINE_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
const LINK = { rel: "noopener noreferrer nofollow", target: "_blank" };

export function hostOf(url) {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** A preformatted block that scrolls: focusable, so keyboard users can scroll it. */
export function pre(text) {
  return h("pre", { tabindex: "0" }, text);
}

export function pretty(value) {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

/** "1.2 MB", "340 kB", "12 bytes". */
export function sizeText(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1000) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

const CAPABILITY_LABELS = new Set(["Code interpreter", "Web browsing", "Image generation", "Knowledge files"]);

/**
 * Which capability tool a call is ("" for an action): from the started event's toolset
 * label, or in the history (no label there) from the model's tool name and the record
 * (an action's record has request headers). The model may see a name with a prefix
 * when names collided.
 */
export function operationOf(name, { action, record } = {}) {
  if (action !== undefined && !CAPABILITY_LABELS.has(action)) return "";
  if (record?.request_headers) return "";
  const known = ["python", "web_search", "open_url", "generate_image", "search_knowledge"];
  return known.find((op) => name === op || name?.endsWith(`_${op}`)) ?? "";
}

function quoted(text, max = 80) {
  const line = String(text ?? "").replace(/\s+/g, " ").trim();
  return `“${line.length > max ? `${line.slice(0, max - 1)}…` : line}”`;
}

/** The query of a web_search call: the record's, else the summary's "provider: query". */
function queryOf(info) {
  if (info.record?.query) return info.record.query;
  const summary = info.summary ?? "";
  const colon = summary.indexOf(": ");
  return colon >= 0 ? summary.slice(colon + 2) : "";
}

function openedUrl(info) {
  if (info.record?.url) return info.record.url;
  const match = /^GET\s+(\S+)/.exec(info.summary ?? "");
  return match ? match[1] : "";
}

/** The chip's label, e.g. "Ran Python", "Read example.org", "Talked to api.example.com". */
export function callLabel(operation, host, info) {
  const done = Boolean(info.done);
  switch (operation) {
    case "python":
      return done ? "Ran Python" : "Running Python…";
    case "web_search": {
      const query = queryOf(info);
      const what = query ? ` for ${quoted(query)}` : "";
      return done ? `Searched the web${what}` : `Searching the web${what}…`;
    }
    case "open_url": {
      const site = hostOf(openedUrl(info)) ?? "a web page";
      return done ? `Read ${site}` : `Reading ${site}…`;
    }
    case "generate_image":
      return done ? "Generated an image" : "Generating an image…";
    case "search_knowledge":
      return done ? "Searched knowledge" : "Searching knowledge…";
    default:
      return done ? `Talked to ${host}` : `Talking to ${host}…`;
  }
}

/** The expanded part of an action call's chip: the redacted request and response. */
function requestView(record) {
  const parts = [];
  const request = [`${record.method} ${record.url}`];
  for (const [name, value] of Object.entries(record.request_headers ?? {})) request.push(`${name}: ${value}`);
  if (record.request_body_excerpt) request.push("", record.request_body_excerpt);
  parts.push(h("h4", { class: "small" }, "Request"), pre(request.join("\n")));
  const status = record.status ? `HTTP ${record.status}` : "No response";
  const timing = record.duration_ms ? ` · ${Math.round(record.duration_ms)} ms` : "";
  parts.push(h("h4", { class: "small" }, `Response (${status}${timing})`));
  if (record.error) parts.push(h("p", {}, record.error));
  if (record.response_excerpt) parts.push(pre(pretty(record.response_excerpt)));
  return parts;
}

function externalLink(url, text) {
  return /^https?:\/\//i.test(url) ? h("a", { href: url, ...LINK }, text || url) : h("span", {}, text || url);
}

/** What a capability call did, from its record and what the model read (`output`). */
function capabilityView(operation, record, output) {
  const parts = [];
  const outputBlock = (title) => (output ? [h("h4", { class: "small" }, title), pre(output)] : []);
  switch (operation) {
    case "python":
      if (record?.code) parts.push(h("h4", { class: "small" }, "Code"), pre(record.code));
      parts.push(...outputBlock("Output"));
      break;
    case "open_url": {
      const url = record?.url ?? "";
      if (url) parts.push(h("p", {}, "Opened ", externalLink(url)));
      if (record?.final_url && record.final_url !== url) parts.push(h("p", {}, "Landed on ", externalLink(record.final_url)));
      if (record?.title) parts.push(h("p", {}, `Title: ${record.title}`));
      if (record?.status) parts.push(h("p", { class: "small muted" }, `HTTP ${record.status}`));
      if (record?.error) parts.push(h("p", {}, record.error));
      break;
    }
    case "web_search": {
      if (record?.query) parts.push(h("p", {}, `Searched ${record.provider ?? "the web"} for ${quoted(record.query, 200)}`));
      const results = record?.results ?? [];
      if (results.length) {
        parts.push(h("ol", { class: "call-results" }, results.map((r) => h("li", {}, externalLink(r.url, r.title)))));
      }
      if (record?.error) parts.push(h("p", {}, record.error));
      break;
    }
    case "search_knowledge": {
      if (record?.query) parts.push(h("p", {}, `Searched the knowledge files for ${quoted(record.query, 200)}`));
      const passages = record?.passages ?? [];
      if (passages.length) {
        parts.push(h("ol", { class: "call-results" }, passages.map((p) => h("li", {}, p.citation || p.file))));
      } else parts.push(...outputBlock("Result"));
      break;
    }
    default:
      if (record?.error) parts.push(h("p", {}, record.error));
      parts.push(...outputBlock("Result"));
  }
  return parts;
}

/** The chip's expanded part for any call; `output` is what the model read (or its start). */
export function callDetails(operation, info, output) {
  const parts = [];
  if (info.message) parts.push(h("p", { class: "notice-box" }, info.message));
  const record = info.record;
  if (record?.method && record?.url && !["open_url", "generate_image"].includes(operation)) {
    return [...parts, ...requestView(record)];
  }
  if (operation === "generate_image" && record?.url) parts.push(h("p", { class: "small muted" }, `POST ${record.url}${record.size ? ` (${record.size})` : ""}`));
  return [...parts, ...capabilityView(operation, record, output)];
}

export function fileUrl(file) {
  return `/api/v1/files/${enc(file.id)}`;
}

/** A link that downloads the file, with its name and size. */
export function downloadLink(file) {
  return h(
    "a",
    { class: "file-link", href: fileUrl(file), download: file.name },
    h("span", { class: "file-name" }, file.name),
    h("span", { class: "file-size" }, ` (${sizeText(file.size)})`),
  );
}

/** The files a call produced: images shown inline (each links to itself), others as downloads. */
export function filesView(files) {
  if (!files?.length) return null;
  const images = files.filter((f) => INLINE_IMAGES.has(f.media_type));
  const others = files.filter((f) => !INLINE_IMAGES.has(f.media_type));
  return h(
    "div",
    { class: "call-files" },
    images.map((file) =>
      h(
        "figure",
        { class: "call-image" },
        h("a", { href: fileUrl(file), ...LINK }, h("img", { src: fileUrl(file), alt: file.name, loading: "lazy" })),
        h("figcaption", { class: "small muted" }, downloadLink(file)),
      ),
    ),
    others.length ? h("ul", { class: "file-list", "aria-label": "Files" }, others.map((file) => h("li", {}, downloadLink(file)))) : null,
  );
}

/** A file attached by the user, as a small chip (in the composer or a sent message). */
export function fileChip(file, onRemove = null) {
  return h(
    "span",
    { class: "file-chip" },
    h("a", { href: fileUrl(file), download: file.name }, file.name),
    h("span", { class: "file-size" }, ` ${sizeText(file.size)}`),
    onRemove
      ? h("button", { type: "button", class: "small", "aria-label": `Remove ${file.name}`, onclick: onRemove }, "×")
      : null,
  );
}
