/* 数政 shuzheng — small progressive enhancements; every page works without this file.
 *
 * Charts: a page that declares the `charts` block (workbench) renders
 *   {{ option|json_script:"chart-x" }}  and  <div class="chart" data-chart-option="chart-x" role="img" aria-label="…"></div>
 * and this file draws it with ECharts, again after htmx swaps new content in.
 * File pickers: the names of the chosen files replace "未选择文件".
 */
(function () {
  "use strict";

  // The platform palette (blue, red, then muted tones); a page's option may set its own `color`.
  var PALETTE = ["#0b4a82", "#a8161b", "#3d7a3a", "#8a5300", "#5b4a8a", "#51585f"];
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function drawCharts(root) {
    if (typeof window.echarts === "undefined") {
      return;
    }
    root.querySelectorAll("[data-chart-option]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart-option"));
      if (!source) {
        return;
      }
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "svg" });
      var option = JSON.parse(source.textContent);
      if (!option.color) {
        option.color = PALETTE;
      }
      if (reducedMotion) {
        option.animation = false;
      }
      chart.setOption(option);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
  });
  // File pickers (web/widgets/file_picker.html): show the chosen file names next to the Chinese button.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".file-picker input[type=file]")) {
      return;
    }
    var label = input.closest(".file-picker").querySelector(".file-name");
    var names = Array.prototype.map.call(input.files || [], function (file) {
      return file.name;
    });
    label.textContent = names.length ? names.join("、") : label.getAttribute("data-empty");
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
  });
  window.addEventListener("resize", function () {
    if (typeof window.echarts === "undefined") {
      return;
    }
    document.querySelectorAll("[data-chart-option]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  });
})();
