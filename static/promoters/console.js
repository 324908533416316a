// The artist search box that select2 draws for targeting has no label of its own: give it the field's.
(function () {
  "use strict";
  function label(root) {
    for (const box of root.querySelectorAll(".select2-search__field:not([aria-label])")) {
      const container = box.closest(".related-widget-wrapper, .form-row");
      const name = container && container.querySelector("label");
      box.setAttribute("aria-label", name ? `Search ${name.textContent.replace(/:$/, "")}` : "Search");
    }
  }
  window.addEventListener("load", () => {
    label(document);
    new MutationObserver(() => label(document)).observe(document.body, { childList: true, subtree: true });
  });
})();
