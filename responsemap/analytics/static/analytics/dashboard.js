// The dashboard's charts (Chart.js, served from the project) and its live refresh.
// Every number is in the page as a table as well; the charts are drawn from the JSON
// next to each canvas. Numbers and dates in the reader's locale (the page's lang).
(function () {
  "use strict";
  var panels = document.getElementById("panels");
  if (!panels) { return; }
  var locale = document.documentElement.lang || undefined;
  var rtl = document.documentElement.dir === "rtl";
  var numbers = new Intl.NumberFormat(locale);
  var days = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" });
  var charts = [];
  // Two series tell apart by colour and by pattern (solid / hatched): never colour alone.
  var colours = ["#1f5f99", "#b35900"];

  function hatch(colour) {
    var c = document.createElement("canvas");
    c.width = c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = "#fff";
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = colour;
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(0, 8);
    g.lineTo(8, 0);
    g.stroke();
    return g.createPattern(c, "repeat");
  }

  // Long labels are cut on a narrow screen (the table below has them whole).
  function short(value) {
    var label = String(this.getLabelForValue(value));
    var most = window.innerWidth < 600 ? 16 : 32;
    return label.length > most ? label.slice(0, most - 1) + "\u2026" : label;
  }
  function count(value) { return numbers.format(value); }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var labels = spec.labels.map(function (label) {
      return spec.dates ? days.format(new Date(label + "T00:00:00Z")) : label;
    });
    var datasets = spec.series.map(function (serie, i) {
      var colour = colours[i % colours.length];
      return {
        label: serie.name,
        data: serie.values,
        backgroundColor: i === 0 ? colour : hatch(colour),
        borderColor: colour,
        borderWidth: spec.kind === "line" ? 2 : 1,
        pointRadius: 0,
        fill: false
      };
    });
    var horizontal = spec.kind === "bar" && Array.isArray(spec.links);
    if (horizontal) {
      // A bar of at least 22 px each, whatever the number of bars.
      canvas.parentNode.style.height = Math.max(256, 40 + labels.length * 22) + "px";
    }
    var chart = new Chart(canvas, {
      type: spec.kind,
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        locale: locale,
        plugins: {
          legend: { display: datasets.length > 1, rtl: rtl },
          tooltip: { rtl: rtl, callbacks: {
            label: function (item) { return item.dataset.label + ": " + numbers.format(item.raw); }
          } }
        },
        scales: {
          x: {
            reverse: rtl,
            ticks: horizontal ? { callback: count }
              : spec.dates ? { autoSkip: true, maxRotation: 0 }
              : { autoSkip: true, maxRotation: 90, callback: short }
          },
          y: {
            position: rtl ? "right" : "left",
            beginAtZero: true,
            ticks: horizontal ? { autoSkip: false, callback: short } : { callback: count }
          }
        },
        onClick: function (event, elements) {
          if (!spec.links || !elements.length) { return; }
          var href = spec.links[elements[0].index];
          if (href) { window.location.href = href; }
        },
        onHover: function (event, elements) {
          var link = spec.links && elements.length && spec.links[elements[0].index];
          event.native.target.style.cursor = link ? "pointer" : "default";
        }
      }
    });
    charts.push(chart);
    var figure = canvas.closest("figure");
    if (figure && !figure.querySelector(".chart-download")) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link chart-download";
      button.textContent = panels.dataset.downloadLabel;
      button.addEventListener("click", function () {
        var link = document.createElement("a");
        link.download = (figure.id || "chart") + ".png";
        link.href = chart.toBase64Image("image/png", 1);
        link.click();
      });
      figure.querySelector("figcaption").appendChild(button);
      // The same chart as SVG, drawn on the server from the same figures and filters
      // (analytics/reports/svg.py: the printed report's code).
      if (panels.dataset.svgUrl) {
        var svg = document.createElement("button");
        svg.type = "button";
        svg.className = "link chart-download-svg";
        svg.textContent = panels.dataset.svgLabel;
        svg.addEventListener("click", function () {
          var link = document.createElement("a");
          link.download = canvas.dataset.chart + ".svg";
          link.href = panels.dataset.svgUrl.replace("CHART", canvas.dataset.chart) +
            window.location.search;
          link.click();
        });
        figure.querySelector("figcaption").appendChild(svg);
      }
    }
  }

  function drawAll() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    panels.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  var every = (parseInt(panels.dataset.refreshSeconds, 10) || 30) * 1000;
  var last = Date.now();
  function refresh() {
    var url = new URL(window.location.href);
    url.searchParams.set("fragment", "panels");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var open = Array.prototype.map.call(
          panels.querySelectorAll("details[open]"), function (d) { return d.closest("figure").id; });
        panels.innerHTML = html;
        open.forEach(function (id) {
          var figure = document.getElementById(id);
          var details = figure && figure.querySelector("details");
          if (details) { details.open = true; }
        });
        drawAll();
      })
      .catch(function () { /* offline a moment: the next round tries again */ });
    last = Date.now();
  }
  // Paused while the page is hidden; on coming back, refreshed at once if stale.
  setInterval(function () { if (!document.hidden) { refresh(); } }, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && Date.now() - last >= every) { refresh(); }
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  drawAll();
})();
