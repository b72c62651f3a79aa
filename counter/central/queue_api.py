"""The central's queue endpoints: the kiosks issue, the windows call, the board follows.

Every endpoint needs a device token like push and pull. The board follows
``GET /v1/queue/events`` as a long poll: the answer comes as soon as an event after the
given id exists, or empty when ``wait`` seconds pass (at most ``MAX_WAIT_S``, published
as the parameter's maximum), and the board asks again from the last id it saw. Event
ids become visible in order (see Engine._queue_event_lock), so following by id never
misses a call.

Every endpoint that changes the queue takes an ``Idempotency-Key`` header
(REQUEST_ID_HEADER): the same key from the same device gets the answer the first try
got, without acting again (HallQueue._once), so a counter may resend an action whose
answer it never saw. A request without one is done as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from counter.central.engine import Device, DeviceCheck, Engine
from counter.central.hall_queue import (
    HallQueue,
    RequestKey,
    block_answer,
    issue_answer,
    reconcile_answer,
    ticket_answer,
)
from counter.central.openapi import (
    AUTH_STATUSES,
    BODY_STATUSES,
    MAX_INT64,
    Day,
    body_schema,
    error_responses,
)
from counter.log import queue as log
from counter.model.clock import parse_iso
from counter.model.devices import DeviceKind
from counter.model.errors import NotAllowedError, NotFoundError, ValidationError
from counter.model.queue import CallRule, Category, Lane
from counter.model.roles import roles_for
from counter.sync.protocol import ErrorBody
from counter.sync.queue_protocol import (
    REQUEST_ID_HEADER,
    REQUEST_ID_PATTERN,
    TICKET_ID_PATTERN,
    ActRequest,
    BlockRequest,
    BlockResponse,
    BoardAnswer,
    CallNextRequest,
    CallSpecificRequest,
    EventsAnswer,
    IssueAnswer,
    IssueRequest,
    QueueRefusal,
    ReconcileAnswer,
    ReconcileRequest,
    RequeueRequest,
    TicketAnswer,
    TicketsAnswer,
)

MIRROR_EVERY_S = 1.0
#: Queue events copied per transaction when the serving process copies them itself (a
#: SQLite central): the copy holds the writer lock the queue's calls wait for, on the
#: event loop. A second's 2,000 events from twenty windows pressing at once, copied in
#: one go, held it 50-60 ms, and every call of that round waited; 200 hold it ~5 ms.
MIRROR_STEP = 200
#: The longest a board's long poll is held open; it asks again right after.
MAX_WAIT_S = 20.0
#: ``?states=waiting,called``: a comma list of ticket states, or nothing for all.
STATES_PATTERN = (
    r"^((waiting|called|serving|held|done|no_show)(,(waiting|called|serving|held|done|no_show))*)?$"
)
#: The request id a state-changing endpoint takes (queue_protocol.REQUEST_ID_HEADER).
RequestId = Annotated[
    str | None,
    Header(
        alias=REQUEST_ID_HEADER,
        pattern=REQUEST_ID_PATTERN,
        description="本次操作的请求编号：重发时不变，中心只办理一次并给出同一答复"
        " / one id per action, the same on every retry: done once, answered alike",
    ),
]


def action_responses(answer: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """A queue action's answer, the token and body refusals, and the queue's own
    (404/409/422)."""
    return error_responses(
        *AUTH_STATUSES,
        *BODY_STATUSES,
        bodies={
            200: answer,
            404: QueueRefusal,
            409: QueueRefusal,
            422: ErrorBody | QueueRefusal,
        },
    )


def read_responses(answer: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return error_responses(*AUTH_STATUSES, 422, bodies={200: answer})


class Authenticate(Protocol):
    """The device a request's token names; ``writes`` spends its write budget too."""

    def __call__(self, request: Request, *, writes: bool = False) -> Awaitable[Any]: ...


class Authorise(Protocol):
    """The header checked at once; the returned check finds the device, in a worker
    thread (and, for ``writes``, spends the device's write budget)."""

    def __call__(self, request: Request, *, writes: bool = False) -> DeviceCheck: ...


ReadJson = Callable[[Request, type[BaseModel]], Awaitable[Any]]
#: Blocking database work, run in the central's database threads (threads.py).
InThread = Callable[..., Awaitable[Any]]


def _refusal(exc: Exception) -> JSONResponse:
    error: Literal["not_found", "not_allowed", "validation"]
    if isinstance(exc, NotFoundError):
        status, error, field = 404, "not_found", ""
    elif isinstance(exc, ValidationError):
        status, error, field = 422, "validation", exc.field
    else:
        status, error, field = 409, "not_allowed", ""
    body = QueueRefusal(error=error, reason=getattr(exc, "message", str(exc)), field=field)
    return JSONResponse(body.model_dump(), status_code=status)


