// A claim card: evidence, source, grade, certainty, review status, and accept / reject / edit buttons.

import { send } from "./api.js";
import { clear, gradeBadge, h, link, say } from "./dom.js";

const CERTAINTIES = ["asserted", "reported", "alleged", "possible"];

function sourceLine(claim) {
  if (!claim.sources.length) {
    return h("span", {}, "source: report (", claim.publisher || "unknown publisher", ") ", gradeBadge(claim.grade));
  }
  return claim.sources.map((s) =>
    h("span", {}, "source: ", s.outlet || s.person || "unnamed", s.date ? " (" + s.date + ")" : "", " ", gradeBadge(s.grade)));
}

async function write(method, path, body, onChange) {
  try {
    const result = await send(method, path, body);
    say("Saved (audit #" + result.audit.id + ")", { ok: true });
    await onChange();
  } catch (error) {
    say(error.message);
  }
}

function editForm(claim, onChange, container) {
  const certainty = h("select", { name: "certainty" }, CERTAINTIES.map((c) => h("option", { value: c }, c)));
  certainty.value = claim.certainty;
  const values = h("textarea", { name: "values" });
  values.value = JSON.stringify(claim.values, null, 1);
  const note = h("input", { name: "note", placeholder: "note", maxlength: 2000, value: claim.review?.note || "" });
  const form = h("form", { class: "edit-form" },
    h("label", {}, "Certainty ", certainty),
    h("label", {}, "Values (JSON)"), values, note,
    h("div", {},
      h("button", { type: "submit" }, "Save edit"),
      h("button", { type: "button", onclick: () => form.remove() }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let parsed;
    try { parsed = JSON.parse(values.value || "{}"); } catch (_) { say("Values are not valid JSON"); return; }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) { say("Values must be a JSON object"); return; }
    await write("PATCH", "claims/" + claim.id, { certainty: certainty.value, values: parsed, note: note.value || null }, onChange);
  });
  container.appendChild(form);
}

/** A card for `claim`; `onChange` re-renders the page after a write; `selectable` adds a checkbox. */
export function claimCard(claim, { onChange, selectable = false, showDocument = true } = {}) {
  const status = claim.review ? claim.review.status : "pending";
  const card = h("article", { class: "claim " + status, dataset: { claim: claim.id } });
  const actions = h("div", { class: "actions" },
    selectable ? h("label", {}, h("input", { type: "checkbox", class: "split-pick", value: claim.id }), " split off") : null,
    h("button", { type: "button", class: "accept", onclick: () => write("POST", "claims/" + claim.id + "/review", { status: "accepted" }, onChange) }, "Accept"),
    h("button", { type: "button", class: "reject", onclick: () => write("POST", "claims/" + claim.id + "/review", { status: "rejected" }, onChange) }, "Reject"),
    h("button", { type: "button", class: "edit", onclick: () => editForm(claim, onChange, card) }, "Edit"));
  const edited = claim.certainty !== claim.extracted_certainty ? " (extracted: " + claim.extracted_certainty + ")" : "";
  card.append(
    h("div", { class: "evidence" }, "“", claim.evidence_text, "”"),
    h("div", { class: "meta" },
      h("span", { class: "badge status" }, status + (claim.review?.edited ? ", edited" : "")),
      h("span", {}, "certainty: " + claim.certainty + edited),
      sourceLine(claim),
      showDocument ? link("/document/" + encodeURIComponent(claim.document) + "?claim=" + claim.id, "in " + (claim.document_title || claim.document)) : null,
      claim.event ? link("/event/" + claim.event, "event #" + claim.event) : null,
      claim.review ? h("span", {}, "reviewed by " + claim.review.reviewer) : null),
    actions);
  return card;
}

/** Render `claims` into `container` (cleared first). */
export function claimList(container, claims, options) {
  clear(container);
  if (!claims.length) container.appendChild(h("p", { class: "muted" }, "No claims."));
  for (const claim of claims) container.appendChild(claimCard(claim, options));
  return container;
}
