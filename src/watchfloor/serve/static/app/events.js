// The events dashboard: filters, a timeline with brushing, a map of places and the filtered list.

import { get } from "./api.js";
import { clear, h, quantity, say } from "./dom.js";
import { basemap } from "./basemap.js";

const FILTERS = ["since", "until", "country", "admin1", "type", "certainty", "grade", "q", "actor", "bbox"];
const PALETTE = ["#24476b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#c17c74", "#3d5a80", "#7f7f7f", "#2e4057"];

function pick(params, keys) {
  const out = {};
  for (const key of keys) if (params[key]) out[key] = params[key];
  return out;
}

function keepInHash(state) {
  const qs = new URLSearchParams(pick(state, [...FILTERS, "interval"])).toString();
  history.replaceState(null, "", "#/events" + (qs ? "?" + qs : ""));
}

function filterForm(state, facets, onChange) {
  const select = (name, values, label) => {
    const el = h("select", { name }, h("option", { value: "" }, "any"), values.map((v) => h("option", { value: v }, v)));
    el.value = state[name] || "";
    return h("label", {}, label, el);
  };
  const input = (name, label, type = "text", extra = {}) =>
    h("label", {}, label, h("input", { name, type, value: state[name] || "", ...extra }));
  const form = h("form", { class: "filters", id: "filters" },
    input("since", "From", "date"), input("until", "To", "date"),
    select("country", facets.countries, "Country"), input("admin1", "Admin 1", "text", { size: 10 }),
    select("type", facets.types, "Event type"), select("certainty", facets.certainties, "Certainty"),
    select("grade", facets.grades, "Source grade (or better)"), input("q", "Text", "search", { size: 14 }),
    input("actor", "Actor id", "number", { min: 1, style: "width:6em" }),
    h("label", {}, "Map view only", h("input", { name: "inview", type: "checkbox", checked: Boolean(state.bbox) })),
    h("label", {}, "Timeline", (() => {
      const el = h("select", { name: "interval" }, ["week", "month", "year"].map((v) => h("option", { value: v, selected: v === "month" }, v)));
      el.value = state.interval || "month";
      return el;
    })()),
    h("button", { type: "reset" }, "Clear"));
  const read = () => {
    const next = {};
    for (const name of FILTERS) {
      if (name === "bbox") continue;
      const value = form.elements[name]?.value;
      if (value) next[name] = value;
    }
    next.interval = form.elements.interval.value;
    next.inview = form.elements.inview.checked;
    return next;
  };
  form.addEventListener("change", () => onChange(read()));
  form.addEventListener("submit", (event) => { event.preventDefault(); onChange(read()); });
  form.addEventListener("reset", () => setTimeout(() => onChange(read()), 0));
  return form;
}

function drawTimeline(container, data, state, onBrush) {
  clear(container);
  const periods = allPeriods([...new Set(data.buckets.map((b) => b.period))].sort(), data.interval);
  const types = [...new Set(data.buckets.map((b) => b.type))].sort();
  if (!periods.length) { container.appendChild(h("p", { class: "muted" }, "No dated events.")); return; }
  const colour = (t) => PALETTE[types.indexOf(t) % PALETTE.length];
  const totals = Object.fromEntries(periods.map((p) => [p, 0]));
  for (const b of data.buckets) totals[b.period] += b.count;
  const max = Math.max(...Object.values(totals));
  const W = 800, H = 180, pad = 20, bw = (W - 2 * pad) / periods.length;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 20}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-label", "events by " + data.interval);
  const stack = Object.fromEntries(periods.map((p) => [p, 0]));
  for (const b of data.buckets) {
    const i = periods.indexOf(b.period);
    const height = (b.count / max) * (H - pad);
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", pad + i * bw + 1);
    rect.setAttribute("width", Math.max(1, bw - 2));
    rect.setAttribute("y", H - stack[b.period] - height);
    rect.setAttribute("height", height);
    rect.setAttribute("fill", colour(b.type));
    rect.setAttribute("class", "bar");
    const title = document.createElementNS(ns, "title");
    title.textContent = `${b.period} ${b.type}: ${b.count}`;
    rect.appendChild(title);
    svg.appendChild(rect);
    stack[b.period] += height;
  }
  for (const [i, p] of periods.entries()) {
    if (periods.length > 12 && i % Math.ceil(periods.length / 12)) continue;
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", pad + i * bw);
    label.setAttribute("y", H + 14);
    label.setAttribute("font-size", "10");
    label.textContent = p;
    svg.appendChild(label);
  }
  const brush = document.createElementNS(ns, "rect");
  brush.setAttribute("class", "brush");
  brush.setAttribute("y", 0);
  brush.setAttribute("height", H);
  brush.setAttribute("width", 0);
  svg.appendChild(brush);
  const toIndex = (event) => {
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * W;
    return Math.min(periods.length - 1, Math.max(0, Math.floor((x - pad) / bw)));
  };
  const show = (a, b) => {
    const lo = Math.min(a, b), hi = Math.max(a, b);
    brush.setAttribute("x", pad + lo * bw);
    brush.setAttribute("width", (hi - lo + 1) * bw);
  };
  if (state.since || state.until) {
    const lo = periods.findIndex((p) => !state.since || nextPeriod(p, data.interval) > state.since);
    const hiFound = periods.findLastIndex((p) => !state.until || p <= state.until);
    if (lo >= 0 && hiFound >= lo) show(lo, hiFound);
  }
  let start = null;
  svg.addEventListener("pointerdown", (event) => { start = toIndex(event); show(start, start); svg.setPointerCapture(event.pointerId); });
  svg.addEventListener("pointermove", (event) => { if (start !== null) show(start, toIndex(event)); });
  svg.addEventListener("pointerup", (event) => {
    if (start === null) return;
    const end = toIndex(event);
    const lo = Math.min(start, end), hi = Math.max(start, end);
    start = null;
    onBrush({ since: periods[lo], until: lastDay(periods[hi], data.interval) });
  });
  svg.addEventListener("dblclick", () => onBrush({ since: "", until: "" }));
  container.append(svg, h("div", { class: "legend" },
    types.map((t) => h("span", { style: "--swatch:" + colour(t) }, t)),
    h("span", { class: "muted" }, "drag to filter by date, double-click to clear")));
}

