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

  // Escape closes the search suggestions.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".suggestions").forEach(function (list) { list.innerHTML = ""; });
  });
})();
