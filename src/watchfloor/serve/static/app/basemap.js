// An offline Leaflet basemap: Natural Earth country boundaries shipped as GeoJSON (no tile server).

let countries = null;

function loadCountries() {
  if (!countries) {
    countries = fetch("/static/vendor/world-atlas/countries-50m.geojson").then((r) => {
      if (!r.ok) throw new Error("basemap: cannot load country boundaries");
      return r.json();
    });
  }
  return countries;
}

/** A Leaflet map in `container` with the country layer drawn. */
export async function basemap(container) {
  const map = L.map(container, {
    preferCanvas: true, worldCopyJump: true, minZoom: 1, maxZoom: 10, attributionControl: true,
    // no animations: a page change may remove the map while one would still be running
    zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false,
  }).setView([20, 20], 2);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Boundaries: Natural Earth");
  const data = await loadCountries();
  L.geoJSON(data, {
    style: { color: "#8a99a8", weight: 0.6, fillColor: "#e9edf1", fillOpacity: 1 },
    onEachFeature: (feature, layer) => {
      const name = document.createElement("span");
      name.textContent = feature.properties && feature.properties.name ? feature.properties.name : "";
      layer.bindTooltip(name, { sticky: true });
    },
  }).addTo(map);
  return map;
}
