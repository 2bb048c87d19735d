"""schemathesis against docs/openapi.json: the JSON and webhook endpoints, called with what the
description allows and with what it does not (negative cases), on both databases. Fails on any
5xx, and on an answer whose status, content type or body the description does not list."""
import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

SPEC = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


@pytest.fixture
def api_schema(app, world):
    # /readyz is described but not fuzzed: the tests' schema is made without Alembic, so it
    # rightly answers 503 "not ready" (tests/integration/test_health.py covers it).
    schema = schemathesis.openapi.from_dict({**SPEC, "paths": {k: v for k, v in SPEC["paths"].items() if k != "/readyz"}})
    schema.app = app
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_json_endpoint_answers_as_described(case):
    # Every check but "a request the description allows is accepted": no generated request carries
    # a provider's valid signature, a school's token or a pupil's session, so each is refused (4xx)
    # by design — what is checked is that the refusal is one the description lists, never a 5xx.
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])


def test_the_description_names_every_callback_and_json_route(app):
    """A new callback, hook or program's API (the transcript's signing program, its public
    schemas) without its description here would go unfuzzed."""
    described = {p.replace("{", "<").replace("}", ">") for p in SPEC["paths"]}
    routes = {r.rule.replace("<int:", "<") for r in app.url_map.iter_rules()
              if r.rule.startswith(("/callbacks/", "/hooks/", "/api/", "/schemas/")) or r.rule in ("/healthz", "/readyz")}
    assert {"/api/hocba/token-round", "/schemas/<name>"} <= routes
    assert routes <= described, sorted(routes - described)
