// Small DOM helpers: build elements from data without ever parsing HTML strings.

/**
 * Create an element. `attrs` keys: `class`, `text`, `on<Event>` (listeners), `dataset`,
 * boolean attributes (set when true, left out when false/null), any other attribute.
 * Children may be nodes, strings, numbers, arrays of them, or null (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace the children of `el` (by id or element) with `children`. */
export function fill(el, ...children) {
  const target = typeof el === "string" ? document.getElementById(el) : el;
  target.replaceChildren();
  append(target, children);
  return target;
}

/** The element with this id (throws when the page lacks it: a bug, not a user error). */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no element #${id}`);
  return el;
}

/** A number of credits as people write it: 3, 2.5, 0.67. */
export function credits(value) {
  const n = Number(value);
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

/** "1 credit", "3 credits". */
export function creditsText(value) {
  return `${credits(value)} ${Number(value) === 1 ? "credit" : "credits"}`;
}

/**
 * A table in a keyboard-scrollable region. Each body cell carries its column's name
 * (`data-label`), so that narrow screens can show every row as a labelled card.
 */
export function table(caption, headers, rows, foot = null) {
  const names = headers.map((x) => x.text ?? x);
  for (const row of rows) {
    [...row.children].forEach((cell, i) => {
      if (names[i]) cell.dataset.label = names[i];
    });
  }
  const t = h(
    "table",
    {},
    caption ? h("caption", { text: caption }) : null,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col", class: x.class || null }, x.text ?? x)))),
    h("tbody", {}, rows),
    foot,
  );
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption || headers.map((x) => x.text ?? x).join(", ") }, t);
}

/** A list of located errors (file:line:col, field path, message). */
export function errorList(errors) {
  return h(
    "ul",
    { class: "error-list" },
    errors.map((e) => {
      let where = e.file || "";
      if (e.line) where += `:${e.line}:${e.col || 1}`;
      return h(
        "li",
        {},
        where ? h("span", { class: "where" }, where) : null,
        where ? " " : null,
        e.path ? h("code", {}, e.path) : null,
        e.path ? ": " : null,
        e.message,
      );
    }),
  );
}
