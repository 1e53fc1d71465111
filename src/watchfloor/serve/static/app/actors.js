// The actor list and the actor page (merges, relations, events and every claim).

import { get, send } from "./api.js";
import { clear, h, link, say } from "./dom.js";
import { claimList } from "./claims.js";

export async function renderActors(params) {
  const view = document.getElementById("view");
  const q = h("input", { type: "search", name: "q", value: params.q || "", placeholder: "name or alias" });
  const tbody = h("tbody", { id: "actor-rows" });
  const more = h("button", { type: "button", hidden: true }, "More");
  let cursor = null;
  const load = async (reset) => {
    const page = await get("actors", { q: q.value, cursor: reset ? null : cursor, limit: 100 });
    if (reset) clear(tbody);
    for (const a of page.items) {
      tbody.appendChild(h("tr", { class: "clickable", onclick: () => { location.hash = "#/actor/" + a.id; } },
        h("td", {}, link("/actor/" + a.id, a.name)), h("td", {}, a.kind), h("td", {}, a.country || ""),
        h("td", {}, String(a.events)), h("td", {}, a.aliases.filter((x) => x !== a.name).join(", "))));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  const form = h("form", { class: "filters", onsubmit: (event) => { event.preventDefault(); load(true).catch((e) => say(e.message)); } },
    h("label", {}, "Search", q), h("button", { type: "submit" }, "Search"));
  more.addEventListener("click", () => load(false).catch((e) => say(e.message)));
  view.append(h("h1", {}, "Actors"), form,
    h("table", { class: "list" }, h("thead", {}, h("tr", {}, ["name", "kind", "country", "events", "aliases"].map((c) => h("th", {}, c)))), tbody),
    h("div", { class: "pager" }, more));
  await load(true);
}

export async function renderActor(id) {
  const view = document.getElementById("view");
  const body = h("div", { id: "actor-page" });
  view.appendChild(body);

  async function write(path, payload, message) {
    try {
      const out = await send("POST", path, payload);
      say(message + " (audit #" + out.audit.id + ")", { ok: true });
      await draw();
      return out;
    } catch (error) { say(error.message); return null; }
  }

  async function draw() {
    const a = await get("actors/" + id);
    clear(body);
    const other = h("input", { type: "number", min: 1, placeholder: "actor id", style: "width:7em" });
    const claimsBox = h("div", { id: "claims" });
    body.append(
      h("h1", {}, a.name),
      h("p", { class: "muted" }, `${a.kind}${a.country ? ", " + a.country : ""} — ${a.events} event(s)`),
      a.aliases.length ? h("p", {}, "Also known as: ", a.aliases.join(", ")) : null,
      h("h2", {}, "Relations"),
      a.relations.length ? h("ul", {}, a.relations.map((r) => h("li", {},
        link("/actor/" + r.source, r.source_name), ` ${r.type}${r.status ? " (" + r.status + ")" : ""} `, link("/actor/" + r.target, r.target_name))))
        : h("p", { class: "muted" }, "None."),
      h("h2", {}, "Recent events"),
      a.recent_events.length ? h("ul", {}, a.recent_events.map((e) => h("li", {}, link("/event/" + e.id, `#${e.id} ${e.type}`), ` ${e.date || ""} ${e.place || ""}`)))
        : h("p", { class: "muted" }, "None."),
      h("h2", {}, "Merges (documents whose actor joined this one)"),
      h("table", { class: "list" }, h("tbody", {}, a.merges.map((m) => h("tr", {},
        h("td", {}, m.local_name), h("td", {}, link("/document/" + encodeURIComponent(m.document), m.document.slice(0, 12))),
        h("td", {}, m.reason + (m.undone ? " (undone)" : "")),
        h("td", {}, m.undone ? "" : h("button", { type: "button", class: "split-merge", onclick: () => write(`actors/${id}/split`, { merge: m.id }, "Split off") }, "Split off")))))),
      h("form", { class: "inline-form", onsubmit: (event) => { event.preventDefault(); write(`actors/${id}/merge`, { other: Number(other.value) }, "Merged"); } },
        "Merge actor ", other, " into this one ", h("button", { type: "submit" }, "Merge")),
      h("h2", {}, `Claims (${a.claims.length})`), claimsBox);
    claimList(claimsBox, a.claims, { onChange: draw });
  }

  await draw();
}