/** Every period from the first to the last one seen (empty ones too), at most 600. */
function allPeriods(seen, interval) {
  if (seen.length < 2) return seen;
  const out = [seen[0]];
  const last = seen[seen.length - 1];
  while (out[out.length - 1] < last && out.length < 600) out.push(nextPeriod(out[out.length - 1], interval));
  return out;
}

function nextPeriod(period, interval) {
  const d = new Date(period + "T00:00:00Z");
  if (interval === "week") d.setUTCDate(d.getUTCDate() + 7);
  else if (interval === "month") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.toISOString().slice(0, 10);
}

function lastDay(period, interval) {
  const d = new Date(nextPeriod(period, interval) + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function eventRow(event) {
  const place = [event.place || event.place_text, event.admin1, event.country].filter(Boolean).join(", ");
  return h("tr", { class: "clickable", dataset: { event: event.id }, onclick: () => { location.hash = "#/event/" + event.id; } },
    h("td", {}, h("a", { href: "#/event/" + event.id }, "#" + event.id)),
    h("td", {}, event.date || ""), h("td", {}, event.type), h("td", {}, place),
    h("td", {}, quantity(event.killed)), h("td", {}, event.certainty));
}

export async function renderEvents(params) {
  const view = document.getElementById("view");
  const state = { ...params, interval: params.interval || "month" };
  const facets = await get("facets");
  const timelineBox = h("div", { class: "timeline", id: "timeline" });
  const mapBox = h("div", { id: "map" });
  const tbody = h("tbody", { id: "event-rows" });
  const count = h("span", { class: "muted", id: "event-count" });
  const more = h("button", { type: "button", id: "more-events", hidden: true }, "More");
  let map = null;
  view.append(
    h("h1", {}, "Events"),
    filterForm(state, facets, (next) => {
      const bbox = next.inview && map ? boundsParam(map) : "";
      Object.assign(state, next, { bbox });
      for (const key of FILTERS) if (!(key in next) && key !== "bbox") delete state[key];
      refresh();
    }),
    h("div", { class: "panels" },
      h("section", { class: "panel" }, h("h2", {}, "Timeline"), timelineBox),
      h("section", { class: "panel" }, h("h2", {}, "Map"), mapBox)),
    h("h2", {}, "Events ", count),
    h("table", { class: "list" },
      h("thead", {}, h("tr", {}, ["id", "date", "type", "place", "killed", "certainty"].map((c) => h("th", {}, c)))), tbody),
    h("div", { class: "pager" }, more));

  map = await basemap(mapBox);
  const markers = L.layerGroup().addTo(map);
  map.on("moveend", () => {
    if (!document.getElementById("filters")?.elements.inview.checked) return;
    const bbox = boundsParam(map);
    if (bbox !== state.bbox) { state.bbox = bbox; refreshData({ fit: false }); }
  });
  let cursor = null;
  let generation = 0;
  let removed = false; // set when the page is left: late answers must not touch the removed map

  async function loadPage(reset) {
    const mine = generation;
    const page = await get("events", { ...pick(state, FILTERS), cursor: reset ? null : cursor, limit: 100 });
    if (mine !== generation) return;
    if (reset) clear(tbody);
    for (const event of page.items) tbody.appendChild(eventRow(event));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    count.textContent = "(" + tbody.children.length + (cursor ? "+" : "") + " shown)";
  }

  async function refreshData({ fit }) {
    generation += 1;
    keepInHash(state);
    try {
      const [points] = await Promise.all([get("map", pick(state, FILTERS)), loadPage(true)]);
      if (removed) return;
      markers.clearLayers();
      const max = Math.max(1, ...points.points.map((p) => p.count));
      for (const p of points.points) {
        const label = h("div", {}, h("strong", {}, p.name || "unnamed place"), h("br"), `${p.count} event(s)`,
          h("br"), h("a", { href: "#/events?" + new URLSearchParams({ ...pick(state, FILTERS), country: p.country || "" }) }, "filter to " + (p.country || "")));
        L.circleMarker([p.lat, p.lon], { radius: 4 + 16 * Math.sqrt(p.count / max), color: "#d1495b", weight: 1, fillOpacity: 0.6 })
          .bindPopup(label).addTo(markers);
      }
      if (fit && points.points.length && !state.bbox) {
        map.fitBounds(L.latLngBounds(points.points.map((p) => [p.lat, p.lon])).pad(0.5), { maxZoom: 6 });
      }
    } catch (error) {
      say(error.message);
    }
  }

  async function refresh() {
    try {
      const timeline = await get("timeline", { ...pick(state, FILTERS.filter((f) => f !== "since" && f !== "until")), interval: state.interval });
      drawTimeline(timelineBox, timeline, state, (range) => {
        Object.assign(state, range);
        const form = document.getElementById("filters");
        form.elements.since.value = range.since;
        form.elements.until.value = range.until;
        refreshData({ fit: false });
      });
    } catch (error) {
      say(error.message);
    }
    await refreshData({ fit: true });
  }

  more.addEventListener("click", () => loadPage(false).catch((error) => say(error.message)));
  await refresh();
  return () => { removed = true; map.stop(); map.remove(); };
}

function boundsParam(map) {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v)).toFixed(3);
  return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].join(",");
}
