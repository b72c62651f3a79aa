"""Schemathesis against the central's own OpenAPI schema, in-process over ASGI.

Every operation gets generated requests (valid and invalid, with a real device token);
no answer may be a 5xx and every answer must match the schema the central publishes.
Kept to well under a minute: a bounded number of examples per operation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from central_support import enrol
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from counter.central.app import create_app
from counter.central.sqlite_engine import SqliteEngine

_engine = SqliteEngine(Path(tempfile.mkdtemp(prefix="counter-schema-")) / "central.db")
_engine.setup()
TOKEN = enrol(_engine, "dev-schema")
# A tiny long-poll bound: the schema publishes it as ``wait``'s maximum, so a generated
# ``/v1/queue/events?wait=…`` answers within 50 ms instead of holding the run.
APP = create_app(_engine, rate_per_second=1e6, rate_burst=10**6, max_wait_s=0.05)
# Every operation the central publishes: sync, queue, statistics, health.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(path_regex=r"^/v1/")


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_central_answers_every_request_within_its_schema(case: schemathesis.Case) -> None:
    # A schema-valid push may still be refused by the rules (another device's id 403,
    # a table the central does not know 400), so "valid data is accepted" is not checked.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        excluded_checks=[positive_data_acceptance],
    )
