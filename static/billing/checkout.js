// After Checkout: Premium starts when Stripe's webhook reaches the server, not when the listener lands here. Wait
// for the notifications socket's billing.updated; ask once the socket is ready too, in case it came before.
(function () {
  "use strict";
  const SLOW_MS = 10000;

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.getElementById("checkout-success");
    if (!page || page.dataset.premium === "true") return;
    const show = (when) => {
      for (const node of page.querySelectorAll(".confirming")) node.hidden = node.dataset.when !== when;
    };
    let premium = false;
    const confirmed = () => { premium = true; show("premium"); };
    const slow = setTimeout(() => { if (!premium) show("slow"); }, SLOW_MS);

    document.addEventListener("rewrapped:billing.updated", (event) => {
      if (event.detail.premium) { clearTimeout(slow); confirmed(); }
    });
    document.addEventListener("rewrapped:ready", async () => {
      const response = await fetch(page.dataset.billingUrl, { headers: { Accept: "application/json" } });
      if (response.ok && (await response.json()).premium) { clearTimeout(slow); confirmed(); }
    });
  });
})();
