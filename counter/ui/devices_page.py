"""The 设备 tab of the sync page: this PC with the central, and the hall's devices.

For the supervisor, without a terminal on the central's machine:

- 更改中心地址: the central moved (a new IP or port). The counter keeps its enrolment and
  the CA it pinned; the new address is kept only once the central there proves to be the
  same one. (The ``central_url`` setting only pre-fills the enrolment form.)
- 重新登记: a replaced PC, a store restored from a backup, a token the central revoked.
  The page shows this PC's device id, which ``counter-central enrol-code --device``
  needs to make a code for it.
- 全厅设备 (supervisor and admin): every device the central enrolled — kind, window,
  last contact, refused ops — and revoking one. The central answers only a supervisor
  or an admin by its own records, proven by her signature.

Every call to the central runs off the GUI thread, one at a time; the page says what it
waits for, and a refusal or an unreachable central is said where it was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QRunnable, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.staff import Role
from counter.services.devices_service import CentralCall, DevicesService, HallDevice, HallDevices
from counter.services.session import Session
from counter.services.sync_service import Enrolled, Enrolment, SyncService
from counter.ui import safety_net
from counter.ui.background import run_in_pool
from counter.ui.forms import FieldErrors, WrappedLabel
from counter.ui.record_model import RecordTableModel, record_table_view

#: The roles the central answers about the hall's devices.
ADMIN_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "从未"


def devices_model() -> RecordTableModel[HallDevice]:
    return RecordTableModel(
        [
            ("名称", lambda d: d.name + ("（本机）" if d.this_device else "")),
            ("类型", lambda d: d.kind_label),
            ("窗口", lambda d: d.window or "—"),
            ("状态", lambda d: "已停用" if d.revoked else "正常"),
            ("最近联系", lambda d: _stamp(d.last_seen)),
            ("被拒操作", lambda d: str(d.refused_ops)),
            ("登记时间", lambda d: _stamp(d.enrolled_at)),
            ("设备编号", lambda d: d.device_id),
        ],
        tooltips={7: lambda d: d.device_id},
    )


class DevicesPanel(QWidget):
    """The 设备 tab. ``central_changed`` carries the address the counter now syncs with
    (after an address change or a re-enrolment), so the agent syncs at once."""

    central_changed = Signal(str)

    def __init__(
        self,
        service: DevicesService,
        sync: SyncService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.sync = sync
        self.session = session
        self.clock = clock
        self._asking: tuple[QRunnable, Callable[[Any], None]] | None = None
        self.errors = FieldErrors()

        self.this_pc = WrappedLabel()
        self.this_pc.setObjectName("thisDevice")
        self.this_pc.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = WrappedLabel()
        self.status.setObjectName("devicesStatus")
        self.status.setStyleSheet("color: #555;")
        self.status.hide()

        self.address_box = self._build_address()
        self.reenrol_box = self._build_reenrol()
        self.hall_box = self._build_hall()
        top = QHBoxLayout()
        top.addWidget(self.address_box, 1)
        top.addWidget(self.reenrol_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.this_pc)
        layout.addWidget(self.status)
        layout.addWidget(self.errors.general)  # a refusal of either box, said above both
        layout.addLayout(top)
        layout.addWidget(self.hall_box, 1)
        self.hall_box.setVisible(session.staff.role in ADMIN_ROLES)
        self.refresh()

    # -- building ----------------------------------------------------------------------------

    def _build_address(self) -> QGroupBox:
        box = QGroupBox(self.tr("更改中心地址"))
        box.setObjectName("addressBox")
        note = WrappedLabel(
            self.tr(
                "中心换了 IP 地址或端口时在此填写新地址。本机的登记和核对过的中心证书不变；"
                "新地址须先连通并核验是本大厅的中心，才会保存。"
            )
        )
        self.new_url_edit = QLineEdit()
        self.new_url_edit.setObjectName("newCentralUrl")
        self.new_url_edit.setPlaceholderText("https://10.0.0.6:8443")
        self.new_url_edit.returnPressed.connect(self.on_address_change_requested)
        self.address_button = QPushButton(self.tr("连通核验并更改"))
        self.address_button.setObjectName("changeAddress")
        self.address_button.clicked.connect(self.on_address_change_requested)
        form = QFormLayout(box)
        form.addRow(note)
        self.errors.add_row(form, self.tr("新地址"), "new_url", self.new_url_edit)
        form.addRow(self.address_button)
        return box

    def _build_reenrol(self) -> QGroupBox:
        box = QGroupBox(self.tr("重新登记"))
        box.setObjectName("reenrolBox")
        self.reenrol_note = WrappedLabel()
        self.reenrol_note.setObjectName("reenrolNote")
        self.reenrol_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reenrol_url_edit = QLineEdit()
        self.reenrol_url_edit.setObjectName("reenrolUrl")
        self.reenrol_url_edit.setPlaceholderText("https://10.0.0.5:8443")
        self.reenrol_code_edit = QLineEdit()
        self.reenrol_code_edit.setObjectName("reenrolCode")
        self.reenrol_code_edit.setPlaceholderText(self.tr("中心为本机生成的一次性登记码"))
        self.reenrol_code_edit.returnPressed.connect(self.on_reenrol_requested)
        self.reenrol_button = QPushButton(self.tr("重新登记"))
        self.reenrol_button.setObjectName("reenrol")
        self.reenrol_button.clicked.connect(self.on_reenrol_requested)
        form = QFormLayout(box)
        form.addRow(self.reenrol_note)
        self.errors.add_row(form, self.tr("中心地址"), "central_url", self.reenrol_url_edit)
        self.errors.add_row(form, self.tr("登记码"), "code", self.reenrol_code_edit)
        form.addRow(self.reenrol_button)
        return box

    def _build_hall(self) -> QGroupBox:
        box = QGroupBox(self.tr("全厅设备（中心的记录）"))
        box.setObjectName("hallDevicesBox")
        self.model = devices_model()
        self.table = record_table_view(self.model, stretch=0)
        self.table.setObjectName("hallDevices")
        self.list_button = QPushButton(self.tr("读取设备列表"))
        self.list_button.setObjectName("listDevices")
        self.list_button.clicked.connect(self.on_list_requested)
        self.revoke_button = QPushButton(self.tr("停用所选设备"))
        self.revoke_button.setObjectName("revokeDevice")
        self.revoke_button.clicked.connect(self.on_revoke_requested)
        self.hall_message = WrappedLabel()
        self.hall_message.setObjectName("hallMessage")
        row = QHBoxLayout()
        row.addWidget(self.list_button)
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.hall_message)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        return box

    # -- state -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """What this PC is to the central; the boxes for an enrolled counter only (the
        enrolment form above the tabs is for one that is not)."""
        url = self.service.central()
        device = self.service.device_id()
        if url:
            self.this_pc.setText(
                self.tr("本机设备编号 {0}，已登记到中心 {1}。").format(device, url)
            )
        else:
            self.this_pc.setText(
                self.tr("本机设备编号 {0}，尚未登记到中心：请在上方登记。").format(device)
            )
        window = self.session.window or "N"
        self.reenrol_note.setText(
            self.tr(
                "换了电脑、从备份恢复数据、或本机被中心停用后：请在中心执行\n"
                "counter-central enrol-code --kind window --window {0} --device {1}\n"
                "把得到的登记码填在这里。本机原来的令牌随之作废。"
            ).format(window, device)
        )
        if not self.reenrol_url_edit.text():
            self.reenrol_url_edit.setText(url)
        for box in (self.address_box, self.reenrol_box, self.hall_box):
            box.setEnabled(bool(url))
        self.update_buttons()

    def update_buttons(self) -> None:
        idle = self._asking is None
        for button in (self.address_button, self.reenrol_button, self.list_button):
            button.setEnabled(idle)
        chosen = self.selected()
        self.revoke_button.setEnabled(
            idle and chosen is not None and not chosen.revoked and not chosen.this_device
        )

    def selected(self) -> HallDevice | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    # -- one call to the central at a time ---------------------------------------------------

    def _ask(self, call: CentralCall[Any], done: Callable[[Any], None]) -> None:
        def work() -> object:
            try:
                return call.ask()
            except CounterError as exc:
                return exc

        self.status.setText(call.what)
        self.status.show()
        self._asking = (run_in_pool(work, self._answered), done)
        self.update_buttons()

    def _answered(self, answer: object) -> None:
        assert self._asking is not None
        _task, done = self._asking
        self._asking = None
        self.status.clear()
        self.status.hide()
        done(answer)
        self.update_buttons()

    @property
    def busy(self) -> bool:
        return self._asking is not None

    # -- the central's address ---------------------------------------------------------------

    def on_address_change_requested(self) -> None:
        if self.busy:
            return
        try:
            call = self.service.start_address_change(self.session, self.new_url_edit.text())
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.errors.clear()
        self._ask(call, self._address_checked)

    def _address_checked(self, answer: object) -> None:
        if isinstance(answer, CounterError):
            self.errors.show(answer)
            return
        assert isinstance(answer, str)
        url = self.service.finish_address_change(self.session, answer)
        self.new_url_edit.clear()
        self.reenrol_url_edit.setText(url)
        self.hall_message.setText(self.tr("已改为新地址 {}，本机从现在起与它同步。").format(url))
        self.refresh()
        self.central_changed.emit(url)

    # -- re-enrolment ------------------------------------------------------------------------

    def on_reenrol_requested(self) -> None:
        if self.busy:
            return
        try:
            enrolment = self.sync.start_enrolment(
                self.session,
                self.reenrol_url_edit.text(),
                self.reenrol_code_edit.text(),
                self.tr("{} 号窗口").format(self.session.window) if self.session.window else "",
                self.clock(),
            )
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.errors.clear()
        self._ask(
            CentralCall(f"正在连接中心 {enrolment.url} …", enrolment.ask),
            self._reenrolled(enrolment),
        )

    def _reenrolled(self, enrolment: Enrolment) -> Callable[[object], None]:
        def done(answer: object) -> None:
            if isinstance(answer, CounterError):
                self.errors.show(answer)
                return
            assert isinstance(answer, Enrolled)
            url = self.sync.finish_enrolment(self.session, enrolment, answer).url
            self.reenrol_code_edit.clear()
            self.hall_message.setText(self.tr("已重新登记到中心 {}。").format(url))
            self.refresh()
            self.central_changed.emit(url)

        return done

    # -- the hall's devices ------------------------------------------------------------------

    def on_list_requested(self) -> None:
        if self.busy:
            return
        try:
            call = self.service.start_listing(self.session, self.clock())
        except CounterError as exc:
            self.hall_message.setText(safety_net.page_message(exc))
            return
        self._ask(call, self._listed)

    def confirm_revoke(self, device: HallDevice) -> bool:
        where = f"{device.window} 号窗口的" if device.window else ""
        answer = QMessageBox.question(
            self,
            self.tr("停用设备"),
            self.tr(
                "停用{0}{1}“{2}”？停用后它的令牌立即作废，不能再与中心同步；"
                "要再用须在中心为它生成登记码重新登记。"
            ).format(where, device.kind_label, device.name or device.device_id),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def on_revoke_requested(self) -> None:
        chosen = self.selected()
        if self.busy:
            return
        if chosen is None:
            self.hall_message.setText(self.tr("请先在列表中选择要停用的设备"))
            return
        if not self.confirm_revoke(chosen):
            return
        try:
            call = self.service.start_revoke(self.session, chosen.device_id, self.clock())
        except CounterError as exc:
            self.hall_message.setText(safety_net.page_message(exc))
            return
        self._ask(call, self._listed)

    def _listed(self, answer: object) -> None:
        if isinstance(answer, CounterError):
            self.hall_message.setText(safety_net.page_message(answer))
            return
        assert isinstance(answer, HallDevices)
        self.model.set_records(answer.devices)
        self.table.resizeColumnsToContents()
        if answer.revoked:
            name = next((d.name for d in answer.devices if d.device_id == answer.revoked), "")
            self.hall_message.setText(
                self.tr("已停用设备 {}，它的令牌已作废。").format(name or answer.revoked)
            )
        else:
            self.hall_message.setText(
                self.tr("中心共登记 %n 台设备（读取于 {}）。", "", len(answer.devices)).format(
                    self.clock().strftime("%H:%M")
                )
            )
