// Messages that htmx swaps in with a region (hx-select-oob="#toasts") go away like those of a full page load.
(function () {
  "use strict";
  const TOAST_MS = 6000;
  document.addEventListener("htmx:afterSettle", () => {
    for (const node of document.querySelectorAll("#toasts .toast:not([data-timed])")) {
      node.dataset.timed = "true";
      setTimeout(() => node.remove(), TOAST_MS);
    }
  });
})();
