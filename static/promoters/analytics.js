// Promoter analytics charts, drawn with D3 from the JSON the page embeds (no inline script: CSP).
(function () {
  "use strict";
  const SERIES = [
    { key: "impressions", label: "Impressions" },
    { key: "views", label: "Detail views" },
    { key: "saves", label: "Saves" },
    { key: "ticket_clicks", label: "Ticket clicks" },
  ];
  const number = new Intl.NumberFormat();

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // Grouped bars: one group per day or event, one bar per kind of interaction. The summary in the SVG's
  // label carries every number, so the chart reads the same to a screen reader.
  function groupedBars(container, rows, labelKey, title) {
    const width = 760, height = 260, margin = { top: 10, right: 10, bottom: 48, left: 48 };
    const x = d3.scaleBand().domain(rows.map((row) => row[labelKey])).range([margin.left, width - margin.right]).padding(0.2);
    const inner = d3.scaleBand().domain(SERIES.map((s) => s.key)).range([0, x.bandwidth()]).padding(0.05);
    const top = d3.max(rows, (row) => d3.max(SERIES, (s) => row[s.key])) || 1;
    const y = d3.scaleLinear().domain([0, top]).nice().range([height - margin.bottom, margin.top]);
    const colour = d3.scaleOrdinal(d3.schemeTableau10).domain(SERIES.map((s) => s.key));
    const summary = rows.map((row) => `${row[labelKey]}: ` +
      SERIES.map((s) => `${number.format(row[s.key])} ${s.label.toLowerCase()}`).join(", ")).join("; ");
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
      .append("title").text((d) => `${d.label} · ${d.series.label}: ${number.format(d.value)}`);
    svg.append("g").attr("transform", `translate(0,${height - margin.bottom})`)
      .call(d3.axisBottom(x).tickSizeOuter(0))
      .selectAll("text").attr("transform", "rotate(-20)").style("text-anchor", "end");
    svg.append("g").attr("transform", `translate(${margin.left},0)`).call(d3.axisLeft(y).ticks(5).tickFormat(d3.format("~s")));
    const legend = d3.select(container).append("figcaption").attr("class", "chart-legend");
    legend.selectAll("span").data(SERIES).join("span")
      .attr("class", "legend-item").style("--swatch", (s) => colour(s.key)).text((s) => s.label);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const daily = data("daily-data");
    const dailyChart = document.getElementById("daily-chart");
    if (daily && dailyChart) groupedBars(dailyChart, daily, "day", "Interactions per day");
    const comparison = data("comparison-data");
    const comparisonChart = document.getElementById("comparison-chart");
    if (comparison && comparisonChart) groupedBars(comparisonChart, comparison, "title", "Interactions per event");
  });
})();
