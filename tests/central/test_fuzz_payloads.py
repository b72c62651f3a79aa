"""Malformed sync payloads: refused with a 4xx and an ErrorBody, never a 5xx.

Hypothesis sends random JSON, valid pushes with one field mutated, and raw bytes to the
central's endpoints (SQLite engine, in-process).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from central_support import enrol
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter.central.app import create_app
from counter.central.sqlite_engine import SqliteEngine
from counter.sync.protocol import ErrorBody, PushResponse

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
DEVICE = "dev-fuzz"

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)  # fmt: skip


@pytest.fixture(scope="module")
def central() -> Iterator[tuple[TestClient, dict[str, str]]]:
    folder = Path(tempfile.mkdtemp(prefix="counter-fuzz-"))
    engine = SqliteEngine(str(folder / "central.db"))
    engine.setup()
    headers = {"Authorization": f"Bearer {enrol(engine, DEVICE)}"}
    with TestClient(create_app(engine, rate_per_second=1e6, rate_burst=10**6)) as client:
        yield client, headers


def good_op(seq: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "op_id": f"op-{seq}",
        "table_name": "holidays",
        "row_id": "2031-01-05",
        "kind": "upsert",
        "payload": {"day": "2031-01-05", "kind": "holiday", "name": "测试"},
        "hlc": "001700000000000-000000",
        "schema_version": 1,
    }


def answered_well(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        ErrorBody.model_validate(response.json())
    elif response.request.url.path == "/v1/push":
        PushResponse.model_validate(response.json())


@FUZZ
@given(json_values)
def test_random_json_bodies_are_refused_cleanly(central, body: Any) -> None:  # type: ignore[no-untyped-def]
    client, headers = central
    for path in ("/v1/push", "/v1/enrol"):
        answered_well(client.post(path, content=json.dumps(body), headers=headers))


@FUZZ
@given(
    st.sampled_from(list(good_op(1))),
    json_values,
    st.sampled_from(["device_id", "ops", None]),
)
def test_a_push_with_one_bad_field_is_refused_cleanly(central, field, value, top) -> None:  # type: ignore[no-untyped-def]
    client, headers = central
    op = good_op(1)
    body: dict[str, Any] = {"device_id": DEVICE, "ops": [op]}
    if top is None:
        op[field] = value
    else:
        body[top] = value
    answered_well(client.post("/v1/push", content=json.dumps(body), headers=headers))


@FUZZ
@given(st.binary(max_size=200))
def test_raw_bytes_are_refused_cleanly(central, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    client, headers = central
    answered_well(client.post("/v1/push", content=raw, headers=headers))


@FUZZ
@given(st.text(max_size=30), st.text(max_size=30))
def test_odd_pull_cursors_are_refused_cleanly(central, cursor: str, limit: str) -> None:  # type: ignore[no-untyped-def]
    client, headers = central
    answered_well(
        client.get("/v1/pull", params={"cursor": cursor, "limit": limit}, headers=headers)
    )
