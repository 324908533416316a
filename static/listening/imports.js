// Live progress for imports, fed by the notifications socket (see static/js/app.js).
(function () {
  "use strict";
  const number = new Intl.NumberFormat();
  const plural = new Intl.PluralRules("en");
  // "1 play", "2 plays": the count and the word that fits it.
  const count = (n, one, other) => `${number.format(n)} ${plural.select(n) === "one" ? one : other}`;

  function describe(detail) {
    if (detail.status !== "running") return "";
    const eta = detail.eta_seconds == null ? "" : ` · about ${Math.max(1, Math.round(detail.eta_seconds))} s left`;
    return `${detail.percent}% · file ${Math.min(detail.files_done + 1, detail.files)} of ${detail.files} · ` +
      `${count(detail.rows, "play", "plays")} read · ${number.format(detail.rows_per_second)} plays/s${eta}`;
  }

  function summaryList(summary) {
    const list = document.createElement("ul");
    list.className = "summary-list";
    const known = [
      [summary.duplicates_in_upload, "duplicate row", "duplicate rows", " inside this upload, counted once"],
      [summary.already_in_history, "already in your history", "already in your history", ", skipped"],
      [summary.matched_sync, "matched a play from your Spotify sync", "matched a play from your Spotify sync", ", counted once"],
    ];
    const lines = [
      `${count(summary.added, "play", "plays")} added (${count(summary.music, "song", "songs")}, ` +
        `${count(summary.podcasts, "podcast episode", "podcast episodes")}, ` +
        `${count(summary.audiobooks, "audiobook chapter", "audiobook chapters")})`,
      ...known.filter(([n]) => n).map(([n, one, other, rest]) => `${count(n, one, other)}${rest}`),
      ...Object.entries(summary.unreadable || {}).map(([reason, n]) => `${count(n, "row", "rows")} not imported: ${reason}`),
    ];
    for (const line of lines) {
      const item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    }
    return list;
  }

  // The dashboard on the days the import had plays on (server-side twin: listening/_import_summary.html).
  function statsLink(summary) {
    const line = document.createElement("p");
    const link = document.createElement("a");
    const query = new URLSearchParams({ period: "custom", start: summary.first_day, end: summary.last_day });
    link.href = `/listening/?${query}`;
    link.className = "see-stats";
    link.setAttribute("role", "button");
    link.textContent = "See your stats";
    const span = document.createElement("small");
    span.className = "muted";
    span.textContent = ` from ${summary.first_day} to ${summary.last_day}`;
    line.append(link, span);
    return line;
  }

  // An import (or its undoing) can finish between this page being served and its socket opening: once the
  // socket is ready, ask for the state of every one still shown as under way, so none waits for a push that is gone.
  const underWay = ["queued", "running", "undoing"];
  document.addEventListener("rewrapped:ready", () => {
    for (const card of document.querySelectorAll(underWay.map((status) => `[data-job][data-status="${status}"]`).join(", "))) {
      fetch(`/api/v1/listening/imports/${card.dataset.job}/`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((job) => {
          if (!job || underWay.includes(job.status)) return;
          document.dispatchEvent(new CustomEvent("rewrapped:import.progress", { detail: {
            job: job.id, status: job.status, percent: job.status === "done" ? 100 : null,
            summary: job.summary, error: job.error,
          } }));
        });
    }
  });

  document.addEventListener("rewrapped:import.progress", (event) => {
    const detail = event.detail;
    const card = document.querySelector(`[data-job="${detail.job}"]`);
    if (!card) return;
    card.dataset.status = detail.status;
    const bar = card.querySelector("progress");
    if (bar && detail.percent != null) bar.value = detail.percent;
    const text = card.querySelector(".job-progress");
    if (text) text.textContent = describe(detail);
    if (detail.status === "running") return;
    card.querySelector(".job-status").textContent =
      { done: "Done", failed: "Failed", cancelled: "Cancelled", undone: "Undone" }[detail.status] || detail.status;
    for (const node of card.querySelectorAll("progress, .job-progress, form, .job-undo")) node.remove();
    const summary = card.querySelector(".job-summary");
    summary.replaceChildren();
    if (detail.status === "done") {
      summary.appendChild(summaryList(detail.summary));
      if (detail.summary.first_day) summary.appendChild(statsLink(detail.summary));
      const undo = document.createElement("a");
      undo.className = "job-undo";
      undo.href = `/listening/import/${detail.job}/undo/`;
      undo.textContent = "Undo this import";
      card.appendChild(undo);
    }
    if (detail.status === "undone") {
      const undone = document.createElement("p");
      undone.textContent =
        `Undone: the ${count(detail.summary.removed, "play it had added is", "plays it had added are")} no longer in your history.`;
      summary.appendChild(undone);
    }
    if (detail.error) {
      const error = document.createElement("p");
      error.className = "error-text";
      error.textContent = detail.error;
      summary.appendChild(error);
    }
  });
})();
