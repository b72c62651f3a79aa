"""The central's HTTP API: enrol, push, pull — every answer a clear status and reason.

Bodies are read and checked here rather than by FastAPI's automatic parsing, so each
kind of bad input gets its own status and a reason in Chinese and English (malformed
JSON 400, wrong types 422, unknown table 400, someone else's ops 403, too large 413),
and nothing of a refused request is applied.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from counter.central.engine import Device, DeviceCheck, Engine, PushConflict
from counter.central.openapi import MAX_INT64, body_schema, error_responses
from counter.central.queue_api import MAX_WAIT_S, add_queue_routes
from counter.central.report import add_report_route
from counter.central.threads import WORKER_THREADS, DatabaseThreads
from counter.sync.protocol import (
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

MAX_BODY = 8 * 1024 * 1024


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
    max_body: int = MAX_BODY,
    clock_ms: Any = None,
    max_wait_s: float = MAX_WAIT_S,
    worker_threads: int = WORKER_THREADS,
    mirror: bool = True,
) -> FastAPI:
    """The API over one engine. ``clock_ms`` lets tests move the central's clock;
    ``max_wait_s`` bounds the event stream's long poll (the schema publishes it);
    ``worker_threads`` is how many requests do their database work at once; ``mirror``
    is False where another process copies queue events into the change log."""
    now_ms = clock_ms or (lambda: int(time.time() * 1000))
    limiter = RateLimiter(rate_per_second, rate_burst)
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

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body.model_dump(mode="json"), status_code=exc.status)

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

    async def read_json(request: Request, model: type[BaseModel]) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"> {max_body} bytes")
        raw = await request.body()
        if len(raw) > max_body:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"> {max_body} bytes")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, ErrorCode.MALFORMED, str(exc)) from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ApiError(422, ErrorCode.INVALID, f"{where}: {first['msg']}") from None

    def accept(device: Device | None) -> Device:
        if device is None:
            raise ApiError(401, ErrorCode.UNAUTHENTICATED)
        if device.revoked:
            raise ApiError(403, ErrorCode.REVOKED, device.device_id)
        if not limiter.allow(device.device_id):
            raise ApiError(429, ErrorCode.RATE_LIMITED)
        return device

    def authorise(request: Request) -> DeviceCheck:
        """A request without a token is refused at once, before its body is read; the
        returned check looks the device up (blocking), so a queue action makes it in
        the worker thread that does the action — one hand-over to a thread, not two."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, ErrorCode.UNAUTHENTICATED)
        return DeviceCheck(token.strip(), accept, engine.device_for_token)

    async def authenticate(request: Request) -> Device:
        device: Device = await in_thread(authorise(request))
        return device

    @app.post(
        "/v1/enrol",
        response_model=EnrolResponse,
        responses=error_responses(400, 403, 413, 422, 429),
        openapi_extra=body_schema(EnrolRequest),
        summary="用一次性登记码换取设备令牌 / exchange a one-time code for a device token",
    )
    async def enrol(request: Request) -> EnrolResponse:
        if not limiter.allow("enrol:" + (request.client.host if request.client else "")):
            raise ApiError(429, ErrorCode.RATE_LIMITED)
        body: EnrolRequest = await read_json(request, EnrolRequest)
        token = await in_thread(engine.enrol, body.code, body.device_id, body.name, now_ms())
        if token is None:
            raise ApiError(403, ErrorCode.BAD_ENROL_CODE)
        return EnrolResponse(device_id=body.device_id, token=token)

    @app.post(
        "/v1/push",
        response_model=PushResponse,
        responses=error_responses(400, 401, 403, 409, 413, 422, 429),
        openapi_extra=body_schema(PushRequest),
        summary="上传本机操作（按序号，幂等） / push outbox ops, idempotent by op id",
    )
    async def push(request: Request) -> PushResponse:
        device = await authenticate(request)
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
            return await in_thread(engine.push, device.device_id, body.ops, now_ms())
        except PushConflict as exc:
            raise ApiError(409, exc.code, exc.op_id, exc.op_id) from None

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
    ) -> Response:
        await authenticate(request)
        page: str = await in_thread(engine.pull_json, cursor, limit)
        return Response(page, media_type="application/json")

    add_queue_routes(
        app, engine, authenticate, authorise, read_json, in_thread, now_ms, max_wait_s, mirror
    )
    add_report_route(app, engine, authenticate, in_thread, now_ms)

    @app.get("/v1/health", summary="存活检查 / liveness")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
