/* Charts of 公示 and of the pages where people look rather than read (ECharts, SVG).
 *
 *   data-jf-pchart="histogram" data-source="ID"  members per band of points, from
 *       {"labels": [...], "values": [counts]} written by json_script;
 *   data-jf-pchart="trend" data-url="URL"        a member's annual points month by month
 *       (line) over each month's dedication points (bars), fetched as JSON;
 *   data-jf-pchart="branches" data-url="URL"     each branch's average dedication points,
 *       appraisal score and deductions side by side (grouped bars), fetched as JSON.
 *
 * Numbers arrive as decimal strings and are only drawn. An element with
 * data-empty="ID" shows that element instead of the chart when there is nothing to draw.
 */
(function () {
  "use strict";

  var RED = "#c8102e";
  var COLOURS = ["#c8102e", "#e3a21a", "#7b8794"];
  var AXIS = { splitLine: { lineStyle: { color: "#e6ecf3" } } };

  function numbers(values) {
    return values.map(function (v) { return Number(v); });
  }

  function empty(el) {
    var note = el.dataset.empty && document.getElementById(el.dataset.empty);
    el.hidden = true;
    if (note) {
      note.hidden = false;
    }
  }

  function histogram(el, data) {
    if (!data.labels.length) {
      empty(el);
      return null;
    }
    return {
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 30 : 0 } },
      yAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      series: [{
        type: "bar",
        name: el.dataset.series || "",
        data: data.values,
        barCategoryGap: "8%",
        itemStyle: { color: RED },
        label: { show: true, position: "top", color: "#44556a" }
      }]
    };
  }

  function trend(el, data) {
    if (!data.labels.length) {
      empty(el);
      return null;
    }
    var last = data.total.length - 1;
    return {
      color: [RED, "#e3a21a"],
      grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, left: 0, itemGap: 12 },
      xAxis: { type: "category", data: data.labels },
      yAxis: [
        Object.assign({ type: "value", scale: true }, AXIS),
        { type: "value", splitLine: { show: false } }
      ],
      series: [
        {
          type: "line",
          name: data.names.total,
          data: numbers(data.total),
          symbolSize: 8,
          lineStyle: { width: 3 },
          z: 3,
          // Only the latest figure is written out; the tooltip gives the others.
          label: {
            show: true,
            position: "top",
            fontWeight: "bold",
            color: RED,
            formatter: function (p) { return p.dataIndex === last ? data.total[last] : ""; }
          }
        },
        {
          type: "bar",
          name: data.names.dedication,
          yAxisIndex: 1,
          data: numbers(data.dedication),
          barMaxWidth: 24,
          itemStyle: { opacity: 0.75 }
        }
      ]
    };
  }

  function branches(el, data) {
    if (!data.labels.length) {
      empty(el);
      return null;
    }
    el.style.height = Math.max(260, data.labels.length * data.series.length * 24 + 100) + "px";
    return {
      color: COLOURS,
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: { top: 0 },
      xAxis: Object.assign({ type: "value" }, AXIS),
      yAxis: { type: "category", data: data.labels, inverse: true, axisLabel: { interval: 0 } },
      series: data.series.map(function (s) {
        return {
          type: "bar",
          name: s.name,
          data: numbers(s.values),
          barMaxWidth: 18,
          label: { show: true, position: "right", color: "#44556a", formatter: function (p) { return s.values[p.dataIndex]; } }
        };
      })
    };
  }

  var KINDS = { histogram: histogram, trend: trend, branches: branches };

  function render(el, data) {
    var option = KINDS[el.dataset.jfPchart](el, data);
    if (!option || typeof echarts === "undefined") {
      return;
    }
    option.animation = false;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function load(el) {
    if (!KINDS[el.dataset.jfPchart]) {
      return;
    }
    if (el.dataset.source) {
      var source = document.getElementById(el.dataset.source);
      if (source) {
        render(el, JSON.parse(source.textContent));
      }
      return;
    }
    if (el.dataset.url) {
      fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data) {
            render(el, data);
          } else {
            empty(el);
          }
        })
        .catch(function () { empty(el); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-jf-pchart]").forEach(load);
  });
})();
