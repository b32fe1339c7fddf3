// Draws the usage chart from the page's data island; the table stays the accessible view.
(function () {
  const island = document.getElementById("usage-data");
  const target = document.getElementById("usage-chart");
  if (!island || !target || typeof uPlot === "undefined") return;
  const data = JSON.parse(island.textContent);
  const width = Math.min(target.parentElement.clientWidth || 900, 1100);
  new uPlot({
    width: width,
    height: 320,
    scales: { x: { time: true } },
    // Texas days are read in Central time, whatever the browser's own zone.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "America/Chicago"),
    cursor: { drag: { x: true, y: false } },  // drag to zoom; double-click to reset
    series: [{}, { label: "kWh", stroke: "#0b3d6b", width: 1, spanGaps: false }],
  }, [data.x, data.consumption], target);
})();
