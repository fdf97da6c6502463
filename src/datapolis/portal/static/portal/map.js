// The dataset map: MapLibre GL drawing the engine's vector tiles (/api/tiles/...).
// No basemap by default (works offline): a plain background and the data layers; a
// basemap style URL set by the administrator (DATAPOLIS_BASEMAP_STYLE_URL) goes under them.
import { Map, NavigationControl, Popup, ScaleControl } from "../vendor/maplibre-gl/maplibre-gl.mjs";

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
    { id: "data-cluster-count", type: "symbol", source: "data", "source-layer": "data",
      filter: [">", ["get", "point_count"], 1],
      layout: { "text-field": ["to-string", ["get", "point_count"]], "text-size": 11, "text-font": ["Noto Sans Regular"] },
      paint: { "text-color": "#ffffff" } },
    { id: "data-points", type: "circle", source: "data", "source-layer": "data",
      filter: ["==", ["get", "point_count"], 1],
      paint: { "circle-color": color, "circle-radius": 5, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1 } },
  ];
}

function style() {
  return {
    version: 8,
    // Glyphs are only needed for cluster counts; without a basemap, counts show in popups.
    sources: { data: { type: "vector", tiles: [config.tiles], minzoom: 0, maxzoom: 16 } },
    layers: [{ id: "background", type: "background", paint: { "background-color": "#e9eef3" } },
      ...dataLayers().filter((layer) => layer.type !== "symbol")],
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
    row.insertCell().textContent = String(properties[field.name]);
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
      for (const layer of dataLayers()) {
        if (layer.type === "symbol" && !map.getStyle().glyphs) continue;
        map.addLayer(layer);
      }
    }
    const interactive = dataLayers().map((layer) => layer.id).filter((id) => map.getLayer(id) && !id.endsWith("-line"));
    const popup = new Popup({ closeButton: true, maxWidth: "320px" });
    for (const id of interactive) {
      map.on("click", id, (event) => {
        const feature = event.features[0];
        if (feature.properties.point_count > 1) {
          map.easeTo({ center: event.lngLat, zoom: Math.min(map.getZoom() + 2, 16) });
        }
        popup.setLngLat(event.lngLat).setDOMContent(popupHtml(feature)).addTo(map);
      });
      map.on("mousemove", id, (event) => {
        map.getCanvas().style.cursor = "pointer";
        if (!popup.isOpen() || popup._hover) {
          popup.setLngLat(event.lngLat).setDOMContent(popupHtml(event.features[0])).addTo(map);
          popup._hover = true;
        }
      });
      map.on("mouseleave", id, () => {
        map.getCanvas().style.cursor = "";
        if (popup._hover) { popup.remove(); popup._hover = false; }
      });
    }
    container.dataset.state = "loaded";
  });
  map.on("idle", () => { container.dataset.idle = "true"; });
  map.on("error", (event) => { container.dataset.error = String(event.error && event.error.message); });
  legend();
}

start();
