// The mood history chart: per day or week, each mood's share of the time as a stacked bar, and the mean valence
// as a line over them (data from the JSON the page embeds; no inline script: CSP).
(function () {
  "use strict";
  const dayOf = d3.utcParse("%Y-%m-%d"); // dates are the listener's own days: read and shown as plain dates
  const dayLabel = d3.utcFormat("%-d %b");
  const percent = new Intl.NumberFormat(undefined, { style: "percent" });

  function everyFew(values) {
    const every = Math.ceil(values.length / 8);
    return values.filter((value, i) => i % every === 0);
  }

  function draw(container, data) {
    const width = 720, height = 260, margin = { top: 10, right: 40, bottom: 24, left: 40 };
    const moods = data.moods.map((m) => m.mood);
    const label = Object.fromEntries(data.moods.map((m) => [m.mood, m.label]));
    const periods = data.periods.map((p) => ({ ...p, day: dayOf(p.start) }));
    const x = d3.scaleBand().domain(periods.map((p) => p.start)).range([margin.left, width - margin.right]).padding(0.15);
    const share = d3.scaleLinear().domain([0, 1]).range([height - margin.bottom, margin.top]);
    const valence = d3.scaleLinear().domain([-1, 1]).range([height - margin.bottom, margin.top]);
    const stack = d3.stack().keys(moods).value((p, mood) => p.shares[mood] || 0)(periods);
    const svg = d3.select(container).append("svg").attr("viewBox", `0 0 ${width} ${height}`);
    svg.append("g").selectAll("g").data(stack).join("g").attr("class", (layer) => `mood-${layer.key}`)
      .selectAll("rect").data((layer) => layer.map((d) => ({ d, mood: layer.key })).filter(({ d }) => d[1] > d[0]))
      .join("rect").attr("class", "mood-bar")
      .attr("x", ({ d }) => x(d.data.start)).attr("width", x.bandwidth())
      .attr("y", ({ d }) => share(d[1])).attr("height", ({ d }) => share(d[0]) - share(d[1]))
      .append("title").text(({ d, mood }) => `${dayLabel(d.data.day)} · ${label[mood]} ${percent.format(d[1] - d[0])}`);
    const known = periods.filter((p) => p.valence !== null);
    const centre = (p) => x(p.start) + x.bandwidth() / 2;
    svg.append("path").datum(known).attr("class", "valence-line")
      .attr("d", d3.line().x(centre).y((p) => valence(p.valence)));
    svg.append("g").selectAll("circle").data(known).join("circle").attr("class", "valence-dot")
      .attr("cx", centre).attr("cy", (p) => valence(p.valence)).attr("r", 3)
      .append("title").text((p) => `${dayLabel(p.day)} · mean valence ${p.valence.toFixed(2)}`);
    svg.append("g").attr("class", "x-axis").attr("transform", `translate(0,${height - margin.bottom})`)
      .call(d3.axisBottom(x).tickValues(everyFew(periods.map((p) => p.start))).tickFormat((s) => dayLabel(dayOf(s))));
    svg.append("g").attr("class", "y-axis").attr("transform", `translate(${margin.left},0)`)
      .call(d3.axisLeft(share).ticks(4).tickFormat(percent.format));
    svg.append("g").attr("class", "y-axis").attr("transform", `translate(${width - margin.right},0)`)
      .call(d3.axisRight(valence).ticks(4));
  }

  function start() {
    const node = document.getElementById("mood-history-data");
    if (node) draw(document.getElementById("mood-history-chart"), JSON.parse(node.textContent));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
