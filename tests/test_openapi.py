"""The OpenAPI description (api/openapi.yaml) is served and the live server keeps to it:
schemathesis generates requests for every operation; no 5xx, every status and media type
declared, every JSON body valid against its schema. Examples are bounded to stay quick."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")


def test_the_description_is_served_and_covers_every_route(app, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    described = set(yaml.safe_load(response.data)["paths"])
    routes = {r.rule.replace("<path:rest>", "{rest}").replace("<name>", "{name}")
              for r in app.url_map.iter_rules() if r.endpoint != "static"}
    missing = routes - described - {"/queries", "/def.<ext>"}
    assert not missing, f"routes not in api/openapi.yaml: {sorted(missing)}"


def test_the_live_server_conforms(live_url: str) -> None:
    """Each operation in turn, with a bounded number of generated requests (the
    schemathesis pytest plugin does not load under this pytest, so hypothesis drives
    each operation's strategy directly)."""
    # A string the schema allows is rarely a valid SPARQL query or council name, so a
    # 400 for schema-valid data is expected; everything else is checked.
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    api = schemathesis.openapi.from_url(f"{live_url}/openapi.yaml")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 12
    failed: dict[str, str] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            conforms()
        except (Exception, BaseExceptionGroup) as exc:  # every operation reported
            failed[operation.label] = str(exc).splitlines()[0][:300]
    assert not failed, failed
