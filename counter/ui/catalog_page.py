"""The catalog browser: find any of the hall's items or bundles and see what it asks for."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelection, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from counter.model.catalog import Bundle, Item
from counter.model.catalog_search import CatalogEntry
from counter.services.catalog_service import CatalogService
from counter.ui.record_model import (
    catalog_results_model,
    checklist_model,
    days_text,
    record_table_view,
)


class CatalogPage(QWidget):
    """Search on top; results on the left; the chosen item's or bundle's checklist on the right."""

    title = "事项目录"

    def __init__(self, catalog: CatalogService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.search = QLineEdit()
        self.search.setObjectName("catalogSearch")
        self.search.setPlaceholderText(
            self.tr("输入事项名称、编码或拼音首字母（如 qykb 查企业开办）")
        )
        self.search.setClearButtonEnabled(True)
        self.show_retired = QCheckBox(self.tr("含已取消事项"))
        self.count = QLabel()

        self.results_model = catalog_results_model(catalog.department_name)
        self.results = record_table_view(self.results_model, stretch=2)
        self.results.setObjectName("catalogResults")

        self.detail_title = QLabel()
        self.detail_title.setObjectName("detailTitle")
        self.detail_title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.detail_title.setWordWrap(True)
        self.detail_info = QLabel()
        self.detail_info.setWordWrap(True)
        self.detail_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reduction = QLabel()
        self.reduction.setObjectName("reduction")
        self.reduction.setWordWrap(True)
        self.reduction.setStyleSheet("color: #0b6e4f; font-weight: bold;")
        self.checklist_model = checklist_model(self._item_name)
        self.checklist = record_table_view(self.checklist_model)
        self.checklist.setObjectName("checklist")
        ch = self.checklist.horizontalHeader()
        ch.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        ch.resizeSection(0, 230)
        ch.setStretchLastSection(True)
        self.checklist.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("查找：")))
        top.addWidget(self.search, 1)
        top.addWidget(self.show_retired)
        top.addWidget(self.count)

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(8, 0, 0, 0)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.detail_info)
        dl.addWidget(self.reduction)
        dl.addWidget(self.checklist, 1)

        split = QSplitter()
        split.addWidget(self.results)
        split.addWidget(detail)
        split.setSizes([470, 810])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.search.textChanged.connect(self.on_query_changed)
        self.show_retired.toggled.connect(self.on_query_changed)
        self.search.installEventFilter(self)
        self.results.selectionModel().selectionChanged.connect(self.on_selection_changed)
        self.on_query_changed()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down or Enter in the search box moves to the results, as clerks expect."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.results_model.rowCount() > 0:
                    self.results.setFocus()
                    if not self.results.selectionModel().hasSelection():
                        self.results.selectRow(0)
                return True
        return super().eventFilter(watched, event)

    def on_query_changed(self) -> None:
        entries = self.catalog.search(
            self.search.text(), include_retired=self.show_retired.isChecked()
        )
        self.results_model.set_records(entries)
        self.count.setText(self.tr("共 {} 项").format(len(entries)))
        if entries:
            self.results.selectRow(0)
        else:
            self.show_entry(None)

    def on_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.results.selectionModel().selectedRows()
        self.show_entry(self.results_model.record(rows[0].row()) if rows else None)

    def selected_entry(self) -> CatalogEntry | None:
        rows = self.results.selectionModel().selectedRows()
        return self.results_model.record(rows[0].row()) if rows else None

    def _item_name(self, code: str) -> str:
        return self.catalog.catalog.item(code).name

    def show_entry(self, entry: CatalogEntry | None) -> None:
        if entry is None:
            self.detail_title.setText(self.tr("没有找到符合的事项"))
            self.detail_info.setText("")
            self.reduction.setText("")
            self.checklist_model.set_records([])
            return
        target = entry.target
        checklist = self.catalog.checklist(target)
        self.checklist_model.set_records(checklist.lines)
        self.detail_title.setText(f"{target.name}（{target.code}）")
        if isinstance(target, Bundle):
            names = "、".join(self._item_name(c) for c in target.item_codes)
            stages = f"；分阶段：{' → '.join(target.stages)}" if target.stages else ""
            self.detail_info.setText(
                f"一件事一次办：{names}{stages}\n承诺时限 {days_text(target.promised_days)}，"
                f"收费 {target.fee:g} 元。{target.description}"
            )
        else:
            assert isinstance(target, Item)
            status = "" if target.active else "【已取消，仅供查阅历史办件】"
            self.detail_info.setText(
                f"{status}部门：{self.catalog.department_name(target.department)}；"
                f"权力来源：{target.source.value}；法定时限 {days_text(target.legal_days)}，"
                f"承诺时限 {days_text(target.promised_days)}；收费 {target.fee:g} 元"
            )
        exempt = len(checklist.exempt)
        self.reduction.setText(
            checklist.reduction_text() + (f"；其中共享数据免提交 {exempt} 项" if exempt else "")
        )
