// Draws every <figure class="chart"> from the JSON beside it (see partials/chart.html).
// Loaded after plotly-strict.min.js; runs again after htmx swaps in new charts.
(function () {
  "use strict";

  // No mode bar: plotly.js styles it with a per-chart inline <style>, which the CSP refuses.
  var CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

  function draw(figure) {
    var data = document.getElementById(figure.dataset.chart);
    var plot = figure.querySelector(".chart-plot");
    if (!data || !plot || figure.dataset.drawn === "yes") return;
    var spec = JSON.parse(data.textContent);
    spec.layout = spec.layout || {};
    spec.layout.autosize = true;
    delete spec.layout.width;
    // Plotly's responsive resize takes the container's height: without one it falls back to the
    // CSS minimum and crushes a tall chart when the window is resized (CSSOM, allowed by the CSP).
    if (spec.layout.height) plot.style.height = spec.layout.height + "px";
    quietWhenNarrow(spec, plot.clientWidth);
    window.Plotly.newPlot(plot, spec.data, spec.layout, CONFIG).then(function () {
      figure.dataset.drawn = "yes";
      document.dispatchEvent(new CustomEvent("chart:drawn", { detail: { id: figure.id } }));
    });
  }

  // A chart whose point labels were placed for a wider plot (layout.meta.labelsFromPx, see
  // advisor/presentation/charts.py) shows markers only when narrower: the hover still names them.
  function quietWhenNarrow(spec, width) {
    var from = spec.layout.meta && spec.layout.meta.labelsFromPx;
    if (!from || width >= from) return;
    (spec.data || []).forEach(function (trace) {
      if (trace.mode === "markers+text") trace.mode = "markers";
    });
  }

  function drawAll(root) {
    if (!window.Plotly) return;
    (root || document).querySelectorAll("figure.chart").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
