// A picture that fails to load (offline, a host that is down, an address gone stale) shows the generated cover
// its tag carries instead of a broken image. Loaded in <head> without defer, so the listener is there before any
// <img> is parsed; error events do not bubble, so it listens in the capture phase.
document.addEventListener("error", (event) => {
  const img = event.target;
  if (img instanceof HTMLImageElement && img.dataset.coverFallback && img.src !== img.dataset.coverFallback) {
    img.src = img.dataset.coverFallback;
  }
}, true);
