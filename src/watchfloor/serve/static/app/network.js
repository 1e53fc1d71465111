// The actor network: affiliations (relations) and co-participation in events, node size by event count.

import { get } from "./api.js";
import { h } from "./dom.js";

const KIND_COLOURS = { armed_group: "#d1495b", state: "#24476b", person: "#edae49", media: "#66a182", political_party: "#8d6a9f", organisation: "#00798c" };

export async function renderNetwork(params) {
  const view = document.getElementById("view");
  const box = h("div", { id: "network" });
  const filterKeys = ["since", "until", "country", "type", "certainty", "grade", "q"];
  const filters = Object.fromEntries(filterKeys.filter((k) => params[k]).map((k) => [k, params[k]]));
  view.append(h("h1", {}, "Actor network"),
    h("p", { class: "muted" }, "Solid lines: stated relations (affiliate, faction…); dashed: took part in the same events. Node size: events. Click a node to open the actor."),
    box);
  const data = await get("network", filters);
  if (!data.nodes.length) { box.appendChild(h("p", { class: "muted" }, "No actors for these filters.")); return null; }
  const max = Math.max(1, ...data.nodes.map((n) => n.events));
  const elements = [
    ...data.nodes.map((n) => ({ data: { id: "a" + n.id, actor: n.id, label: n.name, size: 14 + 40 * Math.sqrt(n.events / max), colour: KIND_COLOURS[n.kind] || "#7f7f7f" } })),
    ...data.edges.map((e, i) => ({ data: { id: "e" + i, source: "a" + e.source, target: "a" + e.target, label: e.kind === "relation" ? e.type : "", kind: e.kind, weight: e.weight } })),
  ];
  const cy = cytoscape({
    container: box,
    elements,
    maxZoom: 1.6,
    layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 8000 },
    style: [
      { selector: "node", style: { label: "data(label)", width: "data(size)", height: "data(size)", "background-color": "data(colour)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 120 } },
      { selector: "edge", style: { width: "mapData(weight, 1, 10, 1, 6)", "line-color": "#9aa7b4", "curve-style": "bezier", label: "data(label)", "font-size": 8 } },
      { selector: "edge[kind = 'relation']", style: { "target-arrow-shape": "triangle", "target-arrow-color": "#9aa7b4", "line-color": "#5c6b7a" } },
      { selector: "edge[kind = 'co_participation']", style: { "line-style": "dashed" } },
    ],
  });
  cy.on("tap", "node", (event) => { location.hash = "#/actor/" + event.target.data("actor"); });
  window.__wfNetwork = cy;
  return () => cy.destroy();
}
