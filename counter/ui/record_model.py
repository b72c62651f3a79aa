"""Qt table models over frozen records: the one adapter every page's table uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from counter.model.catalog import Bundle, ChecklistLine, Item
from counter.model.catalog_search import CatalogEntry

T = TypeVar("T")
RecordRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


def days_text(days: float) -> str:
    return f"{days:g} 个工作日"


class RecordTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table of frozen records; each column is a header and a text function.

    The record itself is returned under :data:`RecordRole`, so views never re-query.
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, Callable[[T], str]]],
        parent: Any = None,
        *,
        tooltips: dict[int, Callable[[T], str]] | None = None,
    ):
        super().__init__(parent)
        self._columns = list(columns)
        self._tooltips = tooltips or {}
        self._records: list[T] = []

    def set_records(self, records: Sequence[T]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> T:
        return self._records[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[index.column()][1](record)
        if role == Qt.ItemDataRole.ToolTipRole:
            # The full text of a cell the view had to elide, or a longer explanation.
            tip = self._tooltips.get(index.column(), self._columns[index.column()][1])
            return tip(record)
        if role == RecordRole:
            return record
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section][0]
        return None


def record_table_view(model: QAbstractTableModel, *, stretch: int | None = None) -> QTableView:
    """A read-only, row-selecting table as every page shows records; ``stretch`` column fills."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setWordWrap(True)
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def catalog_results_model(department_name: Callable[[str], str]) -> RecordTableModel[CatalogEntry]:
    def kind(entry: CatalogEntry) -> str:
        if isinstance(entry.target, Bundle):
            return "一件事"
        return "事项" if entry.target.active else "事项（已取消）"

    def department(entry: CatalogEntry) -> str:
        target = entry.target
        if isinstance(target, Item):
            return department_name(target.department)
        return f"{len(target.item_codes)} 个事项联办"

    return RecordTableModel(
        [
            ("类型", kind),
            ("编码", lambda e: e.code),
            ("名称", lambda e: e.name),
            ("部门", department),
            ("承诺时限", lambda e: days_text(e.target.promised_days)),
        ]
    )


def checklist_model(item_name: Callable[[str], str]) -> RecordTableModel[ChecklistLine]:
    def need(line: ChecklistLine) -> str:
        return "必需" if line.required else "视情况"

    def need_tip(line: ChecklistLine) -> str:
        if line.required:
            return "必需提交"
        return f"视情况提交：{line.condition}" if line.condition else "视情况提交"

    def exempt(line: ChecklistLine) -> str:
        return f"免提交（{line.material.shared_source}）" if line.exempt else "需提交"

    return RecordTableModel(
        [
            ("材料", lambda line: line.material.name),
            ("提交", exempt),
            ("形式", lambda line: line.form.value),
            ("份数", lambda line: str(line.copies)),
            ("要求", need),
            ("容缺", lambda line: "可容缺" if line.rongque else ""),
            ("涉及事项", lambda line: f"{len(line.asked_by)} 项" if len(line.asked_by) > 1 else ""),
        ],
        tooltips={
            4: need_tip,
            6: lambda line: "\n".join(item_name(c) for c in line.asked_by),
        },
    )
