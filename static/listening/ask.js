// The questions box: show the server's message for a rejected question too, and ask the examples it offers.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (event.detail.target.id === "ask-answer" && (status === 400 || status === 429)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("click", (event) => {
    const example = event.target.closest("[data-ask-example]");
    if (!example) return;
    const input = document.getElementById("ask-question");
    input.value = example.dataset.askExample;
    input.form.requestSubmit();
  });
})();
