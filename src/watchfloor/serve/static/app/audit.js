// The audit view: every API write (who, when, before, after) with a revert button.

import { get, send } from "./api.js";
import { clear, h, link, say } from "./dom.js";

function target(entry) {
  const id = entry.target_id;
  if (entry.target_type === "claim") return "claim #" + id;
  return link("/" + entry.target_type + "/" + id, entry.target_type + " #" + id);
}

function json(value) {
  return h("pre", { class: "json" }, JSON.stringify(value, null, 1));
}

export async function renderAudit() {
  const view = document.getElementById("view");
  const tbody = h("tbody", { id: "audit-rows" });
  const more = h("button", { type: "button", hidden: true }, "More");
  let cursor = null;
  const load = async (reset) => {
    const page = await get("audit", { cursor: reset ? null : cursor, limit: 100 });
    if (reset) clear(tbody);
    for (const e of page.items) {
      const state = e.reverted_by ? "reverted by #" + e.reverted_by : e.revert_of ? "reverts #" + e.revert_of : "";
      tbody.appendChild(h("tr", { dataset: { audit: e.id } },
        h("td", {}, "#" + e.id), h("td", {}, new Date(e.at).toISOString().replace("T", " ").slice(0, 19)),
        h("td", {}, e.who), h("td", {}, e.action), h("td", {}, target(e)),
        h("td", {}, json(e.before)), h("td", {}, json(e.after)),
        h("td", {}, state || h("button", { type: "button", class: "revert", onclick: async () => {
          try {
            const out = await send("POST", `audit/${e.id}/revert`);
            say("Reverted (audit #" + out.audit.id + ")", { ok: true });
            await load(true);
          } catch (error) { say(error.message); }
        } }, "Revert"))));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => load(false).catch((e) => say(e.message)));
  view.append(h("h1", {}, "Audit log"),
    h("table", { class: "list" }, h("thead", {}, h("tr", {}, ["id", "at (UTC)", "who", "action", "target", "before", "after", ""].map((c) => h("th", {}, c)))), tbody),
    h("div", { class: "pager" }, more));
  await load(true);
}
