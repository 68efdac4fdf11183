// carekg's YASGUI set-up: one tab per saved query, prefixes known to the editor.
// A saved query's parameters are bound by the server at /queries/{name}; here, in the
// editor, the defaults are written as a VALUES block the reader can see and change.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || typeof Yasgui === "undefined") { return; }
  var prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;

  function withDefaults(query) {
    if (!query.parameters.length) { return query.query; }
    var names = query.parameters.map(function (p) { return "?" + p.name; }).join(" ");
    var values = query.parameters.map(function (p) { return p.default; }).join(" ");
    var block = "\n  VALUES (" + names + ") { (" + values + ") }  # parameters: edit to taste";
    return query.query.replace(/WHERE\s*\{/i, function (m) { return m + block; });
  }

  // Answers show literals as values ("22000000", not "22000000"^^xsd:decimal): the
  // table's compact view, on by default (its "Simple view" switch turns it off).
  if (Yasgui.Yasr && Yasgui.Yasr.defaults && Yasgui.Yasr.defaults.plugins &&
      Yasgui.Yasr.defaults.plugins.table) {
    Yasgui.Yasr.defaults.plugins.table.dynamicConfig = Object.assign(
      {}, Yasgui.Yasr.defaults.plugins.table.dynamicConfig, { compact: true });
  }

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    autoAddOnInit: false,
    yasqe: { value: Object.keys(prefixes).map(function (p) {
      return "PREFIX " + p + ": <" + prefixes[p] + ">"; }).join("\n") +
      "\n\nSELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)" }
  });
  window.carekgYasgui = yasgui;

  fetch(root.dataset.catalogue, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (queries) {
      queries.forEach(function (q, i) {
        var tab = yasgui.addTab(i === 0, {
          name: q.title,
          yasqe: { value: withDefaults(q) },
          requestConfig: { endpoint: endpoint },
          yasr: { settings: { selectedPlugin: "table", pluginsConfig: { table: { compact: true } } } }
        });
        // A saved query declares its own prefixes below its header: adding the editor's
        // on top stacked a second PREFIX block over the "# title:" lines.
        void tab;
      });
      root.dataset.ready = String(queries.length);
    })
    .catch(function (err) {
      var p = document.createElement("p");
      p.className = "warning";
      p.textContent = "Could not load the saved queries: " + err;
      root.before(p);
    });
})();
