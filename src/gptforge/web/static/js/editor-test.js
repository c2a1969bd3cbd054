// The Test form of one operation, made from the JSON Schema of its arguments (what the
// model fills in), and the redacted request and response it gives.

import { h } from "./dom.js";

let fieldCount = 0;

function typeOf(schema) {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null") ?? "string";
  return schema.type ?? (schema.enum ? "string" : "json");
}

function input(name, schema, required) {
  const id = `test-arg-${++fieldCount}`;
  const type = typeOf(schema);
  const data = { name, kind: type };
  let control;
  if (Array.isArray(schema.enum)) {
    control = h("select", { id, dataset: { ...data, kind: "enum" } },
      required ? null : h("option", { value: "" }, "(leave out)"),
      ...schema.enum.map((value) => h("option", { value: JSON.stringify(value) }, String(value))));
  } else if (type === "boolean") {
    control = h("select", { id, dataset: data },
      h("option", { value: "" }, "(leave out)"), h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
  } else if (type === "integer" || type === "number") {
    control = h("input", { id, type: "number", step: type === "integer" ? "1" : "any", dataset: data });
  } else if (type === "string") {
    control = h("input", { id, dataset: data, value: typeof schema.default === "string" ? schema.default : null });
  } else {
    control = h("textarea", { id, rows: "3", class: "code", dataset: { ...data, kind: "json" }, placeholder: "JSON" });
  }
  if (required) control.required = true;
  const hint = schema.description ? h("p", { class: "hint", id: `${id}-hint` }, schema.description) : null;
  if (hint) control.setAttribute("aria-describedby", hint.id);
  return h("div", { class: "field" },
    h("label", { for: id }, name, required ? h("span", { class: "muted" }, " (required)") : null),
    control, hint);
}

/** Inputs for an operation's arguments (`detail.parameters`, a JSON Schema object). */
export function testForm(detail) {
  const schema = detail.parameters ?? {};
  const required = new Set(schema.required ?? []);
  const properties = Object.entries(schema.properties ?? {});
  if (!properties.length) return h("p", { class: "hint" }, "This operation takes no arguments.");
  return h("div", {}, ...properties.map(([name, property]) => input(name, property ?? {}, required.has(name))));
}

/** The arguments the form gives (empty optional fields left out); throws with a message. */
export function testArguments(form) {
  const args = {};
  for (const control of form.querySelectorAll("[data-name]")) {
    const { name, kind } = control.dataset;
    const raw = control.value;
    if (raw === "") {
      if (control.required) throw new Error(`Fill in ${name}: it is required.`);
      continue;
    }
    if (kind === "integer" || kind === "number") args[name] = Number(raw);
    else if (kind === "boolean") args[name] = raw === "true";
    else if (kind === "enum") args[name] = JSON.parse(raw);
    else if (kind === "json") {
      try {
        args[name] = JSON.parse(raw);
      } catch {
        throw new Error(`${name} must be JSON, e.g. {"key": "value"} or [1, 2].`);
      }
    } else args[name] = raw;
  }
  return args;
}

function headerLines(headers) {
  return Object.entries(headers ?? {}).map(([name, value]) => `${name}: ${value}`).join("\n");
}

/** The outcome of a test call: status, then the redacted request and the response. */
export function testResult(outcome) {
  const record = outcome.record;
  const ok = outcome.status === "ok";
  const parts = [h("p", { class: ok ? "test-ok" : "form-error" }, ok ? "The call succeeded." : `The call ended: ${outcome.status}.`)];
  if (!record) {
    parts.push(h("pre", { class: "test-pre" }, outcome.content));
    return h("div", {}, ...parts);
  }
  const request = [`${record.method} ${record.url}`, headerLines(record.request_headers), record.request_body_excerpt]
    .filter(Boolean).join("\n");
  const response = [
    record.status !== null ? `HTTP ${record.status}${record.response_type ? ` (${record.response_type})` : ""}` : "No response",
    record.error ?? "",
    record.response_excerpt,
  ].filter(Boolean).join("\n");
  parts.push(
    h("h4", {}, "Request"), h("pre", { class: "test-pre", dataset: { testRequest: "" } }, request),
    h("h4", {}, "Response"), h("pre", { class: "test-pre", dataset: { testResponse: "" } }, response),
  );
  return h("div", {}, ...parts);
}
