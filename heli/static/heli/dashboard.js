/* The battle map's dashboard: four ECharts charts, drawn as SVG, fed by the page's JSON endpoint.
   No inline script (the Content Security Policy forbids it): the endpoint's address is
   the data-url of #dashboard, and the JSON carries the translated labels. */
(function () {
  "use strict";

  var RED = "#c62828", AMBER = "#ef8f00", GREEN = "#2e7d32", GREY = "#8a8f98", BLUE = "#1f5fa8";

  function rateColour(rate) {
    if (rate >= 80) return GREEN;
    if (rate >= 50) return AMBER;
    return RED;
  }

  function sized(el, height) {
    el.style.height = height + "px";
    el.style.width = "100%";
    return window.echarts.init(el, null, { renderer: "svg" });
  }

  // ECharts' default tooltip is HTML whose markers carry style attributes, which the
  // Content Security Policy (style-src 'self', no 'unsafe-inline') blocks. Rich-text
  // tooltips are drawn by the renderer itself, like the rest of the chart: no HTML at
  // all, so no inline style and nothing a unit's name could inject.
  function tooltip(extra) {
    var t = { trigger: "axis", renderMode: "richText", confine: true };
    Object.keys(extra).forEach(function (k) { t[k] = extra[k]; });
    return t;
  }

  function barOption(labels, names, values, colours, horizontal, max) {
    var category = { type: "category", data: names, axisLabel: { interval: 0, fontSize: 11 } };
    var value = { type: "value", max: max };
    if (horizontal) category.inverse = true;
    return {
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      tooltip: tooltip({ axisPointer: { type: "shadow" } }),
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{
        type: "bar",
        name: labels,
        data: values.map(function (v, i) { return { value: v, itemStyle: { color: colours[i] } }; }),
        label: { show: true, position: horizontal ? "right" : "top", fontSize: 11 },
        barMaxWidth: 28
      }]
    };
  }

  function render(root, data) {
    var charts = [];
    var L = data.labels;
    Object.keys(data.totals).forEach(function (key) {
      var el = root.querySelector('[data-total="' + key + '"]');
      if (el) el.textContent = data.totals[key] + (key === "rate" ? "%" : "");
    });
    if (!data.totals.tasks) {
      root.querySelector("[data-empty]").hidden = false;
    }

    var groupEl = root.querySelector('[data-chart="by_group"]');
    var groups = data.by_group;
    var groupChart = sized(groupEl, Math.max(160, 34 * groups.length + 40));
    var opt = barOption(
      L.rate,
      groups.map(function (g) { return g.name; }),
      groups.map(function (g) { return g.rate; }),
      groups.map(function (g) { return rateColour(g.rate); }),
      true,
      100
    );
    opt.series[0].label.formatter = "{c}%";
    opt.tooltip.formatter = function (items) {
      var g = groups[items[0].dataIndex];
      return [
        g.name,
        L.rate + "：" + g.rate + "%",
        L.closed + "：" + g.closed + " / " + g.total,
        L.overdue + "：" + g.overdue
      ].join("\n");
    };
    groupChart.setOption(opt);
    charts.push(groupChart);

    var trendChart = sized(root.querySelector('[data-chart="trend"]'), 300);
    trendChart.setOption({
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: tooltip({}),
      legend: { top: 0 },
      xAxis: { type: "category", data: data.trend.months, axisLabel: { fontSize: 11, hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "bar", name: L.assigned, data: data.trend.assigned, itemStyle: { color: BLUE }, barMaxWidth: 16 },
        { type: "line", name: L.due, data: data.trend.due, itemStyle: { color: AMBER }, smooth: false },
        { type: "line", name: L.closed, data: data.trend.closed, itemStyle: { color: GREY }, smooth: false }
      ]
    });
    charts.push(trendChart);

    var late = data.overdue;
    var overdueChart = sized(root.querySelector('[data-chart="overdue"]'), Math.max(160, 28 * late.length + 40));
    overdueChart.setOption(barOption(
      L.overdue,
      late.map(function (u) { return u.name; }),
      late.map(function (u) { return u.overdue; }),
      late.map(function () { return RED; }),
      true
    ));
    overdueChart.setOption({ xAxis: { minInterval: 1 } });
    charts.push(overdueChart);

    var units = data.by_unit;
    // 122 units make a tall chart: it scrolls inside its card.
    var scroller = root.querySelector("[data-scroll]");
    scroller.style.maxHeight = "560px";
    scroller.style.overflowY = "auto";
    var unitChart = sized(root.querySelector('[data-chart="by_unit"]'), Math.max(160, 20 * units.length + 40));
    var unitOpt = barOption(
      L.rate,
      units.map(function (u) { return u.name; }),
      units.map(function (u) { return u.rate; }),
      units.map(function (u) { return rateColour(u.rate); }),
      true,
      100
    );
    unitOpt.series[0].label.formatter = "{c}%";
    unitOpt.series[0].barMaxWidth = 14;
    unitChart.setOption(unitOpt);
    charts.push(unitChart);

    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  function start() {
    var root = document.getElementById("dashboard");
    if (!root || !window.echarts) return;
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { render(root, data); })
      .catch(function (error) {
        var p = root.querySelector("[data-empty]");
        p.hidden = false;
        p.textContent = String(error);
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
