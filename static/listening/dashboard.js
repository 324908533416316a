// Dashboard and item-page charts, drawn with D3 from the JSON the page embeds (no inline script: CSP).
(function () {
  "use strict";
  const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const number = new Intl.NumberFormat();
  const plural = new Intl.PluralRules("en");
  // "1 play", "2 plays": the count and the word that fits it.
  const count = (n, one, other) => `${number.format(n)} ${plural.select(n) === "one" ? one : other}`;
  // Months come as ISO dates ("2026-03-01"), read and shown in UTC so no viewer's zone turns one into the day
  // before (1 March would be 28 February west of Greenwich).
  const monthOf = d3.utcParse("%Y-%m-%d");
  const monthLabel = d3.utcFormat("%b %Y");

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function clock(container, clockData) {
    const cell = 22, left = 40, top = 20;
    const svg = d3.select(container).append("svg")
      .attr("viewBox", `0 0 ${left + 24 * cell} ${top + 7 * cell}`).attr("class", "clock-svg");
    const colour = d3.scaleSequential(d3.interpolateGreens).domain([0, Math.max(clockData.max, 1)]);
    const cells = clockData.minutes.flatMap((hours, day) => hours.map((minutes, hour) => ({ day, hour, minutes })));
    svg.append("g").selectAll("rect").data(cells).join("rect")
      .attr("class", "clock-cell")
      .attr("x", (d) => left + d.hour * cell).attr("y", (d) => top + d.day * cell)
      .attr("width", cell - 2).attr("height", cell - 2).attr("rx", 3)
      .attr("fill", (d) => (d.minutes ? colour(d.minutes) : "#eef2f0"))
      .append("title").text((d) => `${DAYS[d.day]} ${String(d.hour).padStart(2, "0")}:00 · ${number.format(d.minutes)} min`);
    svg.append("g").selectAll("text").data(DAYS).join("text")
      .attr("x", 0).attr("y", (d, i) => top + i * cell + cell * 0.65).attr("font-size", 11).text((d) => d);
    svg.append("g").selectAll("text").data([0, 6, 12, 18]).join("text")
      .attr("x", (d) => left + d * cell).attr("y", 12).attr("font-size", 11).text((d) => `${d}h`);
  }

  // At most eight labels on an axis, so they never overlap, even on a phone.
  function everyFew(values) {
    const every = Math.ceil(values.length / 8);
    return values.filter((value, i) => i % every === 0);
  }

  function streamgraph(container, evolution) {
    const width = 720, height = 260, margin = { top: 10, right: 10, bottom: 24, left: 10 };
    const months = evolution.months.map(monthOf);
    const rows = months.map((month, i) => {
      const row = { month };
      evolution.series.forEach((series, s) => { row[s] = series.minutes[i]; });
      return row;
    });
    const keys = evolution.series.map((series, s) => s);
    const stack = d3.stack().keys(keys).offset(d3.stackOffsetWiggle).order(d3.stackOrderInsideOut)(rows);
    const x = d3.scaleUtc().domain(d3.extent(months)).range([margin.left, width - margin.right]);
    const y = d3.scaleLinear()
      .domain([d3.min(stack, (layer) => d3.min(layer, (d) => d[0])), d3.max(stack, (layer) => d3.max(layer, (d) => d[1]))])
      .range([height - margin.bottom, margin.top]);
    const colour = d3.scaleOrdinal(d3.schemeTableau10).domain(keys);
    const area = d3.area().curve(d3.curveBasis).x((d) => x(d.data.month)).y0((d) => y(d[0])).y1((d) => y(d[1]));
    const svg = d3.select(container).append("svg").attr("viewBox", `0 0 ${width} ${height}`);
    svg.append("g").selectAll("path").data(stack).join("path")
      .attr("class", "genre-layer").attr("fill", (layer) => colour(layer.key)).attr("d", area)
      .append("title").text((layer) => evolution.series[layer.key].genre);
    svg.append("g").attr("class", "x-axis").attr("transform", `translate(0,${height - margin.bottom})`)
      .call(d3.axisBottom(x).tickValues(everyFew(months)).tickFormat(monthLabel).tickSizeOuter(0));
    document.querySelectorAll(".genre-legend [data-genre]").forEach((node) => {
      node.style.setProperty("--swatch", colour(Number(node.dataset.genre)));
    });
  }

  function monthBars(container, months) {
    const width = 720, height = 200, margin = { top: 10, right: 10, bottom: 24, left: 40 };
    const x = d3.scaleBand().domain(months.map((d) => d.month)).range([margin.left, width - margin.right]).padding(0.15);
    const most = d3.max(months, (d) => d.plays);
    const y = d3.scaleLinear().domain([0, most]).nice().range([height - margin.bottom, margin.top]);
    const svg = d3.select(container).append("svg").attr("viewBox", `0 0 ${width} ${height}`);
    svg.append("g").selectAll("rect").data(months).join("rect")
      .attr("class", "month-bar").attr("x", (d) => x(d.month)).attr("width", x.bandwidth())
      .attr("y", (d) => y(d.plays)).attr("height", (d) => y(0) - y(d.plays)).attr("fill", "#0b6e4f")
      .append("title").text((d) => `${monthLabel(monthOf(d.month))} · ${count(d.plays, "play", "plays")}`);
    svg.append("g").attr("class", "x-axis").attr("transform", `translate(0,${height - margin.bottom})`)
      .call(d3.axisBottom(x).tickValues(everyFew(months.map((d) => d.month))).tickFormat((d) => monthLabel(monthOf(d))));
    // Plays are whole: no more ticks than plays, so a month of one play shows 0 and 1, not 0.2, 0.4, …
    svg.append("g").attr("class", "y-axis").attr("transform", `translate(${margin.left},0)`)
      .call(d3.axisLeft(y).ticks(Math.min(4, most)));
  }

  function draw() {
    const clockData = data("clock-data");
    if (clockData) clock(document.getElementById("clock-chart"), clockData);
    const genres = data("genre-data");
    if (genres && genres.months.length) streamgraph(document.getElementById("genre-chart"), genres);
    const months = data("months-data");
    if (months && months.length) monthBars(document.getElementById("months-chart"), months);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
