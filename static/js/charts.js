/* Declarative charts on top of the vendored ECharts (static/vendor/echarts/echarts.min.js).
 *
 * Markup (templates/macros/charts.html renders it):
 *   <div class="chart" data-chart="SPEC-ID" role="img" aria-label="..."
 *        data-chart-height="320"></div>
 *   <script type="application/json" id="SPEC-ID">{...spec...}</script>
 * A JSON script element is data, not code, so `script-src 'self'` allows it.
 *
 * Spec types (every data point may carry "url": a click on it opens that page):
 *   progress  {"type": "progress", "items": [{"name", "value", "target", "url"}]}
 *             ("relative": true draws each row against its own target)
 *             horizontal bars of value against a target track, labelled "12 / 50（24%）"
 *   bar       {"type": "bar", "categories": [...], "series": [{"name", "data": [n | {"value", "url"}]}],
 *              "stack": false, "horizontal": false}
 *             or the one-series shortcut {"type": "bar", "items": [{"name", "value", "url"}]}
 *   stages    {"type": "stages", "shape": "bar" | "funnel", "items": [{"name", "value", "url"}]}
 *             stage totals in order, labelled "45（38%）" (share of the first stage)
 * Optional for all: "colors" (hex or CSS custom property names such as "--c-accent"),
 * "unit" (appended to values in tooltips, e.g. "项"), "renderer" ("svg" default, or "canvas").
 *
 * CSP: tooltips use renderMode "richText" (drawn in the chart). ECharts' HTML tooltip
 * writes style attributes via innerHTML, which `style-src 'self'` refuses.
 */
