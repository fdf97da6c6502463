// Copies the browser builds of the npm dependencies into the package's static folder.
// Nothing third-party is committed: src/datapolis/frontoffice/static/vendor is built here.
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "src", "datapolis", "frontoffice", "static", "vendor");
const files = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  // MapLibre GL 6 ships ES modules only: pages load it with <script type="module">.
  "maplibre-gl/maplibre-gl.mjs": "node_modules/maplibre-gl/dist/maplibre-gl.mjs",
  "maplibre-gl/maplibre-gl-shared.mjs": "node_modules/maplibre-gl/dist/maplibre-gl-shared.mjs",
  "maplibre-gl/maplibre-gl-worker.mjs": "node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs",
  "maplibre-gl/maplibre-gl.css": "node_modules/maplibre-gl/dist/maplibre-gl.css",
  "vega.min.js": "node_modules/vega/build/vega.min.js",
  "vega-lite.min.js": "node_modules/vega-lite/build/vega-lite.min.js",
  "vega-embed.min.js": "node_modules/vega-embed/build/vega-embed.min.js",
  "axe.min.js": "node_modules/axe-core/axe.min.js",
};

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
for (const [name, source] of Object.entries(files)) {
  const path = join(root, source);
  if (!existsSync(path)) {
    console.error(`missing ${source}: run npm ci first`);
    process.exit(1);
  }
  mkdirSync(dirname(join(vendor, name)), { recursive: true });
  cpSync(path, join(vendor, name));
}
console.log(`assets copied to ${vendor}`);
