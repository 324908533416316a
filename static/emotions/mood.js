// The mood page: the camera's frames, your words and your picks go to the mood socket (/ws/mood/); the mood it
// reads and the songs for it come back and are shown in place. Frames are small JPEGs drawn from the preview,
// sent one at a time: a new one only once the last was answered (or plainly lost), never faster than the server
// allows. No inline script anywhere (CSP).
(function () {
  "use strict";
  const FRAME_EVERY_MS = 500;
  const FRAME_SLOWEST_MS = 4000;
  const ANSWER_WAIT_MS = 2000; // a frame the server dropped is never answered: send the next after this
  const FRAME_WIDTH = 320;
  const FRAME_QUALITY = 0.7;
  const FRAME_MOST_BYTES = 200 * 1024;
  const PING_EVERY_MS = 30000;
  const CHART_POINTS = 600;
  const percent = new Intl.NumberFormat(undefined, { style: "percent" });
  const clockTime = d3.timeFormat("%H:%M:%S");

  const root = document.querySelector(".mood-page");
  const $ = (id) => document.getElementById(id);
  const video = $("camera-preview");
  const canvas = document.createElement("canvas");
  const moodLabels = {};
  document.querySelectorAll(".mood-pick").forEach((button) => { moodLabels[button.dataset.mood] = button.textContent; });

  let socket = null;
  let attempt = 0;
  let stream = null;
  let frameEvery = FRAME_EVERY_MS;
  let frameSentAt = 0; // when the unanswered frame went out; 0: none is waiting
  let strategy = document.querySelector('input[name="strategy"]:checked').value;
  let shown = { mood: null, strategy }; // what the songs on screen were chosen for
  let freeSongs = null; // free songs left; null: Premium (no limit) or not told yet
  let upgradeOpener = null; // the Play button the upgrade dialog was opened from
  const points = [];

  // --- the socket ----------------------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.moodSocket);
    socket.addEventListener("open", () => { attempt = 0; $("socket-status").textContent = "Connected."; });
    socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
    socket.addEventListener("close", closed);
  }

  function closed(event) {
    frameSentAt = 0;
    if (event.code === 4401) {
      note("You are signed out: sign in again to go on.");
      return;
    }
    if (event.code === 4429) frameEvery = Math.min(frameEvery * 2, FRAME_SLOWEST_MS); // other tabs send frames too
    $("socket-status").textContent = "Connection lost; reconnecting…";
    const delay = Math.min(30000, 500 * 2 ** attempt);
    attempt += 1;
    setTimeout(connect, delay);
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(typeof message === "string" ? message : JSON.stringify(message));
      return true;
    }
    note("Not connected right now; trying again…");
    return false;
  }

  function receive(message) {
    if (message.type === "ready") {
      showMood(message.mood, null);
      // A reconnect starts a new socket at the server's default: keep the listener's own choice.
      if (message.strategy !== strategy) send({ type: "strategy", strategy });
    } else if (message.type === "mood") {
      if (message.source === "face") {
        frameSentAt = 0;
        // A frame sent just before the camera was stopped may be answered after: it must not say the camera reads.
        if (stream) faces(message.faces);
      }
      if (message.current) addPoint(message.current);
      showMood(message.current, message.source);
    } else if (message.type === "unsure") {
      note(message.message);
    } else if (message.type === "recommendations") {
      showSongs(message);
      showFreeSongs(message.free_songs_remaining);
    }
  }

  // --- the camera ----------------------------------------------------------------------------------------
  function cameraMessage(text) { $("camera-message").textContent = text; }

  function cameraShown(on) {
    $("camera-on").hidden = !on;
    $("camera-stop").hidden = !on;
    $("camera-start").hidden = on;
    root.classList.toggle("camera-running", on);
  }

  async function cameraStart() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraMessage("This browser cannot share a camera with this page. Tell us how you feel in words, or pick a mood.");
      return;
    }
    cameraMessage("Asking for your camera…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false,
      });
    } catch (error) {
      stream = null;
      cameraShown(false);
      if (error.name === "NotAllowedError" || error.name === "SecurityError") {
        cameraMessage("The camera is blocked for this page. Allow it in your browser's site settings to let us read " +
          "your face, or tell us how you feel in words or pick a mood below.");
      } else if (error.name === "NotFoundError" || error.name === "OverconstrainedError") {
        cameraMessage("No camera found. Tell us how you feel in words, or pick a mood below.");
      } else {
        cameraMessage("The camera could not start. Tell us how you feel in words, or pick a mood below.");
      }
      return;
    }
    video.srcObject = stream;
    video.play().catch(() => {});
    stream.getVideoTracks().forEach((track) => track.addEventListener("ended", cameraStop));
    cameraShown(true);
    cameraMessage("Reading your mood from the camera twice a second. Frames are never stored.");
  }

  function cameraStop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    frameSentAt = 0;
    cameraShown(false);
    cameraMessage("Camera off. Tell us how you feel in words, or pick a mood.");
  }

  function sendFrame() {
    const waiting = frameSentAt && Date.now() - frameSentAt < ANSWER_WAIT_MS;
    const ready = stream && socket && socket.readyState === WebSocket.OPEN && !document.hidden;
    if (ready && !waiting && video.readyState >= 2 && video.videoWidth) {
      canvas.width = FRAME_WIDTH;
      canvas.height = Math.round((FRAME_WIDTH * video.videoHeight) / video.videoWidth);
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      frameSentAt = Date.now();
      canvas.toBlob((blob) => {
        if (blob && blob.size <= FRAME_MOST_BYTES && socket.readyState === WebSocket.OPEN) socket.send(blob);
        else frameSentAt = 0;
      }, "image/jpeg", FRAME_QUALITY);
    }
    setTimeout(sendFrame, frameEvery);
  }

  function faces(count) {
    if (count === 0) cameraMessage("No face in view: look at the camera, in good light.");
    else if (count > 1) cameraMessage(`${count} faces in view: reading the largest.`);
    else cameraMessage("Reading your mood from the camera twice a second. Frames are never stored.");
  }

  // --- the mood ------------------------------------------------------------------------------------------
  const SOURCES = { face: "from your face", text: "from your words", manual: "your pick" };

  function note(text) { $("mood-note").textContent = text; }

  function showMood(current, source) {
    const label = current && current.mood ? moodLabels[current.mood] || current.mood : null;
    // Only the label is spoken (aria-live): confidence moves with every frame and would never stop talking.
    const sentence = label ? `You seem ${label.toLowerCase()}.` : "We don't know your mood yet.";
    if ($("mood-current").textContent !== sentence) $("mood-current").textContent = sentence;
    root.dataset.mood = current && current.mood ? current.mood : "";
    if (label) {
      const from = source ? SOURCES[source] : "your latest mood";
      note(`${percent.format(current.confidence)} sure · ${from}`);
    }
    document.querySelectorAll(".mood-pick").forEach((button) => {
      button.setAttribute("aria-pressed", String(source === "manual" && current && button.dataset.mood === current.mood));
    });
  }

  function addPoint(current) {
    points.push({ at: new Date(), valence: current.valence, arousal: current.arousal });
    if (points.length > CHART_POINTS) points.shift();
    drawChart();
  }

  function drawChart() {
    const width = 480, height = 200, margin = { top: 10, right: 10, bottom: 24, left: 34 };
    $("mood-chart-empty").hidden = true;
    const container = d3.select("#mood-chart");
    let svg = container.select("svg");
    if (svg.empty()) {
      svg = container.append("svg").attr("viewBox", `0 0 ${width} ${height}`);
      svg.append("g").attr("class", "x-axis").attr("transform", `translate(0,${height - margin.bottom})`);
      svg.append("g").attr("class", "y-axis").attr("transform", `translate(${margin.left},0)`);
      svg.append("line").attr("class", "zero-line");
      svg.append("path").attr("class", "line-valence");
      svg.append("path").attr("class", "line-arousal");
    }
    const x = d3.scaleTime().domain(d3.extent(points, (d) => d.at)).range([margin.left, width - margin.right]);
    if (points.length === 1) x.domain([new Date(points[0].at - 1000), points[0].at]);
    const y = d3.scaleLinear().domain([-1, 1]).range([height - margin.bottom, margin.top]);
    svg.select(".x-axis").call(d3.axisBottom(x).ticks(4).tickFormat(clockTime).tickSizeOuter(0));
    svg.select(".y-axis").call(d3.axisLeft(y).ticks(4));
    svg.select(".zero-line").attr("x1", margin.left).attr("x2", width - margin.right).attr("y1", y(0)).attr("y2", y(0));
    for (const key of ["valence", "arousal"]) {
      svg.select(`.line-${key}`).datum(points)
        .attr("d", d3.line().x((d) => x(d.at)).y((d) => y(d[key])).curve(d3.curveMonotoneX));
    }
  }

  // --- the songs -----------------------------------------------------------------------------------------
  function initials(name) {
    const letters = name.split(/\s+/).map((word) => (word.match(/[\p{L}\p{N}]/u) || [""])[0]).join("");
    return letters.slice(0, 2).toUpperCase() || "♪";
  }

  function hue(name) {
    let hash = 0;
    for (const char of name.toLowerCase()) hash = (hash * 31 + char.codePointAt(0)) % 360;
    return hash;
  }

  function coverOf(item) {
    const fallback = document.createElement("span");
    fallback.className = "generated-cover";
    fallback.setAttribute("aria-hidden", "true");
    fallback.textContent = initials(item.name);
    fallback.style.setProperty("--cover-hue", hue(item.name));
    if (!item.cover_url) return fallback;
    const img = document.createElement("img");
    img.className = "cover";
    img.src = item.cover_url;
    img.alt = "";
    img.width = 56;
    img.height = 56;
    img.addEventListener("error", () => img.replaceWith(fallback));
    return img;
  }


  function songsSentence(message) {
    const count = message.items.length;
    const songs = `${count} song${count === 1 ? "" : "s"}`;
    if (!message.mood) return `${songs} you love. Tell us your mood for songs that fit it.`;
    const mood = (moodLabels[message.mood] || message.mood).toLowerCase();
    return message.strategy === "lift" ? `${songs} to lift your ${mood} mood.` : `${songs} to match your ${mood} mood.`;
  }

  function showSongs(message) {
    shown = { mood: message.mood, strategy: message.strategy };
    $("songs-status").textContent = message.items.length ? songsSentence(message)
      : "No songs to recommend yet: import your Spotify history, or pick songs you love in your library.";
    const list = d3.select("#recommendations").attr("data-mood", message.mood || "").attr("data-strategy", message.strategy);
    list.selectAll("li.recommendation")
      .data(message.items, (item) => item.id)
      .join((enter) => enter.append("li").attr("class", "recommendation").each(function (item) { build(this, item); }))
      .each(function (item) { fill(this, item); })
      .order();
  }

  function build(li, item) {
    li.append(coverOf(item));
    const text = document.createElement("div");
    text.className = "recommendation-text";
    text.innerHTML = '<strong class="song-name"></strong> <span class="song-artist"></span><small class="song-reason"></small>';
    li.append(text);
    // A button, not a link to the song: the song is opened only once its play is counted (see playSong), so a
    // middle-click or "open in new tab" cannot play it without the free-song gate.
    const play = document.createElement("button");
    play.type = "button";
    play.className = "play-button";
    play.textContent = "Play";
    play.addEventListener("click", (event) => playSong(event, li.__data__));
    li.append(play);
  }

  function fill(li, item) {
    li.querySelector(".song-name").textContent = item.name;
    li.querySelector(".song-artist").textContent = `· ${item.artist}`;
    li.querySelector(".song-reason").textContent = item.reason;
    const play = li.querySelector(".play-button");
    play.setAttribute("aria-label", `Play ${item.name} by ${item.artist} on Spotify`);
  }

  // --- the free songs and the upgrade dialog --------------------------------------------------------------
  function showFreeSongs(remaining) {
    freeSongs = typeof remaining === "number" ? remaining : null;
    const line = $("free-songs");
    line.hidden = freeSongs === null;
    if (freeSongs === null) return;
    line.textContent = freeSongs === 0 ? "No free songs left."
      : `${freeSongs} free song${freeSongs === 1 ? "" : "s"} left.`;
  }

  function upgradeOffer(message, opener) {
    upgradeOpener = opener;
    $("upgrade-message").textContent = message;
    $("upgrade-dialog").showModal();
  }

  function wireUpgradeDialog() {
    const dialog = $("upgrade-dialog");
    $("upgrade-later").addEventListener("click", () => dialog.close());
    // Escape closes it too (the browser's own); either way the listener is back on the Play they pressed.
    dialog.addEventListener("close", () => {
      if (upgradeOpener && upgradeOpener.isConnected) upgradeOpener.focus();
      upgradeOpener = null;
    });
    // The modal dialog makes the page inert, but Tab past its last control would leave for the browser's own
    // toolbar: keep it going round the dialog's controls.
    dialog.addEventListener("keydown", (event) => {
      if (event.key !== "Tab") return;
      const stops = dialog.querySelectorAll("a[href], button");
      const first = stops[0];
      const last = stops[stops.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });
  }

  function spotifyUrl(track) {
    return track.spotify_id
      ? `https://open.spotify.com/track/${encodeURIComponent(track.spotify_id)}`
      : `https://open.spotify.com/search/${encodeURIComponent(`${track.name} ${track.artist}`)}`;
  }

  // Counts the play (the same endpoint the API offers), then opens the song its answer names on Spotify (the
  // list's songs carry no Spotify id once the free songs are used up). The tab is opened at the click, while the
  // browser still counts it as the listener's own action, and sent to the song once the play is counted: a
  // refused play closes it again and says why. With the free songs used up, no tab is opened: the server's
  // refusal opens the upgrade dialog instead (and if Premium came meanwhile, the song still plays).
  async function playSong(event, item) {
    const button = event.currentTarget;
    const tab = freeSongs === 0 ? null : window.open("", "_blank");
    if (tab) tab.opener = null;
    let refusal = null;
    let played = null;
    try {
      const response = await fetch(root.dataset.playsUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrfToken },
        body: JSON.stringify({ track: item.id, mood: shown.mood || "", strategy: shown.strategy, reason: item.reason }),
      });
      const body = await response.json().catch(() => null);
      if (response.status === 402 && body && body.error) {
        if (tab) tab.close();
        showFreeSongs(0);
        upgradeOffer(body.error.message, button);
        return;
      }
      if (!response.ok || !body) {
        refusal = (body && body.error && body.error.message) || "This song could not be played.";
      } else {
        played = body.track;
        showFreeSongs(body.free_songs_remaining);
      }
    } catch (error) {
      refusal = "Could not reach Re-Wrapped: check your connection and try again.";
    }
    if (refusal) {
      if (tab) tab.close();
      window.rewrapped.showToast(refusal, "error");
      return;
    }
    if (tab) tab.location.href = spotifyUrl(played);
    else window.open(spotifyUrl(played), "_blank", "noopener");
  }

  // --- what the listener does ----------------------------------------------------------------------------
  function wire() {
    wireUpgradeDialog();
    $("camera-stop").addEventListener("click", () => { cameraStop(); $("camera-start").focus(); });
    $("camera-start").addEventListener("click", () => cameraStart().then(() => {
      if (stream) $("camera-stop").focus();
    }));
    $("mood-text-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("mood-text");
      const text = input.value.trim();
      if (!text) {
        note("Write a few words about how you feel first.");
        return;
      }
      if (send({ type: "text", text })) {
        input.value = "";
        note("Reading your words…");
      }
    });
    document.querySelectorAll(".mood-pick").forEach((button) => {
      button.addEventListener("click", () => send({ type: "pick", mood: button.dataset.mood }));
    });
    document.querySelectorAll('input[name="strategy"]').forEach((radio) => {
      radio.addEventListener("change", () => {
        strategy = radio.value;
        send({ type: "strategy", strategy });
      });
    });
    // A tab in the background sends no frames; the camera stays on for when it comes back.
    document.addEventListener("visibilitychange", () => { if (!document.hidden) frameSentAt = 0; });
    window.addEventListener("pagehide", () => { if (stream) stream.getTracks().forEach((track) => track.stop()); });
    setInterval(() => { if (socket && socket.readyState === WebSocket.OPEN) socket.send('{"type": "ping"}'); }, PING_EVERY_MS);
  }

  function start() {
    wire();
    connect();
    cameraStart();
    sendFrame();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
