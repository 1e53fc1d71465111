// The report list and the document view with every claim's evidence span highlighted.

import { get } from "./api.js";
import { clear, h, link, say } from "./dom.js";
import { claimList } from "./claims.js";

export async function renderDocuments(params) {
  const view = document.getElementById("view");
  const q = h("input", { type: "search", name: "q", value: params.q || "", placeholder: "full text" });
  const tbody = h("tbody", { id: "document-rows" });
  const more = h("button", { type: "button", hidden: true }, "More");
  let cursor = null;
  const load = async (reset) => {
    const page = await get("documents", { q: q.value, cursor: reset ? null : cursor, limit: 100 });
    if (reset) clear(tbody);
    for (const d of page.items) {
      tbody.appendChild(h("tr", {},
        h("td", {}, link("/document/" + encodeURIComponent(d.id), d.title || d.file)),
        h("td", {}, d.publisher || ""), h("td", {}, d.published || ""), h("td", {}, d.language || "")));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener("click", () => load(false).catch((e) => say(e.message)));
  view.append(h("h1", {}, "Reports"),
    h("form", { class: "filters", onsubmit: (event) => { event.preventDefault(); load(true).catch((e) => say(e.message)); } },
      h("label", {}, "Search", q), h("button", { type: "submit" }, "Search")),
    h("table", { class: "list" }, h("thead", {}, h("tr", {}, ["title", "publisher", "published", "language"].map((c) => h("th", {}, c)))), tbody),
    h("div", { class: "pager" }, more));
  await load(true);
}

/** The text split at every claim boundary; spans covered by a claim become <mark> elements. */
function highlighted(text, claims, selected) {
  const cuts = new Set([0, text.length]);
  for (const c of claims) { cuts.add(Math.max(0, Math.min(text.length, c.evidence_start))); cuts.add(Math.max(0, Math.min(text.length, c.evidence_end))); }
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i < points.length - 1; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const piece = text.slice(a, b);
    const covering = claims.filter((c) => c.evidence_start <= a && c.evidence_end >= b);
    if (!covering.length) { out.push(piece); continue; }
    const isSelected = covering.some((c) => c.id === selected);
    out.push(h("mark", { class: isSelected ? "selected" : "", title: "claim " + covering.map((c) => "#" + c.id).join(", "), dataset: { claims: covering.map((c) => c.id).join(" ") } }, piece));
  }
  return out;
}

export async function renderDocument(id, params) {
  const view = document.getElementById("view");
  const body = h("div", { id: "document-page" });
  view.appendChild(body);
  const selected = params.claim ? Number(params.claim) : null;

  async function draw() {
    const d = await get("documents/" + encodeURIComponent(id));
    clear(body);
    const claimsBox = h("div", { id: "claims" });
    const textBox = h("div", { class: "doc-text", id: "doc-text" }, highlighted(d.text, d.claims, selected));
    body.append(
      h("h1", {}, d.title || d.file),
      h("p", { class: "muted" }, [d.publisher, d.published, d.author, d.url].filter(Boolean).join(" · ")),
      textBox,
      h("h2", {}, `Claims in this report (${d.claims.length})`),
      claimsBox);
    claimList(claimsBox, d.claims, { onChange: draw, showDocument: false });
    const mark = textBox.querySelector("mark.selected");
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  await draw();
}
