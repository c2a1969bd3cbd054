// Small DOM helpers shared by the pages. Text from the server or a model is always set
// with textContent (never innerHTML); only HTML the server sanitized goes in as HTML.

/** Create an element: h("a", {href: "/x", class: "y"}, "text", child...). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Show (or, with null, hide) a form's error line. */
export function showError(container, message) {
  const line = container.querySelector("[data-form-error]") ?? container;
  line.textContent = message ?? "";
  line.hidden = !message;
}

/** Disable a button while `work` runs; re-enable it afterwards. */
export async function busy(button, work) {
  const wasDisabled = button.disabled;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = wasDisabled;
    button.removeAttribute("aria-busy");
  }
}

/** The values of a form's named fields, as an object of strings. */
export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}
