// The dataset map: MapLibre GL drawing the engine's vector tiles (/api/tiles/...).
// Under the data: the basemap style set by the administrator (DATAPOLIS_BASEMAP_STYLE_URL),
// else, offline, the territory's commune boundaries served by this instance as vector tiles
// (config.background), named with HTML labels. Cluster counts are HTML labels too: they need
// no glyphs (font files), which an offline instance does not have.
import { Map, Marker, NavigationControl, Popup, ScaleControl } from "../vendor/maplibre-gl/maplibre-gl.mjs";

const container = document.getElementById("map");
const config = JSON.parse(document.getElementById(container.dataset.configId).textContent);
const palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];

function colorExpression() {
  if (!config.color || config.color.breaks.length < 2) return config.primary;
  const breaks = config.color.breaks;
  const steps = ["step", ["to-number", ["get", config.color.field], breaks[0]], palette[0]];
  for (let i = 1; i < breaks.length - 1 && i < palette.length; i++) steps.push(breaks[i], palette[i]);
  return steps;
}

function legend() {
  const box = document.getElementById("map-legend");
  if (!box || !config.color) return;
  const format = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 2 });
  const breaks = config.color.breaks;
  const title = document.createElement("strong");
  title.textContent = config.color.label;
  box.appendChild(title);
  for (let i = 0; i < breaks.length - 1 && i < palette.length; i++) {
    const item = document.createElement("span");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = palette[i];
    item.appendChild(swatch);
    item.append(" " + format.format(breaks[i]) + " – " + format.format(breaks[i + 1]));
    box.appendChild(item);
  }
}

function dataLayers() {
  const color = colorExpression();
  if (config.kind === "shapes") {
    return [
      { id: "data-fill", type: "fill", source: "data", "source-layer": "data",
        paint: { "fill-color": color, "fill-opacity": config.color ? 0.8 : 0.35 } },
      { id: "data-line", type: "line", source: "data", "source-layer": "data",
        paint: { "line-color": "#1b1f24", "line-width": 0.8, "line-opacity": 0.6 } },
    ];
  }
  return [
    { id: "data-clusters", type: "circle", source: "data", "source-layer": "data",
      filter: [">", ["get", "point_count"], 1],
      paint: {
        "circle-color": config.primary,
        "circle-opacity": 0.75,
        "circle-radius": ["interpolate", ["linear"], ["ln", ["get", "point_count"]], 0, 8, 4, 14, 10, 26],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1.5,
      } },
    { id: "data-points", type: "circle", source: "data", "source-layer": "data",
      filter: ["==", ["get", "point_count"], 1],
      paint: { "circle-color": color, "circle-radius": 5, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } },
  ];
}

function backgroundLayers() {
  if (!config.background) return [];
  return [
    { id: "basemap-fill", type: "fill", source: "basemap", "source-layer": "data",
      paint: { "fill-color": "#f7f4ee", "fill-opacity": 1 } },
    { id: "basemap-line", type: "line", source: "basemap", "source-layer": "data",
      paint: { "line-color": "#8a8f98", "line-width": 1, "line-dasharray": [3, 2] } },
  ];
}

function style() {
  const sources = { data: { type: "vector", tiles: [config.tiles], minzoom: 0, maxzoom: 16 } };
  if (config.background) {
    sources.basemap = { type: "vector", tiles: [config.background.tiles], minzoom: 0, maxzoom: 16,
      attribution: config.background.title };
  }
  return {
    version: 8,
    sources,
    layers: [{ id: "background", type: "background", paint: { "background-color": "#dfe6ec" } },
      ...backgroundLayers(), ...dataLayers()],
  };
}

