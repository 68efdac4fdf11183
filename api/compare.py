"""Comparing councils: ``/compare`` (charts) and ``/compare/similar`` (who is alike).

The charts are Vega-Lite specs drawn by vega-embed from the app's own static files; the
page's script fills them with answers of saved queries fetched from ``/queries/{name}``
(the endpoint, so what is drawn is what a researcher can query). Similarity and
clusters come from :mod:`carekg.api.similarity`. The opportunities feed
(:mod:`carekg.api.ics`) is registered here, as part of the comparison area.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from carekg.api import assets
from carekg.api import negotiation as neg
from carekg.api.app import settings, snapshot
from carekg.api.claims import pounds, spend_comparison
from carekg.api.ics import bp as ics_bp
from carekg.api.similarity import clusters, council_graph, most_similar
from carekg.api.ui import vendor_dir
from carekg.councils import default_register
from carekg.errors import CarekgError
from carekg.graph.saved_queries import catalogue, coerce, run_saved

bp = Blueprint("compare", __name__)
bp.register_blueprint(ics_bp)

CHART_ASSETS = [name for name in assets.VENDOR_FILES.values() if name.startswith("vega/")]


def _council_iri(text: str) -> str:
    """A council given as GSS code, name or IRI, as its IRI (the saved queries' rules)."""
    param = catalogue()["spend-by-council-and-service"].parameter("council")
    return coerce(param, text, settings().base).value


def _service_iri(text: str) -> str:
    param = catalogue()["services-narrower"].parameter("service")
    return coerce(param, text, settings().base).value


def _graph_cache() -> Any:
    """The similarity graph of the current snapshot (computed once per snapshot)."""
    from flask import current_app

    snap = snapshot()
    cache = current_app.extensions.setdefault("carekg.similarity", {})
    if snap.id not in cache:
        cache.clear()
        cache[snap.id] = council_graph(snap, settings().base)
    return cache[snap.id]


def _bad(exc: Exception | str) -> Response:
    return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")


@bp.route("/compare")
def compare() -> Response:
    try:
        councils = [_council_iri(c) for c in request.args.get("councils", "").split(",")
                    if c.strip()]
        service = request.args.get("service", "").strip()
        service_iri = _service_iri(service) if service else ""
    except CarekgError as exc:
        return _bad(exc)
    names = {c.gss_code: c.name for c in default_register().councils}
    chosen = [{"iri": iri, "name": names.get(iri.rsplit("/", 1)[-1], iri)} for iri in councils]
    own, joint = spend_comparison(snapshot(), settings().base,
                                  [(c["iri"], c["name"]) for c in chosen],
                                  _narrower(service_iri) if service_iri else None)
    if request.args.get("format") == "json":
        return jsonify({"councils": [t.as_json() for t in own],
                        "groups": [t.as_json() for t in joint], "service": service_iri or None})
    graph = _graph_cache()
    groups = [[{"iri": iri, "name": graph.nodes[iri].get("name") or iri} for iri in group]
              for group in clusters(graph)]
    missing = [n for n in CHART_ASSETS if n in assets.missing(vendor_dir())]
    spend_rows = [{"council": t.name, "service": s["name"] or "(no service)",
                   "value": float(s["total"])}
                  for t in [*own, *joint] for s in t.services.values()]
    return Response(render_template(
        "compare.html", councils=chosen, service=service_iri, service_text=service,
        clusters=groups, missing=missing, own=own, joint=joint, spend_rows=spend_rows,
        pounds=pounds,
        known=sorted(({"iri": n, "name": d.get("name") or n} for n, d in graph.nodes(data=True)),
                     key=lambda c: c["name"])))


def _narrower(service_iri: str) -> set[str]:
    """A service and every narrower one, as the service filter of every chart means it."""
    rows = run_saved(snapshot(), "services-narrower", {"service": service_iri},
                     base=settings().base)
    return {row["concept"].value for row in rows}


@bp.route("/compare/similar")
def similar() -> Response:
    council = request.args.get("council", "").strip()
    if not council:
        if not request.args.get("format") and neg.prefers_html(request.headers.get("Accept")):
            graph = _graph_cache()
            known = sorted(({"iri": n, "name": d.get("name") or n}
                            for n, d in graph.nodes(data=True)), key=lambda c: c["name"])
            return Response(render_template("similar.html", council="", name="", similar=[],
                                            known=known))
        return _bad("give a council: /compare/similar?council=E09000019 (GSS code or name)")
    try:
        iri = _council_iri(council)
    except CarekgError as exc:
        return _bad(exc)
    graph = _graph_cache()
    limit = request.args.get("limit", "10")
    if not limit.isdigit() or not 0 < int(limit) <= 1000:
        return Response("limit must be a whole number from 1 to 1000\n", status=400,
                        content_type="text/plain; charset=utf-8")
    found = most_similar(graph, iri, limit=int(limit))
    name = graph.nodes[iri].get("name") if iri in graph else council
    if not request.args.get("format") and neg.prefers_html(request.headers.get("Accept")):
        return Response(render_template("similar.html", council=iri, name=name, similar=found))
    return jsonify({"council": iri, "name": name, "similar": [asdict(s) for s in found],
                    "clusters": clusters(graph)})
