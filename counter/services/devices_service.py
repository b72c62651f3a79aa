"""The 设备 section of the sync page: where this counter's central is, and the hall's devices.

Three things a supervisor does here, each a call to the central made off the GUI thread
(``start_…`` checks and reads the store on the caller's thread and returns the call;
``finish_…`` keeps what came back):

- the central moved to a new address: the counter keeps its token and the CA pinned at
  enrolment, and takes the new address only once the central there has proven to be the
  same one (its certificate against the pinned CA, this device's token accepted);
- re-enrolment (a replaced PC, a restored store, a revoked token) is the sync service's
  enrolment with a code the central made for this device (its id is shown here);
- the hall's devices, and revoking one: the central answers only a supervisor or an
  admin by *its* records, proven by her signature (:mod:`counter.sync.device_admin`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlite_utils import Database

from counter.log import audit
from counter.model.clock import HALL_TZ, to_ms
from counter.model.enrolment import central_url_problem
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.staff import Role
from counter.services.session import Session
from counter.store import outbox, sync_state
from counter.sync.client import (
    SyncBlocked,
    SyncOffline,
    ask_devices,
    central_now_ms,
    check_new_address,
    keep_address,
    transport_for,
)
from counter.sync.device_admin import DeviceAdminRequest, DeviceList, admin_message

T = TypeVar("T")

#: A supervisor waits at the page for the list: say so in seconds if the central is away.
DEVICES_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class CentralCall(Generic[T]):
    """A call to the central, checked and ready: ``ask`` blocks, touches no store, and
    raises a :class:`~counter.model.errors.CounterError` in the supervisor's words."""

    what: str
    ask: Callable[[], T]


@dataclass(frozen=True)
class HallDevice:
    """One device as the central records it."""

    device_id: str
    name: str
    kind: str
    kind_label: str
    window: str
    revoked: bool
    enrolled_at: datetime
    last_seen: datetime | None
    refused_ops: int
    #: The PC this page runs on.
    this_device: bool


@dataclass(frozen=True)
class HallDevices:
    devices: list[HallDevice]
    #: The device just revoked, "" for a plain listing.
    revoked: str = ""


def _when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, HALL_TZ)


class DevicesService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def device_id(self) -> str:
        """This PC's id with the central: what ``counter-central enrol-code --device``
        needs to make a re-enrolment code for it."""
        return outbox.device_id(self.db)

    def central(self) -> str:
        link = sync_state.central_link(self.db)
        return link.url if link.url and link.token else ""

    # -- the central's new address ---------------------------------------------------------

    def start_address_change(self, session: Session, url: str) -> CentralCall[str]:
        """Check the new address as typed; the call proves the central there is this
        counter's own (see :func:`counter.sync.client.check_new_address`)."""
        session.require(Role.SUPERVISOR)
        url = url.strip().rstrip("/")
        if not url:
            raise ValidationError("new_url", "请填写中心的新地址，例如 https://10.0.0.6:8443")
        problem = central_url_problem(url)
        if problem:
            raise ValidationError("new_url", problem)
        if url == self.central():
            raise ValidationError("new_url", "这就是本机现在使用的中心地址")
        try:
            check = check_new_address(self.db, url)
        except ValidationError as exc:
            raise ValidationError("new_url", exc.message) from None

        def ask() -> str:
            try:
                check()
            except SyncOffline as exc:
                raise ValidationError("new_url", f"连不上中心 {url}：{exc}") from None
            except SyncBlocked as exc:
                raise ValidationError(
                    "new_url",
                    f"{url} 上的中心不认本机（{exc.reason}）：地址是否属于本大厅的中心？"
                    "若中心已换新，请重新登记",
                ) from None
            return url

        return CentralCall(f"正在连接中心 {url} …", ask)

    def finish_address_change(self, session: Session, url: str) -> str:
        """Keep the checked address: the sync agent uses it from its next step on."""
        session.require(Role.SUPERVISOR)
        before = self.central()
        keep_address(self.db, url)
        audit.info("central address changed from %s to %s by %s", before, url, session.staff.login)
        return url

    # -- the hall's devices ----------------------------------------------------------------

    def start_listing(self, session: Session, now: datetime) -> CentralCall[HallDevices]:
        """Every device the central has enrolled: kind, window, last contact, refusals."""
        return self._start(session, "list", "", now, "正在向中心读取设备列表 …")

    def start_revoke(
        self, session: Session, device_id: str, now: datetime
    ) -> CentralCall[HallDevices]:
        """Revoke a device (its token stops working at once); then the list again."""
        if not device_id:
            raise ValidationError("device", "请先在列表中选择要停用的设备")
        if device_id == self.device_id():
            raise NotAllowedError("不能停用正在使用的这台电脑：请在另一台电脑上操作")
        return self._start(session, "revoke", device_id, now, "正在停用设备 …")

    def _start(
        self, session: Session, action: str, target: str, now: datetime, what: str
    ) -> CentralCall[HallDevices]:
        session.require(Role.SUPERVISOR)
        if session.key is None:
            raise NotAllowedError(
                f"中心没有为{session.staff.name}登记签名密钥，不能管理设备："
                "请信息科在中心用 create-staff 为其重设密码后重新登录"
            )
        transport = transport_for(self.db, timeout=DEVICES_TIMEOUT_S)
        if transport is None:
            raise NotAllowedError("本机尚未登记到中心，没有设备列表可看")
        me = self.device_id()
        at = central_now_ms(self.db, to_ms(now))
        message = admin_message(me, session.staff.id, action, target, at)
        request = DeviceAdminRequest(
            staff_id=session.staff.id,
            action="revoke" if action == "revoke" else "list",
            target=target,
            at_ms=at,
            proof=session.key.sign(message),
        ).model_dump(mode="json")
        login = session.staff.login

        def ask() -> HallDevices:
            try:
                body = ask_devices(transport, request)  # SyncOffline: said as it is
            except SyncBlocked as exc:
                raise NotAllowedError(exc.reason or f"中心拒绝了请求（{exc.status}）") from None
            finally:
                transport.close()
            found = _devices(DeviceList.model_validate(body), me)
            if found.revoked:
                audit.info("device %s revoked at the central by %s", found.revoked, login)
            return found

        return CentralCall(what, ask)


def _devices(answer: DeviceList, me: str) -> HallDevices:
    rows: list[Any] = answer.devices
    return HallDevices(
        [
            HallDevice(
                d.device_id,
                d.name,
                d.kind,
                d.kind_label,
                d.window,
                d.revoked,
                _when(d.enrolled_at),
                None if d.last_seen is None else _when(d.last_seen),
                d.refused_ops,
                d.device_id == me,
            )
            for d in rows
        ],
        answer.revoked,
    )
