// Pre-fills a time zone still at the default (UTC, which nobody chose) with the one the browser reports, for the
// listener to confirm; a zone they saved is left alone.
(function () {
  "use strict";
  const form = document.querySelector("[data-detect-time-zone]");
  const select = form && form.querySelector("select[name=time_zone]");
  if (!select || select.value !== "UTC") return;
  // Some browsers report an old alias (Asia/Calcutta): the page lists the canonical zone each one names.
  const aliases = JSON.parse(document.getElementById("time-zone-aliases").textContent);
  const reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const detected = aliases[reported] || reported;
  const option = detected && Array.from(select.options).find((candidate) => candidate.value === detected);
  if (!option || detected === "UTC") return;
  select.value = detected;
  const note = document.getElementById("time-zone-detected");
  if (note) note.textContent = `Your browser says ${option.textContent}: confirm it, or pick another.`;
})();
