"""The gift-pack handover page: any window, any 企业开办 case.

Scan or type the case number and Enter; the pack's lines show what is at the window.
Space ticks a line, F6 marks it arrived at the window, F7 back to 待制作; the recipient
(the applicant, or an agent with a 代办委托) and their ID; Ctrl+Enter hands over the
ticked lines and prints the form for signature. What is left is handed over later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.model.cases import Delivery
from counter.model.errors import CounterError
from counter.model.giftpack import MailingSlip, Recipient
from counter.model.giftpack_handover import LineReadiness, PackLine, RecipientKind
from counter.model.identity import mask_id
from counter.model.print_job import DocumentKind, PrintPayload
from counter.printing import payloads
from counter.services.giftpack_service import GiftPackService, HandoverResult, PackView
from counter.services.session import Session
from counter.ui.forms import ERROR_STYLE, FieldErrors
from counter.ui.record_model import RecordTableModel, record_table_view

Printer = Callable[[Session, DocumentKind, PrintPayload, str], str]


class GiftPackPage(QWidget):
    title = "大礼包领取"

    def __init__(
        self,
        service: GiftPackService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        print_document: Printer | None = None,
        mask: bool = True,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session
        self.clock = clock
        self.print_document = print_document
        self.mask_ids = mask
        self.pack: PackView | None = None
        self.ticked: set[str] = set()

        self.number = QLineEdit()
        self.number.setObjectName("packNumber")
        self.number.setPlaceholderText(self.tr("扫描或输入办件编号，回车"))
        self.number.returnPressed.connect(self.open_pack)
        self.info = QLabel(self.tr("请扫描办件编号"))
        self.info.setObjectName("packInfo")
        self.info.setWordWrap(True)

        self.model: RecordTableModel[PackLine] = RecordTableModel(
            [
                ("交付", lambda line: "☑" if line.id in self.ticked else "☐"),
                ("物品", lambda line: line.name),
                ("数量", lambda line: f"{line.quantity} {line.unit}"),
                ("状态", lambda line: line.readiness.value),
            ]
        )
        self.table = record_table_view(self.model, stretch=1)
        self.table.setObjectName("packLines")
        self.table.installEventFilter(self)
        keys = QLabel(self.tr("键：空格 勾选/取消  F6 已到窗口  F7 待制作"))
        keys.setStyleSheet("color: #555;")

        self.errors = FieldErrors()
        self.errors.labels["lines"] = QLabel()
        self.errors.labels["lines"].setStyleSheet(ERROR_STYLE)
        self.errors.labels["lines"].setWordWrap(True)
        self.errors.labels["lines"].hide()
        self.errors.widgets["lines"] = self.table
        self.method = QComboBox()
        self.method.setObjectName("packMethod")
        self.method.addItems([d.value for d in Delivery])
        self.kind = QComboBox()
        self.kind.setObjectName("recipientKind")
        self.kind.addItems([k.value for k in RecipientKind])
        self.recipient_name = QLineEdit()
        self.recipient_name.setObjectName("recipientName")
        self.recipient_id = QLineEdit()
        self.recipient_id.setObjectName("recipientId")
        self.address = QLineEdit()
        self.address.setObjectName("packAddress")
        self.waybill = QLineEdit()
        self.waybill.setObjectName("packWaybill")
        form = QFormLayout()
        form.addRow(self.tr("交付方式"), self.method)
        form.addRow(self.tr("领取人身份"), self.kind)
        self.errors.add_row(form, self.tr("领取人姓名"), "recipient_name", self.recipient_name)
        self.errors.add_row(form, self.tr("领取人身份证号"), "recipient_id", self.recipient_id)
        self.errors.add_row(form, self.tr("邮寄地址"), "address", self.address)
        self.errors.add_row(form, self.tr("运单号"), "waybill", self.waybill)
        self.method.currentIndexChanged.connect(self.on_method_changed)

        self.hand_button = QPushButton(self.tr("交付并打印确认单 (Ctrl+Enter)"))
        self.hand_button.setObjectName("handOver")
        self.hand_button.clicked.connect(self.hand_over)
        self.voucher_button = QPushButton(self.tr("打印免费刻章凭证 (F8)"))
        self.voucher_button.setObjectName("sealVoucher")
        self.voucher_button.clicked.connect(self.print_voucher)
        self.outcome = QLabel()
        self.outcome.setObjectName("packOutcome")
        self.outcome.setStyleSheet("color: #0b6e4f; font-weight: bold;")
        self.outcome.setWordWrap(True)
        self.history = QLabel()
        self.history.setObjectName("packHistory")
        self.history.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("办件编号(F2)：")))
        top.addWidget(self.number, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hand_button)
        buttons.addWidget(self.voucher_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.table, 1)
        layout.addWidget(keys)
        layout.addWidget(self.errors.labels["lines"])
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.outcome)
        layout.addWidget(self.history)
        for key, slot in (
            ("F2", self.focus_number),
            ("Ctrl+Return", self.hand_over),
            ("Ctrl+Enter", self.hand_over),
            ("F6", lambda: self.mark_current(LineReadiness.AT_WINDOW)),
            ("F7", lambda: self.mark_current(LineReadiness.PENDING)),
            ("F8", self.print_voucher),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # while shown
            shortcut.activated.connect(slot)
        self.on_method_changed()

    # --- finding the pack -------------------------------------------------------------

    def focus_number(self) -> None:
        self.number.setFocus()
        self.number.selectAll()

    def open_pack(self) -> None:
        try:
            pack = self.service.open_pack(self.session, self.number.text(), self.clock())
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.errors.clear()
        self.outcome.clear()
        self.ticked = set()
        self.show_pack(pack)
        self.table.setFocus()
        if self.model.rowCount():
            self.table.selectRow(0)

    def show_pack(self, pack: PackView) -> None:
        self.pack = pack
        case = pack.case
        ready = len(pack.ready)
        pending = sum(1 for x in pack.lines if x.readiness is LineReadiness.PENDING)
        handed = sum(1 for x in pack.lines if x.readiness is LineReadiness.HANDED)
        self.info.setText(
            f"<b>{case.number}</b> {case.applicant_name}（{case.state.value}）<br>"
            f"已到窗口 {ready} 项，待制作 {pending} 项，已领取 {handed} 项"
            + (f"；刻章凭证 {pack.voucher_number}" if pack.voucher_number else "")
            + (
                f"；{pack.delivery_method} {pack.delivery_address} {pack.waybill}".rstrip()
                if pack.delivery_method
                else ""
            )
        )
        row = max(self.current_row(), 0)
        self.model.set_records(pack.lines)
        if self.model.rowCount():
            self.table.selectRow(min(row, self.model.rowCount() - 1))
        self.history.setText(
            "\n".join(
                f"{h.at:%Y-%m-%d %H:%M} {h.window} 号窗口 {h.staff_name}："
                f"{'、'.join(h.names)} → "
                + (
                    f"{h.recipient_name}（{h.recipient_kind}，{self._id(h.recipient_id)}）"
                    if h.method is Delivery.PICKUP
                    else f"邮寄 {h.waybill}"
                )
                for h in pack.handovers
            )
        )

    def _id(self, number: str) -> str:
        return mask_id(number) if self.mask_ids else number

    def current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    # --- the lines --------------------------------------------------------------------

    def toggle_current(self) -> None:
        row = self.current_row()
        if row < 0:
            return
        line = self.model.record(row)
        if line.id in self.ticked:
            self.ticked.discard(line.id)
        else:
            self.ticked.add(line.id)
        self.model.set_records([self.model.record(n) for n in range(self.model.rowCount())])
        self.table.selectRow(row)

    def mark_current(self, readiness: LineReadiness) -> None:
        row = self.current_row()
        if self.pack is None or row < 0:
            return
        line = self.model.record(row)
        try:
            pack = self.service.set_readiness(
                self.session, self.pack.case, line.id, readiness, self.clock()
            )
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.errors.clear()
        self.show_pack(pack)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Space:
                self.toggle_current()
                return True
        return super().eventFilter(watched, event)

    def on_method_changed(self) -> None:
        post = self.method.currentText() == Delivery.POST.value
        for post_field in (self.address, self.waybill):
            post_field.setEnabled(post)
        for pickup_field in (self.kind, self.recipient_name, self.recipient_id):
            pickup_field.setEnabled(not post)

    # --- handing over -----------------------------------------------------------------

    def hand_over(self) -> None:
        if self.pack is None:
            self.focus_number()
            return
        order = [x.id for x in self.pack.lines if x.id in self.ticked]
        try:
            result = self.service.hand_over(
                self.session,
                self.pack.case,
                order,
                self.clock(),
                recipient_kind=RecipientKind(self.kind.currentText()),
                name=self.recipient_name.text(),
                id_number=self.recipient_id.text(),
                method=Delivery(self.method.currentText()),
                address=self.address.text(),
                waybill=self.waybill.text(),
            )
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.errors.clear()
        self.ticked = set()
        self.show_pack(result.view)
        message = self.tr("已交付 {} 项").format(len(result.record.line_ids))
        if not result.view.complete:
            message += self.tr("，其余物品可在任一窗口续领")
        if self.print_document is not None:
            payload = payloads.handover(result.form)
            printed = self.print_document(
                self.session, DocumentKind.HANDOVER, payload, result.form.case_number
            )
            message += f"；{printed}"
            if result.record.method is Delivery.POST:
                message += "；" + self.print_mailing_slip(result)
        self.outcome.setText(message)

    def print_mailing_slip(self, result: HandoverResult) -> str:
        """邮寄单 for the courier: the enterprise at the address the clerk typed."""
        assert self.print_document is not None
        case = result.view.case
        slip = MailingSlip(
            hall_name=result.form.hall_name,
            case_number=case.number,
            recipient=Recipient(case.applicant_name, "", case.applicant_phone),
            address=result.record.address,
            issued_at=result.record.at,
            clerk=self.session.staff.name,
            contents=result.record.names,
            waybill=result.record.waybill,
        )
        payload = payloads.mailing_slip(slip)
        return self.print_document(self.session, DocumentKind.MAILING_SLIP, payload, case.number)

    def print_voucher(self) -> None:
        if self.pack is None:
            self.focus_number()
            return
        try:
            voucher = self.service.issue_voucher(self.session, self.pack.case, self.clock())
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.show_pack(self.service.view(self.pack.case))
        message = self.tr("刻章凭证 {}").format(voucher.voucher_number)
        if self.print_document is not None:
            payload = payloads.seal_voucher(voucher)
            message += "；" + self.print_document(
                self.session, DocumentKind.SEAL_VOUCHER, payload, voucher.case_number
            )
        self.outcome.setText(message)