(function () {
  "use strict";

  var PALETTE = ["--c-primary", "--c-focus", "--c-success", "--c-accent", "--c-border-strong",
                 "--c-warning"];
  var FALLBACK = {
    "--c-primary": "#1d4e89", "--c-primary-light": "#e8eff8", "--c-focus": "#f2a900",
    "--c-success": "#1b5e20", "--c-accent": "#b3261e", "--c-border-strong": "#8a95a1",
    "--c-warning": "#7a4a00", "--c-text": "#1f2933", "--c-muted": "#555e68",
    "--c-border": "#cfd6de", "--c-surface": "#ffffff",
    "--font-sans": "\"PingFang SC\", \"Microsoft YaHei\", \"Noto Sans CJK SC\", sans-serif"
  };
  var ROW_HEIGHT = 40;

  function cssVar(name) {
    var value = window.getComputedStyle(document.documentElement).getPropertyValue(name);
    return (value && value.trim()) || FALLBACK[name] || "";
  }

  function colour(value) {
    return typeof value === "string" && value.indexOf("--") === 0 ? cssVar(value) : value;
  }

  function theme(spec) {
    return {
      colors: (spec.colors || PALETTE).map(colour),
      primary: cssVar("--c-primary"),
      primaryLight: cssVar("--c-primary-light"),
      marker: cssVar("--c-focus"),
      text: cssVar("--c-text"),
      muted: cssVar("--c-muted"),
      border: cssVar("--c-border"),
      surface: cssVar("--c-surface"),
      font: cssVar("--font-sans")
    };
  }

  /* Only http(s) links, resolved against the page: a spec never runs javascript: URLs. */
  function safeUrl(url) {
    if (typeof url !== "string" || !url) {
      return null;
    }
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function point(raw) {
    if (raw !== null && typeof raw === "object") {
      return {value: Number(raw.value) || 0, url: raw.url || null, name: raw.name};
    }
    return {value: Number(raw) || 0, url: null};
  }

  function hasUrl(points) {
    return points.some(function (p) { return p && !!p.url; });
  }

  function percent(part, whole) {
    return whole > 0 ? Math.round(part / whole * 100) + "%" : "—";
  }

  function withUnit(spec) {
    return function (value) { return value + (spec.unit || ""); };
  }

  function base(spec, t) {
    return {
      animation: !reducedMotion(),
      color: t.colors,
      textStyle: {fontFamily: t.font, color: t.text},
      aria: {enabled: false},  // the container carries role="img" and aria-label
      tooltip: {renderMode: "richText", confine: true, valueFormatter: withUnit(spec),
                textStyle: {fontFamily: t.font, color: t.text},
                backgroundColor: t.surface, borderColor: t.border}
    };
  }

  function categoryAxis(t, names, horizontal) {
    return {
      type: "category", data: names, inverse: !!horizontal,
      axisTick: {show: false},
      axisLine: {lineStyle: {color: t.border}},
      axisLabel: {color: t.text, fontFamily: t.font, width: horizontal ? 120 : undefined,
                  overflow: horizontal ? "break" : "truncate"}
    };
  }

  function valueAxis(t) {
    return {
      type: "value", minInterval: 1,
      axisLabel: {color: t.muted, fontFamily: t.font},
      splitLine: {lineStyle: {color: t.border, type: "dashed"}}
    };
  }

  function progressOption(spec, t) {
    var items = (spec.items || []).map(function (raw) {
      var p = point(raw);
      p.name = String(raw.name);
      p.target = raw.target === undefined || raw.target === null ? null : Number(raw.target);
      return p;
    });
    var text = function (item) {
      return item.target === null ? String(item.value)
        : item.value + " / " + item.target + "（" + percent(item.value, item.target) + "）";
    };
    // "relative": each row on its own scale (its target is the full width), for targets
    // of different sizes (50 zones, 300 projects, 3000 enterprises) on one chart.
    var scale = function (item) {
      return spec.relative ? (item.target || Math.max(item.value, 1)) : 1;
    };
    items.forEach(function (i) {
      i.shownValue = i.value / scale(i);
      i.shownTarget = i.target === null ? null : i.target / scale(i);
    });
    var max = Math.max.apply(null, [1].concat(items.map(function (i) {
      return Math.max(i.shownValue, i.shownTarget || 0);
    })));
    var option = base(spec, t);
    option.tooltip.trigger = "axis";
    option.tooltip.axisPointer = {type: "shadow"};
    option.tooltip.formatter = function (params) {
      var bar = params.filter(function (p) { return p.seriesType === "bar"; })[0] || params[0];
      var item = items[bar.dataIndex];
      return item.name + "\n" + text(item) + (spec.unit || "");
    };
    option.grid = {left: 8, right: 120, top: 8, bottom: 8};
    option.yAxis = categoryAxis(t, items.map(function (i) { return i.name; }), true);
    option.xAxis = {type: "value", max: max, show: false};
    var cursor = hasUrl(items) ? "pointer" : "default";
    option.series = [
      {name: "目标", type: "bar", barWidth: 18, silent: true,
       itemStyle: {color: t.primaryLight, borderColor: t.border, borderWidth: 1},
       data: items.map(function (i) { return i.shownTarget || 0; })},
      {name: "完成", type: "bar", barWidth: 18, barGap: "-100%", silent: true,
       itemStyle: {color: t.primary},
       data: items.map(function (i) { return i.shownValue; })},
      // The target marker: a tick at the target, visible on the track and on the bar.
      {name: "目标线", type: "scatter", symbol: "rect", symbolSize: [4, 26], silent: true,
       z: 3, itemStyle: {color: t.marker, borderColor: t.text, borderWidth: 1},
       data: items.map(function (i, index) {
         return i.shownTarget === null ? null : [i.shownTarget, index];
       }).filter(function (d) { return d !== null; })},
      // A transparent bar over the whole row carries the label and takes the clicks.
      {name: "label", type: "bar", barWidth: 18, barGap: "-100%", cursor: cursor, z: 4,
       itemStyle: {color: "transparent"}, emphasis: {disabled: true},
       label: {show: true, position: "right", distance: 8, color: t.text, fontFamily: t.font,
               formatter: function (p) { return text(items[p.dataIndex]); }},
       data: items.map(function (i) {
         return {value: Math.max(i.shownValue, i.shownTarget || 0, max * 0.02), url: i.url};
       })}
    ];
    return option;
  }

  function barOption(spec, t) {
    var categories = spec.categories;
    var series = spec.series;
    if (!series) {  // one-series shortcut: items carry their own category names
      categories = (spec.items || []).map(function (i) { return String(i.name); });
      series = [{name: spec.name || "", data: spec.items || []}];
    }
    var horizontal = !!spec.horizontal;
    var stacked = !!spec.stack;
    var option = base(spec, t);
    option.tooltip.trigger = "axis";
    option.tooltip.axisPointer = {type: "shadow"};
    option.grid = {left: 8, right: horizontal ? 40 : 16, top: series.length > 1 ? 40 : 16,
                   bottom: 8};
    if (series.length > 1) {
      option.legend = {top: 0, textStyle: {color: t.text, fontFamily: t.font}};
    }
    var cat = categoryAxis(t, categories, horizontal);
    option.xAxis = horizontal ? valueAxis(t) : cat;
    option.yAxis = horizontal ? cat : valueAxis(t);
    option.series = series.map(function (s) {
      var data = (s.data || []).map(point);
      return {
        name: s.name || "", type: "bar", stack: stacked ? "total" : undefined,
        color: s.color ? colour(s.color) : undefined,
        barMaxWidth: 40, cursor: hasUrl(data) ? "pointer" : "default",
        label: {show: true, fontFamily: t.font,
                position: stacked ? "inside" : (horizontal ? "right" : "top"),
                color: stacked ? t.surface : t.text,
                formatter: function (p) { return p.value ? String(p.value) : ""; }},
        data: data.map(function (p) { return {value: p.value, url: p.url}; })
      };
    });
    return option;
  }

  function stagesOption(spec, t) {
    var items = (spec.items || []).map(function (raw) {
      var p = point(raw);
      p.name = String(raw.name);
      return p;
    });
    var first = items.length ? items[0].value : 0;
    var share = function (i) { return percent(items[i].value, first); };
    var option = base(spec, t);
    var cursor = hasUrl(items) ? "pointer" : "default";
    var tooltip = function (i) {
      var line = items[i].name + "：" + items[i].value + (spec.unit || "") +
        "\n占首阶段 " + share(i);
      return i > 0 ? line + "，占上一阶段 " + percent(items[i].value, items[i - 1].value) : line;
    };
    var data = items.map(function (i) { return {name: i.name, value: i.value, url: i.url}; });
    if (spec.shape === "funnel") {
      option.tooltip.trigger = "item";
      option.tooltip.formatter = function (p) { return tooltip(p.dataIndex); };
      option.series = [{
        type: "funnel", sort: "none", gap: 2, minSize: "30%", left: "10%", right: "10%",
        top: 8, bottom: 8, cursor: cursor,
        itemStyle: {color: t.primary, borderColor: t.surface, borderWidth: 1},
        label: {show: true, position: "inside", color: t.surface, fontFamily: t.font,
                formatter: function (p) {
                  return p.name + " " + p.value + "（" + share(p.dataIndex) + "）";
                }},
        data: data
      }];
      return option;
    }
    option.tooltip.trigger = "axis";
    option.tooltip.axisPointer = {type: "shadow"};
    option.tooltip.formatter = function (params) { return tooltip(params[0].dataIndex); };
    option.grid = {left: 8, right: 90, top: 8, bottom: 8};
    option.yAxis = categoryAxis(t, items.map(function (i) { return i.name; }), true);
    option.xAxis = {type: "value", show: false};
    option.series = [{
      type: "bar", barWidth: 20, cursor: cursor, itemStyle: {color: t.primary},
      label: {show: true, position: "right", color: t.text, fontFamily: t.font,
              formatter: function (p) { return p.value + "（" + share(p.dataIndex) + "）"; }},
      data: data
    }];
    return option;
  }

  var BUILDERS = {progress: progressOption, bar: barOption, stages: stagesOption};

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function rows(spec) {
    if (spec.type === "progress" || (spec.type === "stages" && spec.shape !== "funnel")) {
      return (spec.items || []).length;
    }
    if (spec.type === "bar" && spec.horizontal) {
      return (spec.categories || spec.items || []).length;
    }
    return 0;
  }

  function height(el, spec) {
    var given = parseInt(el.getAttribute("data-chart-height"), 10);
    if (given > 0) {
      return given;
    }
    var n = rows(spec);
    return n ? Math.max(160, n * ROW_HEIGHT + 40) : 320;
  }

  function render(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) {
      throw new Error("charts.js: no JSON spec #" + el.getAttribute("data-chart"));
    }
    var spec = JSON.parse(source.textContent);
    var build = BUILDERS[spec.type];
    if (!build) {
      throw new Error("charts.js: unknown chart type " + spec.type);
    }
    if (!el.hasAttribute("aria-label") && spec.label) {
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", spec.label);
    }
    // CSSOM, not a style attribute: allowed by style-src 'self'.
    el.style.height = height(el, spec) + "px";
    var chart = window.echarts.init(el, null, {renderer: spec.renderer || "svg"});
    chart.setOption(build(spec, theme(spec)));
    chart.on("click", function (params) {
      var url = safeUrl(params.data && params.data.url);
      if (url) {
        window.location.assign(url);
      }
    });
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { chart.resize(); }).observe(el);
    } else {
      window.addEventListener("resize", function () { chart.resize(); });
    }
    el.setAttribute("data-chart-ready", "true");
    return chart;
  }

  function renderAll() {
    var nodes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < nodes.length; i++) {
      try {
        render(nodes[i]);
      } catch (error) {  // one broken spec must not keep the other charts from drawing
        if (window.console) {
          window.console.error(error);
        }
      }
    }
  }

  window.SiteCharts = {render: render, renderAll: renderAll, safeUrl: safeUrl};

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
}());
