"""The central's HTTP API: enrol, push, pull — every answer a clear status and reason.

Bodies are read and checked here rather than by FastAPI's automatic parsing, so each
kind of bad input gets its own status and a reason in Chinese and English (malformed
JSON 400, wrong types 422, unknown table 400, someone else's ops 403, too large 413),
and nothing of a refused request is applied.

A body is bounded before it is read: counted as it streams in and refused (413) as soon
as it passes ``max_body``, and its nesting checked before it is parsed. A 1.2 GB body
sent in chunks (no Content-Length) took the central to 2.4 GB resident when it was read
whole first, and 100,000 nested ``[`` ran the parser out of stack (a 500).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from counter.central.about import About
from counter.central.engine import Device, DeviceCheck, Engine, EnrolRefused, PushConflict
from counter.central.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from counter.central.metrics import CentralMetrics, may_read
from counter.central.migrations import READ_VERSION
from counter.central.openapi import MAX_INT64, body_schema, error_responses
from counter.central.queue_api import MAX_WAIT_S, add_queue_routes
from counter.central.report import add_report_route
from counter.central.threads import WORKER_THREADS, DatabaseThreads
from counter.central.web import WEB_RATE, add_web_routes
from counter.sync.protocol import (
    ANSWER_VERSION,
    MAX_BATCH,
    MAX_PAGE,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    ErrorCode,
    PullPage,
    PushRequest,
    PushResponse,
)
from counter.sync.tables import REGISTRY

log = logging.getLogger(__name__)


class HealthAnswer(BaseModel):
    """``/v1/health``: whether the central can serve, its database included, and which
    central it is (its version and the schema version its database is at)."""

    status: str
    database: str
    version: str
    schema_version: int | None


MAX_BODY = 8 * 1024 * 1024
#: An enrolment is a code, a device id and a name, sent before any token: no reason to
#: take megabytes from anyone who asks.
MAX_ENROL_BODY = 128 * 1024
#: The deepest nesting of arrays and objects a request body may have. The protocol's are
#: shallow: a push is ``{"ops": [{"payload": {...}}]}``, three levels around a row whose
#: values are plain or a list or object a level or two deep; a queue request is three.
MAX_JSON_DEPTH = 32

#: A JSON string, escapes and all; one never closed runs to the end, so the scan below
#: stays linear whatever is sent (trying each ``"`` again after a failed match did not).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nested_deeper_than(raw: bytes | bytearray, limit: int) -> bool:
    """Whether the JSON text ``raw`` nests arrays and objects more than ``limit`` deep.

    Asked before parsing, because ``json.loads`` recurses once per level: 100,000 ``[``
    ran it out of stack (RecursionError, an HTTP 500), and deep input is slow to parse
    besides. The answer comes at C speed, not from a Python loop over each byte (8 MB of
    brackets would hold the event loop a second): strings are taken out, all but the
    brackets dropped, and the innermost pairs removed, one level a pass. Valid JSON of
    depth d is gone after d passes; a pair still there after ``limit`` passes is deeper,
    and so is a run of more than ``limit`` brackets never closed. Text that passes yet is
    not valid JSON nests at most twice ``limit``, which the parser refuses harmlessly.
    """
    shape = _JSON_STRING.sub(b"", raw).translate(_SQUARE, _NOT_BRACKETS)
    for _ in range(limit):
        if b"[]" not in shape:
            break
        shape = shape.replace(b"[]", b"")
    return b"[]" in shape or shape.count(b"[") > limit


class LastSeen:
    """When each device was last heard from, written to the central's record at most
    once a minute a device (``counter-central devices`` shows it): a write on every
    request would cost more than the request."""

    EVERY_MS = 60_000

    def __init__(self, engine: Engine, now_ms: Any) -> None:
        self._engine = engine
        self._now_ms = now_ms
        self._written: dict[str, int] = {}
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="last-seen")

    def note(self, device_id: str) -> None:
        now = int(self._now_ms())
        with self._lock:
            if now - self._written.get(device_id, -self.EVERY_MS) < self.EVERY_MS:
                return
            self._written[device_id] = now
        # Written by a thread of its own: ``note`` may run inside a queue transaction
        # on this thread's connection, which a second transaction would wait for.
        self._writer.submit(self._write, device_id, now)

    def _write(self, device_id: str, now: int) -> None:
        try:
            self._engine.touch(device_id, now)
        except Exception:  # a missed mark is harmless; the request went on
            log.exception("could not note when device %s was last seen", device_id)


class ApiError(Exception):
    def __init__(self, status: int, code: ErrorCode, detail: str = "", op_id: str | None = None):
        super().__init__(code.reason(detail))
        self.status = status
        self.body = ErrorBody(code=code, reason=code.reason(detail), op_id=op_id)


class RateLimiter:
    """A token bucket per device: a runaway counter cannot starve the others."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second = per_second
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True


def create_app(
    engine: Engine,
    *,
    rate_per_second: float = 50.0,
    rate_burst: int = 200,
    write_rate_per_second: float | None = None,
    write_burst: int | None = None,
    max_body: int = MAX_BODY,
    clock_ms: Any = None,
    max_wait_s: float = MAX_WAIT_S,
    worker_threads: int = WORKER_THREADS,
    mirror: bool = True,
    ca_pem: bytes | None = None,
    web_rate: float = WEB_RATE,
    metrics_token: str | None = None,
    about: About | None = None,
) -> FastAPI:
    """The API over one engine. ``clock_ms`` lets tests move the central's clock;
    ``max_wait_s`` bounds the event stream's long poll (the schema publishes it);
    ``worker_threads`` is how many requests do their database work at once; ``mirror``
    is False where another process copies queue events into the change log; ``ca_pem``
    is the CA counters pin, served at ``/v1/ca.pem`` (None: plain HTTP, no route);
    ``metrics_token`` lets a scraper elsewhere than this machine read ``/metrics``
    (counter.central.metrics); ``about`` is what health and metrics say of the central;
    ``web_rate`` is each address's budget of public form posts a second."""
    about = about or About()
    now_ms = clock_ms or (lambda: int(time.time() * 1000))
    limiter = RateLimiter(rate_per_second, rate_burst)
    # Writes (a push, a queue action, an enrolment) have a budget of their own within
    # the device's: unless given, a fifth of its rate and a quarter of its burst, 10 a
    # second and 50 at once by default. A window calls or pushes a few times a second at
    # most, and its sync agent pushes up to 500 ops a request.
    write_limiter = RateLimiter(
        rate_per_second / 5 if write_rate_per_second is None else write_rate_per_second,
        max(1, rate_burst // 4) if write_burst is None else write_burst,
    )
    in_thread = DatabaseThreads(worker_threads).run
    app = FastAPI(
        title="Counter central",
        version="1",
        description="中心服务：窗口登记、数据上传（push）与变更下发（pull）。",
        # FastAPI's OpenTelemetry hooks asked for the global tracer on every request
        # (4 % of the central's interpreter time); a hall's central exports no traces.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.engine = engine
    metrics = CentralMetrics()
    app.state.metrics = metrics
    app.add_middleware(_Wrapped, wrap=metrics.middleware)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        """A refusal that left the body unread (too large, or refused before reading)
        closes the connection: kept open, the server would take in the rest of the
        upload, however long, only to throw it away."""
        unread = not getattr(request.state, "body_read", False) and (
            "transfer-encoding" in request.headers
            or request.headers.get("content-length", "0") != "0"
        )
        headers = {"Connection": "close"} if unread else None
        return JSONResponse(exc.body.model_dump(mode="json"), exc.status, headers)

    @app.exception_handler(RequestValidationError)
    async def _bad_query(request: Request, exc: RequestValidationError) -> JSONResponse:
        """A bad query parameter answers with the same ErrorBody as a bad body (the
        schema promises it for 422; FastAPI's own shape broke that, found by fuzzing)."""
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": ""}
        where = ".".join(str(p) for p in first["loc"])
        reason = ErrorCode.INVALID.reason(f"{where}: {first['msg']}")
        body = ErrorBody(code=ErrorCode.INVALID, reason=reason)
        return JSONResponse(body.model_dump(mode="json"), status_code=422)

    async def read_body(request: Request, limit: int) -> bytearray:
        """The body, counted as it arrives: refused once past ``limit``, so what is held
        never exceeds it, whatever a Content-Length says or whether one is sent."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"> {limit} bytes")
        raw = bytearray()
        try:
            async with contextlib.aclosing(request.stream()) as chunks:
                async for chunk in chunks:
                    if len(raw) + len(chunk) > limit:
                        raise ApiError(413, ErrorCode.TOO_LARGE, f"> {limit} bytes")
                    raw += chunk
        except ClientDisconnect:
            raise ApiError(400, ErrorCode.MALFORMED, "请求体不完整 / body cut short") from None
        request.state.body_read = True
        return raw

    async def read_json(request: Request, model: type[BaseModel], limit: int | None = None) -> Any:
        raw = await read_body(request, max_body if limit is None else min(limit, max_body))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ApiError(400, ErrorCode.MALFORMED, str(exc)) from None
        if nested_deeper_than(raw, MAX_JSON_DEPTH):
            detail = f"JSON 嵌套过深 / nested deeper than {MAX_JSON_DEPTH}"
            raise ApiError(400, ErrorCode.MALFORMED, detail)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, ErrorCode.MALFORMED, str(exc)) from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ApiError(422, ErrorCode.INVALID, f"{where}: {first['msg']}") from None

    seen = LastSeen(engine, now_ms)

    def accept(device: Device | None) -> Device:
        if device is None:
            raise ApiError(401, ErrorCode.UNAUTHENTICATED)
        if device.revoked:
            raise ApiError(403, ErrorCode.REVOKED, device.device_id)
        if not limiter.allow(device.device_id):
            raise ApiError(429, ErrorCode.RATE_LIMITED)
        seen.note(device.device_id)
        return device

    def accept_write(device: Device | None) -> Device:
        """``accept``, then the device's write budget (a push, a queue action)."""
        accepted = accept(device)
        if not write_limiter.allow(accepted.device_id):
            raise ApiError(429, ErrorCode.RATE_LIMITED)
        return accepted

    def authorise(request: Request, *, writes: bool = False) -> DeviceCheck:
        """A request without a token is refused at once, before its body is read; the
        returned check looks the device up (blocking), so a queue action makes it in
        the worker thread that does the action — one hand-over to a thread, not two."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, ErrorCode.UNAUTHENTICATED)
        return DeviceCheck(
            token.strip(), accept_write if writes else accept, engine.device_for_token
        )

    async def authenticate(request: Request, *, writes: bool = False) -> Device:
        device: Device = await in_thread(authorise(request, writes=writes))
        return device

    @app.post(
        "/v1/enrol",
        response_model=EnrolResponse,
        responses=error_responses(400, 403, 413, 422, 429),
        openapi_extra=body_schema(EnrolRequest),
        summary="用一次性登记码换取设备令牌 / exchange a one-time code for a device token",
    )
    async def enrol(request: Request) -> EnrolResponse:
        address = "enrol:" + (request.client.host if request.client else "")
        if not limiter.allow(address) or not write_limiter.allow(address):
            raise ApiError(429, ErrorCode.RATE_LIMITED)
        body: EnrolRequest = await read_json(request, EnrolRequest, MAX_ENROL_BODY)
        try:
            granted = await in_thread(engine.enrol, body.code, body.device_id, body.name, now_ms())
        except EnrolRefused as exc:
            log.warning("enrolment refused for device %s: %s", body.device_id, exc)
            raise ApiError(403, exc.code, exc.detail) from None
        log.info(
            "enrolled device %s as %s %s%s",
            body.device_id,
            granted.kind,
            granted.window,
            " (history import allowed)" if granted.history else "",
        )
        return EnrolResponse(
            device_id=body.device_id,
            token=granted.token,
            kind=granted.kind.value,
            window=granted.window,
            history=granted.history,
        )

    @app.post(
        "/v1/push",
        response_model=PushResponse,
        responses=error_responses(400, 401, 403, 409, 413, 422, 429),
        openapi_extra=body_schema(PushRequest),
        summary="上传本机操作（按序号，幂等） / push outbox ops, idempotent by op id",
    )
    async def push(
        request: Request,
        answer: int = Query(1, ge=1, le=ANSWER_VERSION, description="2: with conflicts, clock"),
    ) -> Response:
        device = await authenticate(request, writes=True)
        body: PushRequest = await read_json(request, PushRequest)
        if body.device_id != device.device_id:
            raise ApiError(403, ErrorCode.WRONG_DEVICE, body.device_id)
        if len(body.ops) > MAX_BATCH:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"{len(body.ops)} ops > {MAX_BATCH}")
        if len({op.op_id for op in body.ops}) != len(body.ops) or len(
            {op.seq for op in body.ops}
        ) != len(body.ops):
            raise ApiError(422, ErrorCode.INVALID, "duplicate op_id or seq in one batch")
        for op in body.ops:
            if op.table_name not in REGISTRY:
                raise ApiError(400, ErrorCode.UNKNOWN_TABLE, op.table_name, op.op_id)
        try:
            done: PushResponse = await in_thread(engine.push, device.device_id, body.ops, now_ms())
        except PushConflict as exc:
            metrics.batch_refused(exc.code.value, len(body.ops))
            raise ApiError(409, exc.code, exc.op_id, exc.op_id) from None
        metrics.pushed(len(done.acked), [r.code.value for r in done.refused])
        # A counter from before asked for no answer version and refuses fields it does
        # not know: it is sent the answer it knows.
        leave_out = PushResponse.NEWER if answer < ANSWER_VERSION else frozenset()
        return JSONResponse(done.model_dump(mode="json", exclude=set(leave_out)))

    @app.get(
        "/v1/pull",
        response_model=PullPage,
        responses=error_responses(401, 403, 422, 429),
        summary="按游标拉取变更 / pull changes after a cursor",
    )
    async def pull(
        request: Request,
        cursor: int = Query(0, ge=0, le=MAX_INT64),
        limit: int = Query(1000, ge=1, le=MAX_PAGE),
        answer: int = Query(1, ge=1, le=ANSWER_VERSION, description="2: with the clock"),
    ) -> Response:
        device = await authenticate(request)
        clock = now_ms() if answer >= ANSWER_VERSION else None
        page, changes = await in_thread(engine.pull_page, cursor, limit, device, clock)
        metrics.pulled(changes)
        return Response(page, media_type="application/json")

    add_queue_routes(
        app, engine, authenticate, authorise, read_json, in_thread, now_ms, max_wait_s, mirror
    )
    add_report_route(app, engine, authenticate, in_thread, now_ms)
    from counter.central.devices_api import add_devices_route

    add_devices_route(app, engine, authenticate, read_json, in_thread, now_ms)
    # The public pages' forms: a person types, so a few a second per address is plenty.
    web_limiter = RateLimiter(web_rate, max(1, int(web_rate * 10)))
    add_web_routes(app, engine, in_thread, now_ms, web_limiter, https=ca_pem is not None)
    if ca_pem is not None:
        from counter.central.hall_ca import add_ca_route

        add_ca_route(app, ca_pem)

    @app.get(
        "/v1/health",
        summary="存活检查（含数据库）/ liveness, database included",
        response_model=HealthAnswer,
        responses={503: {"model": HealthAnswer, "description": "数据库不可用 / database down"}},
    )
    async def health() -> JSONResponse:
        """Up means able to serve: the database answers a query (a fixed "ok" said a
        central was healthy while every push failed on a stopped PostgreSQL). The
        query reads the schema version, which the answer reports with the central's."""
        try:
            held = await in_thread(engine.scalar, READ_VERSION)
        except Exception as exc:  # any fault of the engine is the answer, not a 500
            log.error("health check: the database does not answer: %s", exc)
            down = {"status": "unavailable", "database": "down", "version": about.version,
                    "schema_version": None}  # fmt: skip
            return JSONResponse(down, status_code=503)
        schema = int(held) if held is not None else None
        return JSONResponse(
            {"status": "ok", "database": "ok", "version": about.version, "schema_version": schema}
        )

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        """Counts for Prometheus, to this machine or a bearer of the metrics token
        (counter.central.metrics says why)."""
        host = request.client.host if request.client else None
        if not may_read(host, request.headers.get("authorization", ""), metrics_token):
            return Response(
                "只有本机或持有 metrics 令牌者可读取 /metrics / loopback or metrics token only\n",
                status_code=403,
                media_type="text/plain; charset=utf-8",
            )
        labels = {"version": about.version, "schema_version": str(about.schema_version)}
        text: bytes = await in_thread(metrics.exposition, engine, labels)
        return Response(text, media_type=METRICS_CONTENT_TYPE)

    return app


class _Wrapped:
    """An ASGI middleware that is a function of the app it wraps (Starlette's
    ``add_middleware`` wants a class)."""

    def __init__(self, app: Any, wrap: Any) -> None:
        self._call = wrap(app)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._call(scope, receive, send)