#: The role-table call a window's queue action stands for (its roles are the same).
_WINDOW_CALL = ("CentralQueue.call_next",)
#: Devices that issue tickets and keep a queue of their own when the central is away.
_ISSUERS = frozenset({DeviceKind.KIOSK, DeviceKind.WINDOW})


def _at_window(engine: Engine, device: Device, body: Any) -> tuple[str, str, str]:
    """The window and staff member a window's action is made as: the window from the
    central's record of the device, the staff member from its own staff records (her
    role must allow queue work there). The request's window and name are not read."""
    if device.kind is not DeviceKind.WINDOW:
        raise NotAllowedError(f"{device.kind.label}不能叫号或办理排队号：只有窗口电脑可以")
    if not device.window:  # enrolled before codes named a window
        raise NotAllowedError(
            "本机登记时没有指定窗口号：请值班长在中心运行 counter-central enrol-code"
            f" --device {device.device_id} --window 窗口号，用新登记码重新登记本机"
        )
    staff = engine.staff_record(body.staff_id)
    if staff is None:
        raise NotAllowedError(f"中心没有工号为 {body.staff_id} 的工作人员，请联系值班长")
    if not staff.active:
        raise NotAllowedError(f"{staff.name} 的账号已在中心停用")
    if staff.role not in roles_for(_WINDOW_CALL):
        label = staff.role.label if staff.role else "未知角色"
        raise NotAllowedError(f"{staff.name} 在中心登记为{label}，不能办理排队号")
    return device.window, staff.id, staff.name


def _issuer(device: Device) -> Device:
    """Only a kiosk or a window issues tickets or keeps an offline block of numbers."""
    if device.kind not in _ISSUERS:
        raise NotAllowedError(f"{device.kind.label}不能取号")
    return device


