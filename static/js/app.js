// Site-wide behaviour: the phone menu, toasts, and the notifications socket that tasks push to.
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

  // The menu collapses only once this script runs: without it the links stay on the page, wrapped.
  function collapsibleMenu(toggle) {
    const nav = toggle.closest("nav");
    const setOpen = (open) => {
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("menu-open", open);
    };
    nav.classList.add("menu-collapsible");
    toggle.hidden = false;
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    nav.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && nav.classList.contains("menu-open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.querySelector(".menu-toggle");
    if (toggle) collapsibleMenu(toggle);
    for (const node of toasts().querySelectorAll(".toast")) setTimeout(() => node.remove(), TOAST_MS);
    const path = document.body.dataset.notificationsUrl;
    if (path) connectNotifications(path, 0);
  });
})();
