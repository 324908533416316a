// Lists that load their next page as it scrolls into view (a `.more-sentinel` at their end, see
// listening/_recent_rows.html). htmx swaps nothing when a page fails to load (offline, a server error) and the
// sentinel's trigger has already fired, so without this it would say "Loading more…" for ever.
(function () {
  "use strict";
  function failed(event) {
    const sentinel = event.detail.elt;
    if (!sentinel.classList.contains("more-sentinel")) return;
    const message = document.createElement("span");
    message.textContent = "Could not load more. ";
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "secondary outline";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => {
      const loading = document.createElement("span");
      loading.setAttribute("aria-busy", "true");
      loading.textContent = "Loading more…";
      sentinel.replaceChildren(loading);
      sentinel.setAttribute("aria-hidden", "true");
      htmx.trigger(sentinel, "retry");
    });
    sentinel.removeAttribute("aria-hidden");
    sentinel.replaceChildren(message, retry);
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
})();
