"""The landing page: YASGUI over ``/sparql``, with the saved queries as example tabs.

YASGUI is served from the app's own ``static/vendor`` (installed by
:mod:`carekg.api.assets`, never from a CDN); when it is missing the page says how to
install it and still lists the saved queries, which work without JavaScript.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template

from carekg.api import assets
from carekg.graph.saved_queries import catalogue
from carekg.namespaces import PREFIXES

bp = Blueprint("ui", __name__)


def vendor_dir() -> Path:
    return Path(current_app.static_folder or assets.DEFAULT_TARGET.parent) / "vendor"


def missing_assets() -> list[str]:
    return assets.missing(vendor_dir())


@bp.route("/")
def index() -> Response:
    queries = sorted(catalogue().values(), key=lambda q: q.title)
    return Response(render_template("index.html", missing=missing_assets(), queries=queries,
                                    prefixes=PREFIXES))
