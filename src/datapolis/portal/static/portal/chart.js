// Renders the page's Vega-Lite spec (JSON data written by the server) with vega-embed.
(function () {
  "use strict";
  const element = document.getElementById("chart");
  if (!element || typeof vegaEmbed === "undefined") return;
  const spec = JSON.parse(document.getElementById(element.dataset.specId).textContent);
  // The spec reads the Explore API by a path: resolve it against this page's origin.
  spec.data.url = new URL(spec.data.url, window.location.origin).href;
  vegaEmbed(element, spec, { actions: { export: true, source: false, compiled: false, editor: false }, renderer: "svg" })
    .then(function (result) {
      element.querySelectorAll("details > summary").forEach(function (summary) {
        summary.setAttribute("aria-label", element.dataset.labelActions);
      });
      element.dataset.rendered = "true";
      element.chartView = result.view;
    })
    .catch(function (error) {
      element.dataset.rendered = "error";
      element.textContent = element.dataset.labelError + " " + error;
    });
})();
