// Site-wide behaviour: toasts, and the notifications socket that tasks push to.
(function () {
  "use strict";
  const TOAST_MS = 6000;
  const toasts = () => document.getElementById("toasts");

  function showToast(message, level) {
    const node = document.createElement("div");
    node.className = "toast toast-" + (level || "info");
    node.textContent = message;
    toasts().appendChild(node);
    setTimeout(() => node.remove(), TOAST_MS);
  }
  window.rewrapped = { showToast };

  function connectNotifications(path, attempt) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + path);
    socket.addEventListener("open", () => { attempt = 0; });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      document.dispatchEvent(new CustomEvent("rewrapped:" + data.type, { detail: data }));
      if (data.type === "notify") showToast(data.message, data.level);
      if (data.type === "ready") document.body.dataset.notificationsReady = "true";
    });
    socket.addEventListener("close", (event) => {
      delete document.body.dataset.notificationsReady;
      if (event.code === 4401) return; // signed out: nothing to listen for
      const delay = Math.min(30000, 1000 * 2 ** attempt);
      setTimeout(() => connectNotifications(path, attempt + 1), delay);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const node of toasts().querySelectorAll(".toast")) setTimeout(() => node.remove(), TOAST_MS);
    const path = document.body.dataset.notificationsUrl;
    if (path) connectNotifications(path, 0);
  });
})();
