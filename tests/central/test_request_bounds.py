"""Requests bounded before they are read, tried the way an attacker would.

A body is counted as it streams in and refused once past the limit, so a gigabyte sent in
chunks with no Content-Length costs a real central process no more memory than the limit
(it took one to 2.1 GB resident when bodies were read whole first); JSON nested deeper
than MAX_JSON_DEPTH is a 400 with a reason, not a 500 from the parser running out of
stack; and a device's writes beyond its write budget are 429 while its reads still pass.
"""

from __future__ import annotations

import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from central_support import QUEUE_ISSUE, enrol, now_ms
from fastapi.testclient import TestClient

from counter.central.app import MAX_JSON_DEPTH, create_app, nested_deeper_than
from counter.central.cli import build_parser, main
from counter.central.engine import Engine
from counter.central.serving import Serving, open_engine
from tests.waiting import soon

MIB = 1 << 20
#: The attack: 1 GiB in 1 MiB chunks.
ATTACK_CHUNKS = 1024
#: The central's peak resident memory after the attack; idle it is about 80 MB.
PEAK_RSS_LIMIT = 200 * MIB
DEEP = b"[" * 100_000


def op(seq: int, **payload: Any) -> dict[str, Any]:
    """An op on the tests' shared table (conftest registers it)."""
    return {
        "seq": seq,
        "op_id": f"op-{seq}",
        "table_name": "sync_probe",
        "row_id": f"row-{seq}",
        "kind": "upsert",
        "payload": {"id": f"row-{seq}", "device": "dev-a", "n": seq, **payload},
        "hlc": f"{now_ms():015d}-{seq:06d}",
        "schema_version": 5,
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- a real central process, and the attack on it ------------------------------------


def plain_http() -> list[str]:
    """``--insecure-http`` where ``serve`` has it (TLS by default), else nothing."""
    _, unknown = build_parser().parse_known_args(["serve", "--insecure-http"])
    return [] if unknown else ["--insecure-http"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningCentral:
    process: subprocess.Popen[bytes]
    port: int
    engine: Engine

    def status(self, field: str) -> int:
        """A memory figure from /proc/<pid>/status, in bytes (VmHWM: peak resident)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == field:
                return int(value.split()[0]) * 1024
        raise AssertionError(f"no {field} for the central")


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def central(tmp_path: Path) -> Iterator[RunningCentral]:
    """``counter-central serve`` on SQLite in a process of its own, whose memory the test
    can read."""
    url = f"sqlite:///{tmp_path / 'central.db'}"
    open_engine(url).close()  # an initialised central: serve makes none
    port = free_port()
    command = [sys.executable, "-m", "counter.central.cli", "serve", "--db", url]
    command += ["--port", str(port), "--rate", "1000", *plain_http()]
    with (tmp_path / "central.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert soon(lambda: answers(port)), (tmp_path / "central.log").read_text()[-2000:]
        running = RunningCentral(process, port, open_engine(url))
        yield running
        running.engine.close()
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class Attack:
    chunks_sent: int
    answer: bytes


def attack(port: int, path: str, headers: dict[str, str] | None = None) -> Attack:
    """POST up to 1 GiB of ``[`` to ``path``, chunked with no Content-Length, one MiB
    at a time; stop once the server answers or closes, then read what it answered."""
    head = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    chunk = b"%x\r\n" % MIB + b"[" * MIB + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            while sent < ATTACK_CHUNKS and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += 1
            if sent == ATTACK_CHUNKS:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection: it reads no more of this body
        answer = b""
        try:
            while piece := sock.recv(65536):
                answer += piece
        except ConnectionResetError:
            pass
    return Attack(sent, answer)


def assert_refused_as_too_large(result: Attack) -> None:
    assert result.answer.startswith(b"HTTP/1.1 413 "), result.answer[:200]
    assert b'"code":"too_large"' in result.answer
    assert b"connection: close" in result.answer.lower()
    # The server stopped taking the upload: far less than the gigabyte went out.
    assert result.chunks_sent < ATTACK_CHUNKS


def test_a_gigabyte_without_content_length_is_refused_in_bounded_memory(
    central: RunningCentral,
) -> None:
    """Without a token to the enrolment (refused past MAX_ENROL_BODY), and with one to a
    push (refused past MAX_BODY)."""
    token = enrol(central.engine, "dev-a")
    before = central.status("VmHWM")

    tokenless = attack(central.port, "/v1/enrol")
    with_token = attack(central.port, "/v1/push", bearer(token))

    assert_refused_as_too_large(tokenless)
    assert_refused_as_too_large(with_token)
    peak = central.status("VmHWM")
    print(f"central peak RSS: {before / MIB:.0f} MiB before, {peak / MIB:.0f} MiB after")
    assert peak < PEAK_RSS_LIMIT
    assert answers(central.port)  # and it keeps serving


def test_an_unread_body_refused_early_closes_the_connection(central: RunningCentral) -> None:
    """No token on a push: refused before its body is read, and not read after either."""
    result = attack(central.port, "/v1/push")
    assert result.answer.startswith(b"HTTP/1.1 401 "), result.answer[:200]
    assert b"connection: close" in result.answer.lower()
    assert result.chunks_sent < ATTACK_CHUNKS


def test_a_declared_length_over_the_limit_is_refused_before_reading(engine: Engine) -> None:
    with TestClient(create_app(engine, max_body=1000)) as client:
        answer = client.post(
            "/v1/push",
            content=b"x" * 1001,
            headers=bearer(enrol(engine, "dev-a")),
        )
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"


# -- nesting -------------------------------------------------------------------------


def test_deep_nesting_is_400_malformed_with_a_reason_not_500(engine: Engine) -> None:
    token = enrol(engine, "dev-a")
    with TestClient(create_app(engine, rate_per_second=1000, rate_burst=1000)) as client:
        answers = [
            client.post("/v1/enrol", content=DEEP),
            client.post("/v1/push", content=DEEP, headers=bearer(token)),
            client.post("/v1/push", content=b"{" + b'"a":{' * 100_000, headers=bearer(token)),
            client.post("/v1/queue/issue", content=DEEP, headers=bearer(token)),
        ]
        for answer in answers:
            assert answer.status_code == 400, answer.text
            assert answer.json()["code"] == "malformed"
            assert f"nested deeper than {MAX_JSON_DEPTH}" in answer.json()["reason"]
        ok = client.post(
            "/v1/push", json={"device_id": "dev-a", "ops": [op(1)]}, headers=bearer(token)
        )
        assert ok.status_code == 200  # and the central keeps serving


def nested(levels: int) -> Any:
    value: Any = "leaf [{"
    for n in range(levels):
        value = [value, n] if n % 2 else {"k": value, "s": "]}"}
    return value


def test_a_legitimately_nested_payload_still_goes_through(engine: Engine) -> None:
    """The body's own levels (object, ops, op, payload) plus the payload's, up to the
    limit exactly; one more is refused."""
    token = enrol(engine, "dev-a")
    with TestClient(create_app(engine, rate_per_second=1000, rate_burst=1000)) as client:
        deepest = {"device_id": "dev-a", "ops": [op(1, deep=nested(MAX_JSON_DEPTH - 4))]}
        answer = client.post("/v1/push", json=deepest, headers=bearer(token))
        assert answer.status_code == 200, answer.text
        assert answer.json()["acked"] == ["op-1"]
        too_deep = {"device_id": "dev-a", "ops": [op(2, deep=nested(MAX_JSON_DEPTH - 3))]}
        answer = client.post("/v1/push", json=too_deep, headers=bearer(token))
        assert answer.status_code == 400
        assert answer.json()["code"] == "malformed"
    assert engine.scalar("SELECT count(*) FROM ops") == 1


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"{}", 1),
        (b'{"a": [1, {"b": "[[[[[[["}]}', 3),
        (b'["\\"[[[[", [[]]]', 3),  # an escaped quote does not end the string
        (b'["\\\\", [[]]]', 3),  # an escaped backslash does not escape the quote
        (b'[[{"a": []}], {}]', 4),
    ],
)
def test_the_depth_check_counts_brackets_outside_strings(text: bytes, depth: int) -> None:
    assert not nested_deeper_than(text, depth)
    assert nested_deeper_than(text, depth - 1)


def test_the_depth_check_refuses_brackets_never_closed() -> None:
    assert nested_deeper_than(DEEP, MAX_JSON_DEPTH)
    assert not nested_deeper_than(b"[1, 2", MAX_JSON_DEPTH)  # left to the parser: malformed
    assert not nested_deeper_than(b'"' + b'\\"' * 1000, MAX_JSON_DEPTH)  # never closed


# -- write budget --------------------------------------------------------------------


def test_writes_beyond_the_write_budget_are_429_while_reads_pass(engine: Engine) -> None:
    token, other = enrol(engine, "dev-a"), enrol(engine, "dev-b")
    app = create_app(
        engine,
        rate_per_second=1000,
        rate_burst=1000,
        write_rate_per_second=0.001,
        write_burst=3,
    )
    with TestClient(app) as client:
        pushes = [
            client.post(
                "/v1/push", json={"device_id": "dev-a", "ops": [op(n)]}, headers=bearer(token)
            )
            for n in range(1, 5)
        ]
        issue = client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=bearer(token))
        reads = [
            client.get("/v1/pull", headers=bearer(token)),
            client.get("/v1/queue/tickets", params={"day": "2026-11-27"}, headers=bearer(token)),
            client.get("/v1/queue/board", params={"day": "2026-11-27"}, headers=bearer(token)),
        ]
        others = client.post("/v1/queue/issue", json=QUEUE_ISSUE, headers=bearer(other))
        enrols = [
            client.post("/v1/enrol", json={"code": "nope", "device_id": f"dev-{n}"})
            for n in range(4)
        ]
    assert [a.status_code for a in pushes] == [200, 200, 200, 429]
    assert pushes[-1].json()["code"] == "rate_limited"
    assert issue.status_code == 429 and issue.json()["code"] == "rate_limited"
    assert [a.status_code for a in reads] == [200, 200, 200]
    assert others.status_code == 200  # the budget is each device's own
    assert [a.status_code for a in enrols][-1] == 429  # enrolment: per address
    assert [a.status_code for a in enrols][:3] == [403, 403, 403]
    assert engine.scalar("SELECT count(*) FROM ops") == 3


def test_the_default_write_budget_leaves_a_hall_alone(engine: Engine) -> None:
    """A window's sync agent catching up after a morning offline: 40 pushes back to
    back (each up to 500 ops), within the default burst of 50."""
    token = enrol(engine, "dev-a")
    with TestClient(create_app(engine)) as client:
        codes = {
            client.post(
                "/v1/push",
                json={"device_id": "dev-a", "ops": [op(n)]},
                headers=bearer(token),
            ).status_code
            for n in range(1, 41)
        }
    assert codes == {200}


def test_serve_passes_the_write_rate_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Serving] = []
    monkeypatch.setattr(
        "counter.central.cli.run_serving", lambda serving, options, workers: seen.append(serving)
    )
    url = f"sqlite:///{tmp_path / 'central.db'}"
    open_engine(url).close()
    main(["serve", "--db", url, "--write-rate", "2.5", *plain_http()])
    main(["serve", "--db", url, *plain_http()])
    assert [s.write_rate for s in seen] == [2.5, None]
