// The workbench's hash router: #/events, #/event/ID, #/actors, #/actor/ID, #/network, #/documents, #/document/ID, #/audit.

import { credentials, saveCredentials } from "./api.js";
import { clear, h, say } from "./dom.js";
import { renderEvents } from "./events.js";
import { renderEvent } from "./event.js";
import { renderActors, renderActor } from "./actors.js";
import { renderNetwork } from "./network.js";
import { renderDocuments, renderDocument } from "./documents.js";
import { renderAudit } from "./audit.js";

const routes = [
  [/^\/events$/, (m, params) => renderEvents(params)],
  [/^\/event\/(\d+)$/, (m, params) => renderEvent(Number(m[1]), params)],
  [/^\/actors$/, (m, params) => renderActors(params)],
  [/^\/actor\/(\d+)$/, (m, params) => renderActor(Number(m[1]), params)],
  [/^\/network$/, (m, params) => renderNetwork(params)],
  [/^\/documents$/, (m, params) => renderDocuments(params)],
  [/^\/document\/([^/?#]+)$/, (m, params) => renderDocument(decodeURIComponent(m[1]), params)],
  [/^\/audit$/, (m, params) => renderAudit(params)],
];

let teardown = null;

async function route() {
  const hash = location.hash.replace(/^#/, "") || "/events";
  const [path, query = ""] = hash.split("?");
  const params = Object.fromEntries(new URLSearchParams(query));
  const view = clear(document.getElementById("view"));
  if (typeof teardown === "function") { try { teardown(); } catch (_) { /* view already gone */ } }
  teardown = null;
  for (const a of document.querySelectorAll("nav a[data-nav]")) {
    a.classList.toggle("active", path.startsWith("/" + a.dataset.nav.replace(/s$/, "")));
  }
  for (const [pattern, render] of routes) {
    const match = path.match(pattern);
    if (match) {
      try {
        teardown = await render(match, params);
      } catch (error) {
        say(error.message || String(error));
        view.appendChild(h("p", { class: "muted" }, "Could not load this page: " + (error.message || error)));
      }
      return;
    }
  }
  view.appendChild(h("p", {}, "No such page."));
}

function setupCredentials() {
  const form = document.getElementById("credentials");
  const { token, analyst } = credentials();
  form.token.value = token;
  form.analyst.value = analyst;
  form.addEventListener("input", () => saveCredentials({ token: form.token.value, analyst: form.analyst.value }));
  form.addEventListener("submit", (event) => event.preventDefault());
}

setupCredentials();
window.addEventListener("hashchange", route);
route();
