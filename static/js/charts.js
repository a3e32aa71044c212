/* Draws the bar charts of a page with ECharts.
 *
 * <div class="jf-chart" data-jf-chart="bar|hbar" data-source="ID"></div> reads
 * {"labels": [...], "values": ["12.5", ...]} from the element `ID` written by
 * Django's json_script. Values arrive as decimal strings; they are only drawn.
 */
(function () {
  "use strict";

  var RED = "#c8102e";

  function draw(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var values = data.values.map(function (v) { return Number(v); });
    var horizontal = el.dataset.jfChart === "hbar";
    var categoryAxis = {
      type: "category",
      data: data.labels,
      inverse: horizontal,
      axisLabel: { interval: 0, rotate: horizontal ? 0 : (data.labels.length > 6 ? 30 : 0) },
      axisTick: { alignWithLabel: true }
    };
    var valueAxis = { type: "value", splitLine: { lineStyle: { color: "#e6ecf3" } } };
    if (horizontal) {
      el.style.height = Math.max(200, data.labels.length * 30 + 48) + "px";
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 48, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: [{
        type: "bar",
        data: values,
        barMaxWidth: 28,
        itemStyle: { color: RED },
        label: {
          show: true,
          position: horizontal ? "right" : "top",
          color: "#44556a",
          formatter: function (p) { return p.value ? data.values[p.dataIndex] : ""; }
        }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll(root) {
    root.querySelectorAll("[data-jf-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
