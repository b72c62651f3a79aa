"""``POST /v1/devices``: the hall's devices for a supervisor at a counter, and revoking one.

What ``counter-central devices`` and ``revoke`` do on the central's own machine, asked
from the 设备 page of a window. Nothing the counter says about itself is believed
(:mod:`counter.sync.device_admin`): the device is the token's, its kind the central's
record of it, and the person the central's record of the staff id the request names,
proven by her signature checked with the public key the central holds for her. Only a
supervisor or an admin, by the central's own record, at a window or a laptop (a kiosk,
a board or a pad has nobody signed in), is answered. Every refusal says why in Chinese
and English, and every revocation is logged with who, from where and what.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from counter.central.authority import CentralStaff
from counter.central.engine import Device, Engine
from counter.central.openapi import body_schema, error_responses
from counter.model.devices import DeviceKind
from counter.model.staff import Role
from counter.model.staff_key import verify
from counter.sync.device_admin import (
    MAX_SKEW_MS,
    DeviceAdminRequest,
    DeviceList,
    DeviceRow,
    admin_message,
)
from counter.sync.protocol import ErrorBody, ErrorCode

log = logging.getLogger(__name__)

#: A staff id, an action, a device id and a signature: a few hundred bytes.
MAX_ADMIN_BODY = 8 * 1024
#: Kinds of device at which a person signs in.
STAFFED = frozenset({DeviceKind.WINDOW, DeviceKind.LAPTOP})
ADMIN_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class Refused(Exception):
    """Why the request is not answered: the status, the code and the detail."""

    def __init__(self, status: int, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.body = ErrorBody(code=code, reason=code.reason(detail))


def _forbidden(detail: str) -> Refused:
    return Refused(403, ErrorCode.NOT_PERMITTED, detail)


class SeenProofs:
    """Signatures already answered in this process, until they are too old to pass the
    time check anyway: one seen on the wire cannot be sent again. (With several serving
    processes a replay may reach another one within the five minutes; what it can do
    there is what the supervisor asked for, from the same device, once more.)"""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def first_use(self, proof: str, now_ms: int) -> bool:
        with self._lock:
            for old in [p for p, until in self._seen.items() if until < now_ms]:
                del self._seen[old]
            if proof in self._seen:
                return False
            self._seen[proof] = now_ms + 2 * MAX_SKEW_MS
            return True


def authorise(
    engine: Engine, device: Device, body: DeviceAdminRequest, now_ms: int, seen: SeenProofs
) -> CentralStaff:
    """The central's record of the supervisor who signed the request, or :class:`Refused`."""
    if device.kind not in STAFFED:
        raise _forbidden(f"{device.kind.label}上没有登录的工作人员，不能查看或停用设备")
    staff = engine.staff_record(body.staff_id)
    if staff is None:
        raise _forbidden(f"中心没有工号为 {body.staff_id} 的人员（本机的人员数据不被中心采信）")
    if not staff.active:
        raise _forbidden(f"{staff.name} 的账号已在中心停用")
    if staff.role not in ADMIN_ROLES:
        label = staff.role.label if staff.role else "未知角色"
        raise _forbidden(f"{staff.name} 在中心登记为{label}：只有值班长或管理员可以管理设备")
    message = admin_message(device.device_id, staff.id, body.action, body.target, body.at_ms)
    if not staff.sign_key or not verify(staff.sign_key, message, body.proof):
        raise _forbidden(f"须由{staff.name}本人登录确认（缺少或无效的值班长签名）")
    if abs(body.at_ms - now_ms) > MAX_SKEW_MS:
        raise _forbidden(
            "请求的签名时间与中心时钟相差超过 5 分钟（本机时钟不准，或请求被截获后重发）："
            "请先让本机同步一次再试"
        )
    if not seen.first_use(body.proof, now_ms):
        raise _forbidden("这个签名已经用过（请求被重发）：请重新操作")
    return staff


def act(
    engine: Engine, device: Device, body: DeviceAdminRequest, now_ms: int, seen: SeenProofs
) -> DeviceList:
    """The request, authorised, carried out: the list, after the revocation if asked."""
    staff = authorise(engine, device, body, now_ms, seen)
    revoked = ""
    if body.action == "revoke":
        target = body.target.strip()
        if not target:
            raise Refused(422, ErrorCode.INVALID, "请指定要停用的设备")
        if target == device.device_id:
            raise _forbidden(
                "不能停用正在使用的这台电脑：请在另一台电脑上操作，或在中心执行 "
                "counter-central revoke"
            )
        if not engine.revoke(target):
            raise Refused(422, ErrorCode.INVALID, f"中心没有这台设备：{target}")
        revoked = target
        log.warning(
            "device %s revoked by %s (%s, %s) from device %s",
            target,
            staff.login,
            staff.id,
            staff.role.value if staff.role else "",
            device.device_id,
        )
    rows = [
        DeviceRow(
            device_id=d.device_id,
            name=d.name,
            kind=d.kind.value,
            kind_label=d.kind.label,
            window=d.window,
            revoked=d.revoked,
            enrolled_at=d.enrolled_at,
            last_seen=d.last_seen,
            refused_ops=d.refused_ops,
        )
        for d in engine.devices()
    ]
    return DeviceList(devices=rows, revoked=revoked)


def add_devices_route(
    app: FastAPI,
    engine: Engine,
    authenticate: Callable[..., Awaitable[Device]],
    read_json: Callable[..., Awaitable[Any]],
    in_thread: Callable[..., Awaitable[Any]],
    now_ms: Callable[[], int],
) -> None:
    """``POST /v1/devices`` on ``app``, with the central's own authentication and limits."""
    seen = SeenProofs()

    @app.post(
        "/v1/devices",
        response_model=DeviceList,
        responses=error_responses(400, 401, 403, 413, 422, 429),
        openapi_extra=body_schema(DeviceAdminRequest),
        summary="值班长查看或停用设备（须签名） / a supervisor lists or revokes devices, signed",
    )
    async def devices(request: Request) -> JSONResponse:
        device = await authenticate(request, writes=True)
        body: DeviceAdminRequest = await read_json(request, DeviceAdminRequest, MAX_ADMIN_BODY)
        try:
            answer: DeviceList = await in_thread(act, engine, device, body, int(now_ms()), seen)
        except Refused as exc:
            log.warning("device request from %s refused: %s", device.device_id, exc)
            return JSONResponse(exc.body.model_dump(mode="json"), status_code=exc.status)
        return JSONResponse(answer.model_dump(mode="json"))
