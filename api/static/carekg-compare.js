// The compare page's charts: saved-query answers from /queries/{name} drawn with Vega-Lite.
(function () {
  "use strict";
  var root = document.getElementById("charts");
  if (!root || typeof vegaEmbed === "undefined") { return; }
  var councils = root.dataset.councils.split(" ").filter(Boolean);
  var service = root.dataset.service;

  function gss(iri) { return iri.split("/").pop(); }

  function rows(name, params) {
    var qs = new URLSearchParams(params);
    qs.set("format", "json");
    return fetch("/queries/" + name + "?" + qs.toString())
      .then(function (r) { if (!r.ok) { throw new Error(name + ": HTTP " + r.status); } return r.json(); })
      .then(function (json) {
        return json.results.bindings.map(function (b) {
          var row = {};
          Object.keys(b).forEach(function (k) { row[k] = b[k].value; });
          return row;
        });
      });
  }

  function perCouncil(name) {
    return Promise.all(councils.map(function (c) { return rows(name, { council: gss(c) }); }))
      .then(function (lists) { return [].concat.apply([], lists); });
  }

  function draw(id, spec, data) {
    var el = document.getElementById(id);
    if (!data.length) {
      el.textContent = "No figures for these councils" + (service ? " and this service." : ".");
      el.dataset.drawn = "0";
      return Promise.resolve();
    }
    spec.data = { values: data };
    window.carekgCharts = window.carekgCharts || {};
    window.carekgCharts[id] = { spec: spec, data: data };
    spec.$schema = "https://vega.github.io/schema/vega-lite/v5.json";
    spec.width = "container";
    return vegaEmbed(el, spec, { actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function () { el.dataset.drawn = String(data.length); });
  }

  var services = service
    ? rows("services-narrower", { service: service }).then(function (list) {
        return new Set(list.map(function (r) { return r.concept; })); })
    : Promise.resolve(null);

  services.then(function (allowed) {
    function keep(row) { return !allowed || (row.service && allowed.has(row.service)); }
    // Spend: the page's own totals (each claim once; a group's figures as the group's),
    // the same numbers as its table and as the saved queries behind it.
    var spendData = JSON.parse(document.getElementById("spend-data").textContent || "[]");
    var spend = draw("chart-spend", {
      mark: "bar",
      encoding: {
        y: { field: "service", type: "nominal", sort: "-x", title: null },
        x: { field: "value", type: "quantitative", title: "stated spend (£), each claim once" },
        color: { field: "council", type: "nominal", title: "council or group" },
        yOffset: { field: "council" },
        tooltip: [{ field: "council" }, { field: "service" }, { field: "value", format: ",.0f", title: "£" }]
      }
    }, spendData);
    var events = perCouncil("council-contract-events").then(function (data) {
      data = data.filter(function (r) { return r.start && !r.restates && keep(r); }).map(function (r) {
        return { council: r.councilName, start: r.start, end: r.end || r.start,
                 event: r.eventTypeName || "contract event", service: r.serviceName || "", quote: r.quote || "" }; });
      return draw("chart-events", {
        mark: { type: "bar", minBandSize: 4 },
        encoding: {
          y: { field: "council", type: "nominal", title: null },
          x: { field: "start", type: "temporal", title: "period" },
          x2: { field: "end" },
          color: { field: "event", type: "nominal" },
          tooltip: [{ field: "event" }, { field: "service" }, { field: "start", type: "temporal" }, { field: "quote" }]
        }
      }, data);
    });
    var needs = perCouncil("council-needs").then(function (data) {
      data = data.filter(function (r) { return r.value && r.periodStart && !r.restates && keep(r); }).map(function (r) {
        var group = r.groupName || "(no group)";
        return { council: r.councilName, group: group, series: r.councilName + ": " + group,
                 value: +r.value, date: r.periodStart,
                 estimate: r.isProjection === "true" ? "projection" : "current estimate" }; });
      // One line per council and population group (never one council's unrelated groups
      // joined), projections dashed and drawn with open points.
      return draw("chart-needs", {
        mark: { type: "line", point: { filled: false, size: 50 } },
        encoding: {
          x: { field: "date", type: "temporal", title: "period" },
          y: { field: "value", type: "quantitative", title: "people" },
          color: { field: "series", type: "nominal", title: "council: population group" },
          strokeDash: { field: "estimate", type: "nominal", title: "estimate",
                        scale: { domain: ["current estimate", "projection"], range: [[1, 0], [6, 4]] } },
          shape: { field: "estimate", type: "nominal", title: "estimate",
                   scale: { domain: ["current estimate", "projection"], range: ["circle", "triangle-up"] } },
          detail: { field: "series" },
          tooltip: [{ field: "council" }, { field: "group" }, { field: "value", format: "," }, { field: "estimate" }, { field: "date", type: "temporal" }]
        }
      }, data);
    });
    return Promise.all([spend, events, needs]);
  }).then(function () { root.dataset.ready = "1"; })
    .catch(function (err) {
      var p = document.createElement("p");
      p.className = "warning";
      p.textContent = "Could not draw the charts: " + err;
      root.before(p);
      root.dataset.ready = "error";
    });
})();