def add_queue_routes(
    app: FastAPI,
    engine: Engine,
    authenticate: Authenticate,
    authorise: Authorise,
    read_json: ReadJson,
    in_thread: InThread,
    now_ms: Callable[[], int],
    max_wait_s: float = MAX_WAIT_S,
    mirror: bool = True,
) -> None:
    hall = HallQueue(engine)
    changed = {"event": asyncio.Event()}
    # What another group of routes waits on for the queue's next write here or in
    # another process (the phones' queue view: counter.central.web_queue_view).
    app.state.queue_changed = lambda: changed["event"]
    tasks: list[asyncio.Task[None]] = []
    stops: list[Callable[[], None]] = []

    async def keep_mirroring() -> None:
        """Queue events into rows and the change log, a second behind the queue; and
        the answers kept for retries forgotten once a day old."""
        while True:
            try:
                while await in_thread(hall.mirror, now_ms(), MIRROR_STEP):
                    pass
                await in_thread(hall.forget_answers, now_ms())
            except Exception:  # a failed copy is retried on the next tick
                log.exception("copying queue events into the change log failed")
            await asyncio.sleep(MIRROR_EVERY_S)

    def notify() -> None:
        old, changed["event"] = changed["event"], asyncio.Event()
        old.set()

    async def start_background() -> None:
        loop = asyncio.get_running_loop()
        if mirror:
            tasks.append(loop.create_task(keep_mirroring()))

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed as a wake came
                loop.call_soon_threadsafe(notify)

        stops.append(engine.follow_queue(wake))

    async def stop_background() -> None:
        for task in tasks:
            task.cancel()
        for stop in stops:
            stop()

    app.router.on_startup.append(start_background)
    app.router.on_shutdown.append(stop_background)

    async def perform(work: Callable[[], Any], *, writes: bool = True) -> Any:
        """The device check and the action in one worker thread (or, for a write on an
        engine that allows it, right here: Engine.queue_writes_inline). A refusal of the
        queue's own becomes its 404/409/422 answer. Only a write wakes the boards' long
        polls."""
        try:
            if writes and engine.queue_writes_inline:
                result = work()
            else:
                result = await in_thread(work)
        except (NotFoundError, NotAllowedError, ValidationError) as exc:
            return _refusal(exc)
        if writes:
            notify()
        return result

    async def run(
        check: DeviceCheck, action: Callable[[Device], Any], *, writes: bool = True
    ) -> Any:
        """``action`` gets the device, checked first."""
        return await perform(lambda: action(check()), writes=writes)

    async def run_at_window(
        check: DeviceCheck,
        body: Any,
        action: Callable[[tuple[str, str, str], Device], Any],
    ) -> Any:
        """A window's action, as the window and staff member the central's own records
        give (:func:`_at_window`), looked up before the action's transaction; the
        action also gets the device (the one its request id is kept for)."""

        def work() -> Any:
            device = check()
            return action(_at_window(engine, device, body), device)

        return await perform(work)

    def once_per(
        request_id: str | None, request: Request, body: BaseModel
    ) -> Callable[[Device], RequestKey | None]:
        """The key the device's request is kept under, made once the device is known:
        the device from its token, the id from the header, the time from the central's
        clock, and a digest of the path and body, so a reused id with another request
        is told apart from a retry. No header: None, and the action is done as sent."""
        if request_id is None:
            return lambda device: None
        asked = f"{request.url.path}\n{body.model_dump_json()}".encode()
        digest = hashlib.sha256(asked).hexdigest()
        return lambda device: RequestKey(device.device_id, request_id, now_ms(), digest)

    def answer(result: Any, make: Callable[[Any], Any]) -> Any:
        """The answer as it goes out: already plain JSON types, so FastAPI's
        ``jsonable_encoder`` is passed by (45 µs for a ticket, as much as FastAPI's
        routing and middleware take for a request)."""
        return result if isinstance(result, JSONResponse) else JSONResponse(make(result))

    @app.post(
        "/v1/queue/issue",
        responses=action_responses(IssueAnswer),
        openapi_extra=body_schema(IssueRequest),
        summary="取号 / issue a ticket",
    )
    async def issue(request: Request, request_id: RequestId = None) -> Any:
        check = authorise(request, writes=True)
        body: IssueRequest = await read_json(request, IssueRequest)
        category = Category(code=body.category, name=body.category_name)
        at = parse_iso(body.at)
        key = once_per(request_id, request, body)
        result = await run(
            check,
            lambda device: (
                _issuer(device)
                and hall.issue_linked(
                    category,
                    body.numbering,
                    at,
                    lane=Lane(body.lane),
                    priority_reason=body.priority_reason,
                    appointment_code=body.appointment_code,
                    person_id=body.person_id,
                    person_name=body.person_name,
                    origin=device.device_id,
                    request=key(device),
                )
            ),
        )
        return answer(result, issue_answer)

    @app.post(
        "/v1/queue/call-next",
        responses=action_responses(TicketAnswer),
        openapi_extra=body_schema(CallNextRequest),
        summary="叫下一位（一个事务） / call next, one transaction",
    )
    async def call_next(request: Request, request_id: RequestId = None) -> Any:
        check = authorise(request, writes=True)
        body: CallNextRequest = await read_json(request, CallNextRequest)
        rule = CallRule(interleave=body.interleave)
        at = parse_iso(body.at)
        key = once_per(request_id, request, body)
        result = await run_at_window(
            check,
            body,
            lambda staff, device: hall.call_next(staff, body.codes, rule, at, request=key(device)),
        )
        return answer(result, ticket_answer)

    @app.post(
        "/v1/queue/call-specific",
        responses=action_responses(TicketAnswer),
        openapi_extra=body_schema(CallSpecificRequest),
        summary="指定叫号 / call a ticket out of order",
    )
    async def call_specific(request: Request, request_id: RequestId = None) -> Any:
        check = authorise(request, writes=True)
        body: CallSpecificRequest = await read_json(request, CallSpecificRequest)
        at = parse_iso(body.at)
        key = once_per(request_id, request, body)
        result = await run_at_window(
            check,
            body,
            lambda staff, device: hall.call_specific(
                staff, body.number, body.reason, at, request=key(device)
            ),
        )
        return answer(result, ticket_answer)

    @app.post(
        "/v1/queue/act",
        responses=action_responses(TicketAnswer),
        openapi_extra=body_schema(ActRequest),
        summary="重呼、过号、挂起、办结、转移… / act on a ticket",
    )
    async def act(request: Request, request_id: RequestId = None) -> Any:
        check = authorise(request, writes=True)
        body: ActRequest = await read_json(request, ActRequest)
        at, params = parse_iso(body.at), body.params.model_dump()
        key = once_per(request_id, request, body)
        result = await run_at_window(
            check,
            body,
            lambda staff, device: hall.act(
                staff, body.ticket_id, body.action, at, params, request=key(device)
            ),
        )
        return answer(result, ticket_answer)

    @app.post(
        "/v1/queue/requeue",
        responses=action_responses(TicketAnswer),
        openapi_extra=body_schema(RequeueRequest),
        summary="过号重新排队 / re-queue a late arrival",
    )
    async def requeue(request: Request, request_id: RequestId = None) -> Any:
        check = authorise(request, writes=True)
        body: RequeueRequest = await read_json(request, RequeueRequest)
        at = parse_iso(body.at)
        key = once_per(request_id, request, body)
        result = await run(
            check,
            lambda device: hall.requeue(body.number, body.behind, at, request=key(device)),
        )
        return answer(result, ticket_answer)

    @app.post(
        "/v1/queue/blocks",
        response_model=BlockResponse,
        responses=error_responses(*AUTH_STATUSES, *BODY_STATUSES, bodies={409: QueueRefusal}),
        openapi_extra=body_schema(BlockRequest),
        summary="为本机预留脱机号段 / reserve a number block for offline use",
    )
    async def reserve(request: Request, request_id: RequestId = None) -> Any:
        device = await authenticate(request, writes=True)
        body: BlockRequest = await read_json(request, BlockRequest)
        if device.kind not in _ISSUERS:
            return _refusal(NotAllowedError(f"{device.kind.label}不能预留脱机号段"))
        key = once_per(request_id, request, body)
        result = await perform(
            lambda: hall.reserve_block(
                device.device_id,
                body.category,
                body.numbering,
                body.size,
                now_ms(),
                request=key(device),
            ),
            writes=False,  # in a worker thread as before; no event for the boards
        )
        return answer(result, block_answer)

    @app.post(
        "/v1/queue/reconcile",
        responses=action_responses(ReconcileAnswer),
        openapi_extra=body_schema(ReconcileRequest),
        summary="并入脱机时取的号 / take over offline tickets",
    )
    async def reconcile(request: Request, request_id: RequestId = None) -> Any:
        check = authorise(request, writes=True)
        body: ReconcileRequest = await read_json(request, ReconcileRequest)
        now = datetime.fromtimestamp(now_ms() / 1000).astimezone()
        tickets = [t.model_dump() for t in body.tickets]
        key = once_per(request_id, request, body)
        result = await run(
            check,
            lambda device: hall.reconcile(
                _issuer(device).device_id, tickets, now, request=key(device)
            ),
        )
        return answer(result, reconcile_answer)

    @app.get(
        "/v1/queue/tickets",
        responses=read_responses(TicketsAnswer),
        summary="某天的全部排队号 / the day's tickets",
    )
    async def tickets(
        request: Request,
        day: Annotated[Day, Query()],
        states: Annotated[str, Query(max_length=100, pattern=STATES_PATTERN)] = "",
        window: Annotated[str, Query(max_length=20)] = "",
    ) -> Any:
        wanted = [s for s in states.split(",") if s]
        found = await run(
            authorise(request), lambda _: hall.tickets(day, wanted, window), writes=False
        )
        return JSONResponse({"tickets": found})

    @app.get(
        "/v1/queue/ticket",
        responses=error_responses(
            *AUTH_STATUSES, 422, bodies={200: TicketAnswer, 404: QueueRefusal}
        ),
        summary="一张排队号 / one ticket",
    )
    async def ticket(request: Request, id: str = Query(..., pattern=TICKET_ID_PATTERN)) -> Any:
        result = await run(authorise(request), lambda _: hall.ticket(id), writes=False)
        return answer(result, lambda row: {"ticket": row})

    @app.get(
        "/v1/queue/board",
        responses=read_responses(BoardAnswer),
        summary="叫号屏：当天最近叫过的号 / the day's latest calls",
    )
    async def board(request: Request, day: Annotated[Day, Query()]) -> Any:
        calls = await run(authorise(request), lambda _: hall.latest_calls(day), writes=False)
        return JSONResponse(
            {"calls": [{"event_id": e, "window": w, "ticket": row} for e, w, row in calls]}
        )

    @app.get(
        "/v1/queue/events",
        responses=read_responses(EventsAnswer),
        summary="事件流（长轮询） / event stream, long poll",
    )
    async def events(
        request: Request,
        after: int = Query(0, ge=0, le=MAX_INT64),
        limit: int = Query(500, ge=1, le=5000),
        wait: float = Query(0.0, ge=0.0, le=max_wait_s),
    ) -> Any:
        await authenticate(request)
        deadline = time.monotonic() + wait
        while True:
            waiter = changed["event"]
            found = await in_thread(hall.events, after, limit)
            left = deadline - time.monotonic()
            if found or left <= 0:
                return {"events": found, "last": found[-1]["id"] if found else after}
            # Woken by a queue write here or in another of the central's processes
            # (Engine.follow_queue); the timeout is the backstop.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), timeout=min(left, 1.0))
