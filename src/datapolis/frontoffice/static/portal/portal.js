// Small behaviours of the pages; everything works without them (plain links and forms).
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#input-id">.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    const text = source.value !== undefined ? source.value : source.textContent;
    const done = function () {
      const label = button.textContent;
      button.textContent = "✓";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { source.select(); document.execCommand("copy"); done(); });
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // Read-only fields select their whole content on focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input[readonly], textarea[readonly]")) event.target.select();
  });

  // Filter forms leave empty fields out of the URL (it is the view's shareable state).
  document.addEventListener("htmx:configRequest", function (event) {
    const parameters = event.detail.parameters;
    if (!parameters || typeof parameters.forEach !== "function" || event.detail.verb !== "get") return;
    const empty = [];
    parameters.forEach(function (value, key) { if (value === "") empty.push(key); });
    empty.forEach(function (key) { parameters.delete(key); });
  });
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if ((form.method || "get").toLowerCase() !== "get") return;
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.name && field.value === "") {
        field.disabled = true;
        setTimeout(function () { field.disabled = false; }, 0);
      }
    });
  }, true);

  // After htmx changed the filters (and the URL), the dataset tabs keep them.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    const params = new URLSearchParams(window.location.search);
    params.delete("page");
    const query = params.toString();
    document.querySelectorAll(".tabs a").forEach(function (link) {
      const url = new URL(link.href, window.location.href);
      link.href = url.pathname + (query ? "?" + query : "");
    });
  });

  // Escape closes the search suggestions.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".suggestions").forEach(function (list) { list.innerHTML = ""; });
  });
})();
