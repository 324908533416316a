// Promoter analytics charts, drawn with D3 from the JSON the page embeds (no inline script: CSP).
(function () {
  "use strict";
  const SERIES = [
    { key: "impressions", label: "Impressions", one: "impression", other: "impressions" },
    { key: "views", label: "Detail views", one: "detail view", other: "detail views" },
    { key: "saves", label: "Saves", one: "save", other: "saves" },
    { key: "ticket_clicks", label: "Ticket clicks", one: "ticket click", other: "ticket clicks" },
  ];
  const number = new Intl.NumberFormat();
  const plural = new Intl.PluralRules("en");
  // "1 save", "2 saves": the count and the word that fits it.
  const count = (n, one, other) => `${number.format(n)} ${plural.select(n) === "one" ? one : other}`;
  // Days come as ISO dates of UTC days ("2026-03-03"), shown as "3 Mar" whatever the viewer's zone.
  const dayLabel = (day) => d3.utcFormat("%-d %b")(d3.utcParse("%Y-%m-%d")(day));
  const asIs = (label) => label;

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // Grouped bars: one group per day or event, one bar per kind of interaction. The summary in the SVG's
  // label carries every number, so the chart reads the same to a screen reader.
  function groupedBars(container, rows, labelKey, title, format) {
    const width = 760, height = 260, margin = { top: 10, right: 10, bottom: 48, left: 48 };
    const x = d3.scaleBand().domain(rows.map((row) => row[labelKey])).range([margin.left, width - margin.right]).padding(0.2);
    const inner = d3.scaleBand().domain(SERIES.map((s) => s.key)).range([0, x.bandwidth()]).padding(0.05);
    const top = d3.max(rows, (row) => d3.max(SERIES, (s) => row[s.key])) || 1;
    const y = d3.scaleLinear().domain([0, top]).nice().range([height - margin.bottom, margin.top]);
    const colour = d3.scaleOrdinal(d3.schemeTableau10).domain(SERIES.map((s) => s.key));
    const summary = rows.map((row) => `${format(row[labelKey])}: ` +
      SERIES.map((s) => count(row[s.key], s.one, s.other)).join(", ")).join("; ");
    const svg = d3.select(container).append("svg")
      .attr("viewBox", `0 0 ${width} ${height}`).attr("role", "img").attr("aria-label", `${title}. ${summary}`);
    svg.append("g").selectAll("g").data(rows).join("g")
      .attr("transform", (row) => `translate(${x(row[labelKey])},0)`)
      .selectAll("rect").data((row) => SERIES.map((s) => ({ series: s, value: row[s.key], label: row[labelKey] }))).join("rect")
      .attr("class", (d) => `bar bar-${d.series.key}`)
      .attr("data-value", (d) => d.value)
      .attr("x", (d) => inner(d.series.key)).attr("width", inner.bandwidth())
      .attr("y", (d) => y(d.value)).attr("height", (d) => y(0) - y(d.value))
      .attr("fill", (d) => colour(d.series.key))
      .append("title").text((d) => `${format(d.label)} · ${d.series.label}: ${number.format(d.value)}`);
    svg.append("g").attr("class", "x-axis").attr("transform", `translate(0,${height - margin.bottom})`)
      .call(d3.axisBottom(x).tickFormat(format).tickSizeOuter(0))
      .selectAll("text").attr("transform", "rotate(-20)").style("text-anchor", "end");
    // Counts are whole: no more ticks than the top count, so one view shows 0 and 1, not 0.2 or "400m".
    svg.append("g").attr("class", "y-axis").attr("transform", `translate(${margin.left},0)`)
      .call(d3.axisLeft(y).ticks(Math.min(5, top)).tickFormat(d3.format("~s")));
    // Rotated labels hang left of and below their bars, past the margins for a long first one: widen the view
    // to all that was drawn, so none is cut off.
    const drawn = svg.node().getBBox();
    const left = Math.min(0, drawn.x);
    svg.attr("viewBox", `${left} 0 ${width - left} ${Math.max(height, drawn.y + drawn.height)}`);
    const legend = d3.select(container).append("figcaption").attr("class", "chart-legend");
    legend.selectAll("span").data(SERIES).join("span")
      .attr("class", "legend-item").style("--swatch", (s) => colour(s.key)).text((s) => s.label);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const daily = data("daily-data");
    const dailyChart = document.getElementById("daily-chart");
    if (daily && dailyChart) groupedBars(dailyChart, daily, "day", "Interactions per day", dayLabel);
    const comparison = data("comparison-data");
    const comparisonChart = document.getElementById("comparison-chart");
    if (comparison && comparisonChart) groupedBars(comparisonChart, comparison, "title", "Interactions per event", asIs);
  });
})();
