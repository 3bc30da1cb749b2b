/* Draws the dashboard charts with the vendored Chart.js from the data the page embeds with
   json_script. Each chart also has a table beside it, so nothing depends on this script. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var palette = ["#1f5f99", "#b35900", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41"];
  var canvases = document.querySelectorAll("canvas[data-chart]");

  function dataset(series, index, kind) {
    var colour = palette[index % palette.length];
    var flat = series.style === "slo" || series.style === "sla";
    return {
      label: series.label,
      data: series.values,
      borderColor: colour,
      backgroundColor: kind === "bar" ? colour : "transparent",
      borderDash: series.style === "sla" ? [6, 4] : series.style === "slo" ? [2, 2] : [],
      borderWidth: flat ? 1.5 : 2.5,
      pointRadius: flat ? 0 : 3,
      spanGaps: false,
      tension: 0
    };
  }

  canvases.forEach(function (canvas) {
    var chart = charts[canvas.getAttribute("data-chart")];
    if (!chart) {
      return;
    }
    new window.Chart(canvas, {
      type: chart.kind,
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          return dataset(series, index, chart.kind);
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: {
            beginAtZero: chart.kind === "bar",
            title: { display: Boolean(chart.unit), text: chart.unit }
          }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
