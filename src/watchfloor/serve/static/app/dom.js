// DOM helpers: every piece of report text goes through textContent or text nodes, never HTML parsing.

/** Create an element; `props` sets attributes/properties, children are nodes or strings (as text). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "disabled") el[key] = value;
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Append nodes or strings (strings become text nodes). */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Remove every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** A link to a hash route. */
export function link(route, text) {
  return h("a", { href: "#" + route }, text);
}

export function quantity(q) {
  if (!q) return "";
  const words = { exact: "", at_least: "at least ", more_than: "more than ", about: "about ", at_most: "at most ", fewer_than: "fewer than " };
  const prefix = words[q.qualifier] ?? q.qualifier + " ";
  return prefix + q.value + (q.high ? "–" + q.high : "");
}

export function gradeBadge(grade) {
  return h("span", { class: "badge grade-" + grade, title: "source reliability (Admiralty A–F)" }, "grade " + grade);
}

let statusTimer = null;
/** Show a one-line message (error by default) in the status bar. */
export function say(message, { ok = false } = {}) {
  const el = document.getElementById("status");
  el.textContent = message;
  el.classList.toggle("ok", ok);
  clearTimeout(statusTimer);
  if (ok) statusTimer = setTimeout(() => { el.textContent = ""; }, 4000);
}
