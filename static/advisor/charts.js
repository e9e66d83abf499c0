// Draws every <figure class="chart"> from the JSON beside it (see partials/chart.html).
// Loaded after plotly.js (partials/chart_scripts.html); runs again after htmx swaps in new charts.
//
// On page load only the charts in (or near) the window are drawn; the others are drawn as they
// scroll into view: drawing all six charts of a dashboard cost a first visit about 0.7 s, most
// of it for charts nobody had scrolled to yet. Printing draws every chart first, and a browser
// without IntersectionObserver draws them all at once, as before.
// window.advisorCharts.drawAll() draws every chart now, for code that needs them all.
(function () {
  "use strict";

  // No mode bar: plotly.js styles it with a per-chart inline <style>, which the CSP refuses.
  var CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };
  // Start drawing a chart a little before it enters the window, so scrolling rarely meets an
  // empty box (a chart takes about 0.1 s to draw).
  var AHEAD_PX = 200;

  var observer = null;

  function draw(figure) {
    if (observer) observer.unobserve(figure);
    var data = document.getElementById(figure.dataset.chart);
    var plot = figure.querySelector(".chart-plot");
    // "drawing": asked for twice (printing while it scrolls in) before plotly.js has finished.
    if (!data || !plot || figure.dataset.drawn === "yes" || figure.dataset.drawn === "drawing") return;
    figure.dataset.drawn = "drawing";
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

  function charts(root) {
    return (root || document).querySelectorAll("figure.chart");
  }

  function drawAll(root) {
    if (!window.Plotly) return;
    charts(root).forEach(draw);
  }

  // Within AHEAD_PX of the window: drawn at once, not a frame later by the observer.
  function nearView(figure) {
    var box = figure.getBoundingClientRect();
    var shown = box.width > 0 || box.height > 0; // not inside a closed <details> or display: none
    return shown && box.top < window.innerHeight + AHEAD_PX && box.bottom > -AHEAD_PX;
  }

  // The height the chart will take (data-height, see partials/chart.html), so the page keeps
  // still when a chart below the fold is drawn (CSSOM, allowed by the CSP).
  function keepRoom(figure) {
    var plot = figure.querySelector(".chart-plot");
    if (plot && figure.dataset.height) plot.style.height = figure.dataset.height + "px";
  }

  function drawWhenSeen(root) {
    if (!window.Plotly) return;
    if (!observer) {
      drawAll(root);
      return;
    }
    charts(root).forEach(keepRoom); // all first: placing one must not move the next
    charts(root).forEach(function (figure) {
      if (nearView(figure)) draw(figure);
      else observer.observe(figure);
    });
  }

  if ("IntersectionObserver" in window) {
    observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) draw(entry.target);
        });
      },
      { rootMargin: AHEAD_PX + "px 0px" }
    );
  }

  window.advisorCharts = { drawAll: function () { drawAll(document); } };
  document.addEventListener("DOMContentLoaded", function () { drawWhenSeen(document); });
  // Swapped in by htmx (the what-if panel's answer): the person asked for these, draw them now.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  // Paper has no scrolling: every chart must be on it. Chromium lays the page out for print
  // after beforeprint's handlers, and plotly.js builds a chart's SVG before its promise settles.
  window.addEventListener("beforeprint", function () { drawAll(document); });
})();