// HTML labels kept in step with what is drawn: one per cluster, one per background area.
function labelMarkers(map, className, collect) {
  let markers = [];
  function refresh() {
    for (const marker of markers) marker.remove();
    markers = collect().map(({ text, lngLat }) => {
      const element = document.createElement("span");
      element.className = className;
      element.textContent = text;
      element.setAttribute("aria-hidden", "true");
      return new Marker({ element }).setLngLat(lngLat).addTo(map);
    });
  }
  map.on("idle", refresh);
  map.on("movestart", () => { for (const marker of markers) marker.getElement().hidden = true; });
}

function clusterLabels(map) {
  const format = new Intl.NumberFormat(document.documentElement.lang, { notation: "compact" });
  return () => {
    const seen = new Set();
    const labels = [];
    for (const feature of map.queryRenderedFeatures({ layers: ["data-clusters"] })) {
      const [lon, lat] = feature.geometry.coordinates;
      const key = lon.toFixed(6) + "," + lat.toFixed(6);
      if (seen.has(key)) continue;
      seen.add(key);
      labels.push({ text: format.format(feature.properties.point_count), lngLat: [lon, lat] });
    }
    return labels;
  };
}

// A name at the centre of each background area's box (pieces from every tile merged).
function areaLabels(map) {
  const field = config.background.label;
  return () => {
    if (!field || map.getZoom() < 8) return [];
    const boxes = {};
    for (const feature of map.querySourceFeatures("basemap", { sourceLayer: "data" })) {
      const name = feature.properties[field];
      if (!name) continue;
      const box = boxes[name] || (boxes[name] = [180, 90, -180, -90]);
      const rings = feature.geometry.type === "Polygon" ? feature.geometry.coordinates
        : feature.geometry.coordinates.flat();
      for (const [lon, lat] of rings.flat()) {
        box[0] = Math.min(box[0], lon); box[1] = Math.min(box[1], lat);
        box[2] = Math.max(box[2], lon); box[3] = Math.max(box[3], lat);
      }
    }
    const view = map.getBounds();
    return Object.entries(boxes)
      .map(([text, box]) => ({ text, lngLat: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2] }))
      .filter((label) => view.contains(label.lngLat))
      .slice(0, 200);
  };
}

