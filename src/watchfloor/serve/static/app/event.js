// The event page: its fields, participants and every claim with review buttons; merge and split;
// and the fused event it belongs to (every report of the same real-world event side by side).

import { get, send } from "./api.js";
import { append, clear, gradeBadge, h, link, quantity, say } from "./dom.js";
import { claimList } from "./claims.js";

function figure(f) {
  if (!f) return null;
  return f.low === f.high ? String(f.best) : `${f.best} (low ${f.low}, high ${f.high})`;
}

/** The fused event of this report's event: figures, grade and each sibling report with a link to its evidence. */
function fusedSection(fe, eventId) {
  const rows = fe.members.map((m) => {
    const claim = m.claims[0];
    const own = m.event === eventId;
    return h("tr", { dataset: { event: String(m.event) }, class: own ? "current" : null },
      h("td", {}, own ? "this report" : link("/event/" + m.event, "event #" + m.event)),
      h("td", {}, m.publisher || m.document, m.published ? ` (${m.published})` : ""),
      h("td", {}, quantity(m.killed)),
      h("td", {}, m.certainty),
      h("td", {}, gradeBadge(m.grade)),
      h("td", { class: "evidence" }, claim ? claim.evidence_text : ""),
      h("td", {}, claim
        ? link(`/document/${encodeURIComponent(m.document)}?claim=${claim.id}`, "evidence")
        : link("/document/" + encodeURIComponent(m.document), "report")));
  });
  return h("section", { id: "fused-event" },
    h("h2", {}, `Fused event #${fe.id}: ${fe.reports} report${fe.reports === 1 ? "" : "s"}`),
    fields([
      ["killed", figure(fe.killed)],
      ["injured", figure(fe.injured)],
      ["grade", h("span", { class: "badge grade-" + fe.reliability, title: "Admiralty grade: source reliability A–F, information credibility 1–6" }, fe.grade)],
      ["independent sources", String(fe.independent_sources)],
    ]),
    h("table", { class: "list", id: "fused-members" },
      h("thead", {}, h("tr", {}, ["report", "outlet", "killed", "certainty", "grade", "says", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows)));
}

function fields(rows) {
  return h("dl", { class: "fields" }, rows.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

export async function renderEvent(id) {
  const view = document.getElementById("view");
  const body = h("div", { id: "event-page" });
  view.appendChild(body);

  async function draw() {
    const e = await get("events/" + id);
    let fused = null;
    if (e.fused_event) {
      try { fused = await get("fused-events/" + e.fused_event); } catch (error) { say(error.message); }
    }
    clear(body);
    const claimsBox = h("div", { id: "claims" });
    const other = h("input", { type: "number", min: 1, name: "other", placeholder: "event id", style: "width:7em" });
    append(body, [  // append() skips nulls (the DOM's own append would print "null")
      h("h1", {}, `Event #${e.id}: ${e.type}${e.subtype ? " / " + e.subtype : ""}`),
      e.merged_into ? h("p", {}, "Merged into ", link("/event/" + e.merged_into, "event #" + e.merged_into)) : null,
      fields([
        ["date", e.date ? `${e.date} (${e.date_precision})` : null],
        ["place", [e.place || e.place_text, e.admin1, e.country].filter(Boolean).join(", ")],
        ["coordinates", e.lat !== null && e.lat !== undefined ? `${e.lat}, ${e.lon}` : null],
        ["killed", quantity(e.killed)], ["injured", quantity(e.injured)], ["arrested", quantity(e.arrested)],
        ["kidnapped", quantity(e.kidnapped)], ["count", quantity(e.count)],
        ["target", e.target], ["target type", e.target_type], ["weapons", e.weapons.join(", ")],
        ["suicide", e.suicide === null ? null : String(e.suicide)], ["claimed", e.claimed === null ? null : String(e.claimed)],
        ["certainty", e.certainty],
        ["origin report", link("/document/" + encodeURIComponent(e.document), e.document)],
        ["merged from", e.merged_from.length ? e.merged_from.map((m) => link("/event/" + m, "#" + m + " ")) : null],
        ["fused event", e.fused_event ? "#" + e.fused_event : null],
      ]),
      fused ? fusedSection(fused, e.id) : null,
      h("h2", {}, "Participants"),
      e.participants.length
        ? h("ul", {}, e.participants.map((p) => h("li", {}, link("/actor/" + p.actor, p.name), ` (${p.kind}) — ${p.role}`)))
        : h("p", { class: "muted" }, "None recorded."),
      h("h2", {}, `Claims (${e.claims.length})`),
      claimsBox,
      h("div", { class: "inline-form" },
        h("button", { type: "button", id: "split-event", onclick: async () => {
          const picked = [...claimsBox.querySelectorAll("input.split-pick:checked")].map((el) => Number(el.value));
          if (!picked.length) { say("Tick the claims to move onto a new event"); return; }
          try {
            const out = await send("POST", `events/${id}/split`, { claims: picked });
            say("Split (audit #" + out.audit.id + ")", { ok: true });
            location.hash = "#/event/" + out.audit.after.new_event;
          } catch (error) { say(error.message); }
        } }, "Split ticked claims into a new event")),
      h("form", { class: "inline-form", onsubmit: async (event) => {
        event.preventDefault();
        try {
          const out = await send("POST", `events/${id}/merge`, { other: Number(other.value) });
          say("Merged (audit #" + out.audit.id + ")", { ok: true });
          await draw();
        } catch (error) { say(error.message); }
      } }, "Merge event ", other, " into this one ", h("button", { type: "submit" }, "Merge"))]);
    claimList(claimsBox, e.claims, { onChange: draw, selectable: true });
  }

  await draw();
}
