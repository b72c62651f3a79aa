"""What an action on a case needs from the clerk: a reason, a delivery (and who collects
it), or the new checklist."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter.model.cases import NEEDS_REASON, Action, Delivery
from counter.model.catalog import Checklist
from counter.model.errors import CounterError
from counter.model.intake import CaseMaterial
from counter.ui.checklist_editor import ChecklistEditor
from counter.ui.forms import FieldErrors


class CaseActionDialog(QDialog):
    """Collects the action's inputs and runs ``submit`` with them; errors stay in the dialog."""

    def __init__(
        self,
        action: Action,
        case_label: str,
        parent: QWidget | None = None,
        materials: tuple[CaseMaterial, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.action = action
        self.setWindowTitle(action.value)
        self.setMinimumWidth(520)
        self.errors = FieldErrors()
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.delivery = QComboBox()
        self.delivery.setObjectName("delivery")
        self.delivery.addItems([d.value for d in Delivery])
        self.address = QLineEdit()
        self.address.setObjectName("address")
        self.waybill = QLineEdit()
        self.waybill.setObjectName("waybill")
        self.recipient_name = QLineEdit()
        self.recipient_name.setObjectName("recipientName")
        self.recipient_id = QLineEdit()
        self.recipient_id.setObjectName("recipientId")
        self.recipient_id.setPlaceholderText(self.tr("领取人本人的居民身份证号码"))
        self.checklist = ChecklistEditor()
        form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(case_label))
        if action in NEEDS_REASON or action is Action.APPROVE:
            self.errors.add_row(form, self.tr("原因/说明"), "reason", self.reason)
        if action is Action.DELIVER:
            self.errors.add_row(form, self.tr("出件方式"), "delivery", self.delivery)
            self.errors.add_row(form, self.tr("领取人姓名"), "recipient_name", self.recipient_name)
            self.errors.add_row(form, self.tr("领取人身份证号"), "recipient_id", self.recipient_id)
            self.errors.add_row(form, self.tr("收件地址"), "address", self.address)
            self.errors.add_row(form, self.tr("运单号"), "waybill", self.waybill)
            self.delivery.currentIndexChanged.connect(self._toggle_post)
            self._toggle_post()
        layout.addLayout(form)
        if action is Action.SUPPLEMENT_ARRIVED:
            self.checklist.set_checklist(
                Checklist(tuple(m.line for m in materials)), tuple(m.state for m in materials)
            )
            self.errors.labels["checklist"] = self.checklist.error
            self.errors.widgets["checklist"] = self.checklist.table
            layout.addWidget(
                QLabel(self.tr("按补正后的材料逐项标记（1 原件 2 复印件 A 其余全部原件）"))
            )
            layout.addWidget(self.checklist, 1)
            self.resize(760, 520)
        layout.addWidget(self.errors.general)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def delivery_method(self) -> Delivery:
        return list(Delivery)[self.delivery.currentIndex()]

    def _toggle_post(self) -> None:
        post = self.delivery_method() is Delivery.POST
        self.address.setEnabled(post)
        self.waybill.setEnabled(post)
        self.recipient_name.setEnabled(not post)
        self.recipient_id.setEnabled(not post)

    def show_error(self, exc: CounterError) -> None:
        self.errors.show(exc)