function webglAvailable() {
  try {
    const canvas = document.createElement("canvas");
    return !!(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch (error) {
    return false;
  }
}

// Dates and datetimes in the page's language, as the table writes them.
function displayed(value, type) {
  const lang = document.documentElement.lang;
  if (type === "date" || type === "datetime") {
    const moment = new Date(type === "date" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value + "T00:00:00" : value);
    if (!Number.isNaN(moment.getTime())) {
      return type === "date"
        ? moment.toLocaleDateString(lang, { day: "2-digit", month: "2-digit", year: "numeric" })
        : moment.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Paris" });
    }
  }
  if (typeof value === "number") return new Intl.NumberFormat(lang).format(value);
  return String(value);
}

function popupHtml(feature) {
  const table = document.createElement("table");
  table.className = "popup-table";
  const properties = feature.properties;
  if (properties.point_count > 1) {
    const row = table.insertRow();
    row.insertCell().textContent = new Intl.NumberFormat(document.documentElement.lang).format(properties.point_count)
      + " " + container.dataset.labelCount;
    table.insertRow().insertCell().textContent = container.dataset.labelZoom;
    return table;
  }
  for (const field of config.tooltip) {
    if (properties[field.name] === undefined || properties[field.name] === null) continue;
    const row = table.insertRow();
    const head = document.createElement("th");
    head.scope = "row";
    head.textContent = field.label;
    row.appendChild(head);
    row.insertCell().textContent = displayed(properties[field.name], field.type);
  }
  return table;
}

// MapLibre's own labels (buttons, canvas), in the page's language.
function uiStrings() {
  const labels = container.dataset;
  return {
    "Map.Title": labels.labelMap,
    "NavigationControl.ZoomIn": labels.labelZoomIn,
    "NavigationControl.ZoomOut": labels.labelZoomOut,
    "Popup.Close": labels.labelClose,
    "AttributionControl.ToggleAttribution": labels.labelAttribution,
  };
}

// A click (or a tap) on a feature pins its popup, which stays open until closed or another
// click; hovering with a mouse shows a passing one. Taps are read from touch events because
// MapLibre cancels the mouse events a browser would derive from them.
function showPopups(map, layers) {
  const pinned = new Popup({ closeButton: true, closeOnClick: false, maxWidth: "320px" });
  const passing = new Popup({ closeButton: false, closeOnClick: false, maxWidth: "320px" });
  function featureAt(point, tolerance) {
    const box = [[point.x - tolerance, point.y - tolerance], [point.x + tolerance, point.y + tolerance]];
    return map.queryRenderedFeatures(box, { layers })[0];
  }
  function open(event, tolerance) {
    const feature = featureAt(event.point, tolerance);
    passing.remove();
    if (!feature) { pinned.remove(); return; }
    if (feature.properties.point_count > 1) {
      map.easeTo({ center: event.lngLat, zoom: Math.min(map.getZoom() + 2, 16) });
    }
    pinned.setLngLat(event.lngLat).setDOMContent(popupHtml(feature)).addTo(map);
  }
  let lastTap = 0;
  // A browser may still derive a click from a tap: it must not act twice (a cluster would zoom twice).
  map.on("click", (event) => { if (Date.now() - lastTap > 700) open(event, 3); });
  let touchStart = null;
  const canvas = map.getCanvasContainer();
  function touchPoint(touch) {
    const box = canvas.getBoundingClientRect();
    return { x: touch.clientX - box.left, y: touch.clientY - box.top };
  }
  canvas.addEventListener("touchstart", (event) => {
    touchStart = event.touches.length === 1 ? touchPoint(event.touches[0]) : null;
  }, { passive: true });
  canvas.addEventListener("touchend", (event) => {
    const end = event.changedTouches.length === 1 ? touchPoint(event.changedTouches[0]) : null;
    if (touchStart && end && Math.hypot(end.x - touchStart.x, end.y - touchStart.y) < 8) {
      lastTap = Date.now();
      open({ point: end, lngLat: map.unproject([end.x, end.y]) }, 12);
    }
    touchStart = null;
  }, { passive: true });
  map.on("mousemove", (event) => {
    const feature = featureAt(event.point, 3);
    map.getCanvas().style.cursor = feature ? "pointer" : "";
    if (feature && !pinned.isOpen()) {
      passing.setLngLat(event.lngLat).setDOMContent(popupHtml(feature)).addTo(map);
    } else {
      passing.remove();
    }
  });
  container.popup = pinned;
}

function start() {
  if (!webglAvailable()) {
    container.classList.add("map-message");
    container.textContent = container.dataset.labelNowebgl;
    container.dataset.state = "no-webgl";
    return;
  }
  const options = { container, style: config.basemap || style(), attributionControl: { compact: true }, locale: uiStrings() };
  if (config.bounds) options.bounds = config.bounds;
  options.fitBoundsOptions = { padding: 30, maxZoom: 15 };
  const map = new Map(options);
  container.map = map;
  map.addControl(new NavigationControl({ showCompass: false }));
  map.addControl(new ScaleControl());
  map.on("load", () => {
    if (config.basemap) {
      map.addSource("data", { type: "vector", tiles: [config.tiles], minzoom: 0, maxzoom: 16 });
      for (const layer of dataLayers()) map.addLayer(layer);
    }
    const interactive = dataLayers().map((layer) => layer.id).filter((id) => map.getLayer(id) && !id.endsWith("-line"));
    showPopups(map, interactive);
    labelMarkers(map, "map-cluster-count", clusterLabels(map));
    if (config.background) labelMarkers(map, "map-area-name", areaLabels(map));
    container.dataset.state = "loaded";
  });
  map.on("idle", () => { container.dataset.idle = "true"; });
  map.on("error", (event) => { container.dataset.error = String(event.error && event.error.message); });
  legend();
}

start();
