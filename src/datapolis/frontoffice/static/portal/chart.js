// Renders the page's Vega-Lite spec (JSON data written by the server) with vega-embed.
(function () {
  "use strict";
  const element = document.getElementById("chart");
  if (!element || typeof vegaEmbed === "undefined") return;
  const spec = JSON.parse(document.getElementById(element.dataset.specId).textContent);
  // The spec reads the Explore API by a path: resolve it against this page's origin.
  spec.data.url = new URL(spec.data.url, window.location.origin).href;
  // The actions menu and the axes (numbers, month and day names) speak the page's language.
  const locale = JSON.parse(document.getElementById(element.dataset.localeId).textContent);
  const options = {
    // The Content-Security-Policy forbids eval: Vega's expressions are parsed to trees and run by
    // the interpreter vega-embed bundles (vega-interpreter), not compiled with new Function.
    ast: true,
    // Nor <style> elements: the rules of vega-embed and vega-tooltip are in portal.css.
    defaultStyle: false,
    forceActionsMenu: true,
    tooltip: { disableDefaultStyle: true },
    actions: { export: true, source: false, compiled: false, editor: false },
    renderer: "svg",
    i18n: {
      CLICK_TO_VIEW_ACTIONS: element.dataset.labelActions,
      SVG_ACTION: element.dataset.labelSvg,
      PNG_ACTION: element.dataset.labelPng,
    },
    formatLocale: locale.number,
    timeFormatLocale: locale.time,
  };
  vegaEmbed(element, spec, options)
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
