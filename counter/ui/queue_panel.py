"""The window's queue panel: call, recall, skip, hold, transfer, serve, finish — by F-keys.

The ticket in hand is shown large on top; the F-key of every action is printed on its
button. The waiting list and the day's figures refresh on a timer, because other
windows and the kiosk write the same queue from their own processes.

On the hall's queue that timer's reading is four requests to the central. Given a way
to open a queue of its own (``open_reader``), the panel reads on a pool thread, so a
central that stops answering never freezes the window the clerk is typing in; what
the clerk does (F1, F7 …) still goes straight to the queue, and its result is shown at
once from the central's answer, the rest re-read on the pool. A background reading
that began before the clerk's last action is dropped, so the screen never steps back.
When a reading finds the central unreachable it says so to the panel's own queue, so
the clerk's next F1 goes to the offline queue at once rather than waiting out the
timeout itself."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter.model.errors import CounterError
from counter.model.queue import ClerkState, QueueStats, Ticket, TicketState
from counter.services.queue_access import OpenReader
from counter.services.queue_service import Queue
from counter.services.session import Session
from counter.ui.background import SingleReading
from counter.ui.forms import FieldErrors
from counter.ui.polling import poll_while_shown
from counter.ui.record_model import RecordTableModel, record_table_view

if TYPE_CHECKING:  # the central's client comes with a central (httpx, its protocol)
    from counter.services.central_queue import CentralQueue

REFRESH_MS = 3000


@dataclass(frozen=True)
class PanelReading:
    """Everything the panel shows, read in one go."""

    hand: tuple[Ticket, ...]
    clerk: ClerkState
    waiting: tuple[Ticket, ...]
    stats: QueueStats
    #: Whether the hall's central answered; None for a counter's own queue.
    reachable: bool | None = None

    def after(self, ticket: Ticket, window: str) -> PanelReading:
        """This reading with the answer to the window's own action in it: the ticket
        enters, changes in or leaves the window's hand, and leaves the waiting list
        unless it waits still. Shown while the full re-read is on its way."""
        held = ticket.window == window and ticket.state in _AT_WINDOW
        hand = tuple(t for t in self.hand if t.id != ticket.id) + ((ticket,) if held else ())
        waiting = tuple(
            t for t in self.waiting if t.id != ticket.id or ticket.state is TicketState.WAITING
        )
        return replace(self, hand=hand, waiting=waiting)


_AT_WINDOW = (TicketState.CALLED, TicketState.SERVING, TicketState.HELD)


def _central(queue: object) -> CentralQueue | None:
    """The queue as the central's client, or None for this counter's own queue; asked
    without importing the client, so a counter that works alone never loads it."""
    module = sys.modules.get("counter.services.central_queue")
    if module is not None and isinstance(queue, module.CentralQueue):
        return cast("CentralQueue", queue)
    return None


def read_panel(queue: Queue, session: Session, served: set[str], now: datetime) -> PanelReading:
    """The window's tickets, its clerk's state, the tickets it may call (in calling
    order) and the day's figures."""
    hand = tuple(queue.at_window(session.window, now))
    clerk = queue.clerk_state(session, now)
    mine = tuple(
        t
        for t in queue.waiting(now)
        if t.target_window == session.window or (not t.target_window and t.category in served)
    )
    return PanelReading(
        hand=hand,
        clerk=clerk,
        waiting=mine,
        stats=queue.statistics(now),
        reachable=central.online if (central := _central(queue)) is not None else None,
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} 分钟"


def stats_text(stats: QueueStats, names: dict[str, str]) -> str:
    waiting = "，".join(f"{names.get(c, c)} {n}" for c, n in sorted(stats.waiting.items()))
    windows = "，".join(f"{w}号 {n}" for w, n in sorted(stats.per_window.items()))
    return (
        f"等候：{waiting or '无'}　｜　今日取号 {stats.issued}，过号 {stats.no_shows}　｜　"
        f"等候时长 平均 {_minutes(stats.avg_wait.total_seconds())}、"
        f"90% 不超过 {_minutes(stats.p90_wait.total_seconds())}　｜　"
        f"办理时长 平均 {_minutes(stats.avg_service.total_seconds())}、"
        f"90% 不超过 {_minutes(stats.p90_service.total_seconds())}　｜　"
        f"各窗口办结：{windows or '无'}"
    )


class QueuePanel(QWidget):
    """``current_changed`` carries the ticket in hand (or None): intake links the case it
    opens to that ticket through ``Queue.link_case``."""

    title = "叫号"
    current_changed = Signal(object)  # Ticket | None

    def __init__(
        self,
        queue: Queue,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        open_reader: OpenReader | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.session = session
        self.clock = clock
        self.open_reader = open_reader
        self.reading = SingleReading("queue panel: reading the queue", self)
        self._shown = 0  # counts readings shown, so an older background one is dropped
        self._last: PanelReading | None = None
        self.names = {c.code: c.name for c in queue.categories()}
        self.served = {c.code for c in queue.categories() if c.served_by(session.window)}
        self.current: Ticket | None = None
        self.errors = FieldErrors()

        self.number = QLabel(self.tr("—"))
        self.number.setObjectName("currentNumber")
        self.number.setStyleSheet("font-size: 44pt; font-weight: bold; color: #0b4f8a;")
        self.detail = QLabel()
        self.detail.setObjectName("currentDetail")
        self.detail.setStyleSheet("font-size: 14pt;")
        self.detail.setWordWrap(True)
        self.clerk = QLabel()
        self.clerk.setObjectName("clerkState")
        self.clerk.setStyleSheet("font-size: 12pt; color: #555;")
        self.message = QLabel()
        self.message.setObjectName("queueMessage")
        self.message.setStyleSheet("color: #0b6e4f;")
        self.message.setWordWrap(True)

        self.buttons: dict[str, QPushButton] = {}
        actions: list[tuple[str, str, str, Callable[[], None]]] = [
            ("call", "叫下一位", "F1", self.on_call_next),
            ("recall", "重呼", "F2", self.on_recall),
            ("skip", "过号", "F3", self.on_skip),
            ("hold", "挂起", "F4", self.on_hold),
            ("transfer", "转移", "F5", self.on_transfer),
            ("start", "开始办理", "F6", self.on_start),
            ("finish", "办结", "F7", self.on_finish),
            ("break", "暂停服务", "F8", self.on_break),
            ("specific", "叫指定号", "F9", self.on_call_specific),
            ("resume", "恢复挂起", "F10", self.on_resume),
            ("requeue", "过号重排", "F11", self.on_requeue),
        ]
        grid = QGridLayout()
        for i, (name, label, key, slot) in enumerate(actions):
            button = QPushButton(f"{self.tr(label)}  {key}")
            button.setObjectName(f"queue_{name}")
            button.setMinimumHeight(44)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            grid.addWidget(button, i // 6, i % 6)
            self.buttons[name] = button
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # while shown
            shortcut.activated.connect(slot)

        self.services = QLineEdit()
        self.services.setObjectName("servicesDelivered")
        self.services.setPlaceholderText(self.tr("本次实际办理的事项，多项用“、”分隔"))
        self.transfer_category = QComboBox()
        self.transfer_category.setObjectName("transferCategory")
        self.transfer_category.addItem(self.tr("（不改类别）"), "")
        for code, name in self.names.items():
            self.transfer_category.addItem(f"{code} {name}", code)
        self.transfer_window = QLineEdit()
        self.transfer_window.setObjectName("transferWindow")
        self.transfer_window.setPlaceholderText(self.tr("可留空；填窗口号则只由该窗口叫号"))
        self.ticket_number = QLineEdit()
        self.ticket_number.setObjectName("ticketNumber")
        self.ticket_number.setPlaceholderText(self.tr("如 A017：叫指定号（F9）或过号重排（F11）"))
        form = QFormLayout()
        self.errors.add_row(form, self.tr("实际办理事项："), "services", self.services)
        self.errors.add_row(
            form, self.tr("转到类别："), "transfer_category", self.transfer_category
        )
        self.errors.add_row(form, self.tr("转到窗口："), "transfer_window", self.transfer_window)
        self.errors.add_row(form, self.tr("票号："), "number", self.ticket_number)

        self.waiting_model: RecordTableModel[Ticket] = RecordTableModel(
            [
                (self.tr("票号"), lambda t: t.number),
                (self.tr("类别"), lambda t: self.names.get(t.category, t.category)),
                (self.tr("通道"), lambda t: t.lane_text),
                (self.tr("取号时间"), lambda t: f"{t.issued_at:%H:%M}"),
                (self.tr("指定窗口"), lambda t: t.target_window),
            ]
        )
        self.waiting_view = record_table_view(self.waiting_model, stretch=2)
        self.waiting_view.setObjectName("waitingList")
        self.held = QLabel()
        self.held.setObjectName("heldTickets")
        self.stats = QLabel()
        self.stats.setObjectName("queueStats")
        self.stats.setWordWrap(True)
        self.stats.setStyleSheet("color: #444;")

        head = QVBoxLayout()
        head.addWidget(self.number)
        head.addWidget(self.detail)
        head.addWidget(self.clerk)
        top = QHBoxLayout()
        top.addLayout(head, 1)
        top.addLayout(form, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addWidget(self.errors.general)
        layout.addWidget(self.message)
        self.waiting_title = QLabel()
        layout.addWidget(self.waiting_title)
        layout.addWidget(self.waiting_view, 1)
        layout.addWidget(self.held)
        layout.addWidget(self.stats)

        self.timer = poll_while_shown(self, REFRESH_MS, self.refresh_in_background)
        self.refresh_in_background()

    def focus_first(self) -> None:
        """Where the cursor is when the clerk lands here: the first field. The F-keys
        work from anywhere in the window while the panel is shown."""
        self.services.setFocus()

    # --- showing ------------------------------------------------------------------

    def refresh(self) -> None:
        """Read and show now, on this thread: after the clerk's own action."""
        self._show(read_panel(self.queue, self.session, self.served, self.clock()))

    def refresh_in_background(self, *, after_current: bool = False) -> None:
        """The timer's reading, on a pool thread when the panel can open a reader;
        ``after_current``: the one after the clerk's action, which is never skipped."""
        if self.open_reader is None:
            self.refresh()
            return
        open_reader, session, served = self.open_reader, self.session, self.served
        now, started = self.clock(), self._shown

        def read() -> object:
            with open_reader() as queue:
                return started, read_panel(queue, session, served, now)

        self.reading.start(read, self._background_read, after_current=after_current)

    def _background_read(self, result: Any) -> None:
        if result is None:
            return
        started, reading = result
        central = _central(self.queue)
        if reading.reachable is not None and central is not None:
            central.note_reachable(reading.reachable)
        if started == self._shown:
            self._show(reading)

    def _show(self, reading: PanelReading) -> None:
        self._shown += 1
        self._last = reading
        hand = reading.hand
        active = [t for t in hand if t.state in (TicketState.CALLED, TicketState.SERVING)]
        current = active[-1] if active else None
        if (current and current.id) != (self.current and self.current.id):
            self.current_changed.emit(current)
        self.current = current
        held = [t for t in hand if t.state is TicketState.HELD]
        self.held.setText(
            self.tr("挂起中：")
            + "、".join(t.number for t in held)
            + self.tr("（F10 恢复最早的一张）")
            if held
            else ""
        )
        t = self.current
        if t is None:
            self.number.setText(self.tr("—"))
            self.detail.setText(
                self.tr("{} 号窗口，当前没有办理中的号").format(self.session.window)
            )
        else:
            name = f"　{t.masked_name}" if t.masked_name else ""
            self.number.setText(t.number)
            self.detail.setText(
                f"{self.names.get(t.category, t.category)}　{t.lane_text}　"
                f"{t.state.label}　已呼 {t.call_count} 次{name}"
            )
        state = reading.clerk
        self.clerk.setText(
            self.tr("{}（{} 号窗口）：{}").format(
                self.session.staff.name, self.session.window, state.label
            )
        )
        self.buttons["break"].setText(
            self.tr("恢复服务  F8") if state is ClerkState.BREAK else self.tr("暂停服务  F8")
        )
        self.waiting_model.set_records(list(reading.waiting))
        self.waiting_title.setText(
            self.tr("本窗口可叫的等候号（按叫号顺序，绿色通道和预约在前）：{} 人").format(
                len(reading.waiting)
            )
        )
        self.stats.setText(stats_text(reading.stats, self.names))

    def _do(self, action: Callable[[], object], done: str = "") -> bool:
        """Run one service call; show its refusal at its field, else the confirmation."""
        self.errors.clear()
        self.message.clear()
        try:
            result = action()
        except CounterError as exc:
            self.errors.show(exc)
            self._after_action(None)
            return False
        self.message.setText(done)
        self._after_action(result)
        return True

    def _after_action(self, result: object) -> None:
        """Show what the clerk's action changed at once. On the hall's queue the full
        re-read (four requests) goes to the pool, and the action's own answer is shown
        meanwhile: the clerk waits for one round trip to the central, not five. A
        counter's own queue is read here and now, from its own disk."""
        last = self._last
        if self.open_reader is None or _central(self.queue) is None or last is None:
            self.refresh()
            return
        if isinstance(result, Ticket):
            last = last.after(result, self.session.window)
        # The clerk's own state is kept in this store even on the hall's queue.
        self._show(replace(last, clerk=self.queue.clerk_state(self.session, self.clock())))
        self.refresh_in_background(after_current=True)

    def _require_current(self) -> Ticket | None:
        if self.current is None:
            self.errors.clear()
            self.errors.general.setText(self.tr("当前没有叫到的号，请先按 F1 叫下一位"))
            self.errors.general.show()
        return self.current

    # --- actions ------------------------------------------------------------------

    def on_call_next(self) -> None:
        called: list[Ticket] = []

        def call() -> Ticket:
            called.append(self.queue.call_next(self.session, self.clock()))
            return called[0]

        if self._do(call):
            ticket = called[0]
            self.services.setText(self.names.get(ticket.category, ""))
            self.message.setText(self.tr("已叫 {} 号").format(ticket.number))

    def on_call_specific(self) -> None:
        number = self.ticket_number.text()
        if not number.strip():
            self.ticket_number.setFocus()
            self.errors.clear()
            self.errors.labels["number"].setText(self.tr("请输入要叫的票号，如 A017"))
            self.errors.labels["number"].show()
            return
        if self._do(
            lambda: self.queue.call_specific(
                self.session, number, self.clock(), reason=self.tr("窗口指定叫号")
            ),
            self.tr("已叫 {} 号（指定叫号，已记录）").format(number.strip().upper()),
        ):
            self.ticket_number.clear()

    def on_recall(self) -> None:
        if (t := self._require_current()) is not None:
            self._do(
                lambda: self.queue.recall(self.session, t.id, self.clock()),
                self.tr("已重呼 {} 号").format(t.number),
            )

    def on_skip(self) -> None:
        if (t := self._require_current()) is not None:
            self._do(
                lambda: self.queue.skip(self.session, t.id, self.clock()),
                self.tr("{} 号已过号；本人到场后可按 F11 重新排队").format(t.number),
            )

    def on_hold(self) -> None:
        if (t := self._require_current()) is not None:
            self._do(
                lambda: self.queue.hold(self.session, t.id, self.clock()),
                self.tr("{} 号已挂起，可以叫下一位").format(t.number),
            )

    def on_resume(self) -> None:
        """The earliest held ticket, as the panel shows them."""
        shown = self._last
        hand = shown.hand if shown else self.queue.at_window(self.session.window, self.clock())
        held = [t for t in hand if t.state is TicketState.HELD]
        if not held:
            self.errors.clear()
            self.errors.general.setText(self.tr("本窗口没有挂起的号"))
            self.errors.general.show()
            return
        self._do(
            lambda: self.queue.resume(self.session, held[0].id, self.clock()),
            self.tr("{} 号恢复办理").format(held[0].number),
        )

    def on_transfer(self) -> None:
        if (t := self._require_current()) is None:
            return
        category = str(self.transfer_category.currentData() or "")
        window = self.transfer_window.text()
        if self._do(
            lambda: self.queue.transfer(
                self.session, t.id, self.clock(), category=category, window=window
            ),
            self.tr("{} 号已转移，号码不变").format(t.number),
        ):
            self.transfer_window.clear()
            self.transfer_category.setCurrentIndex(0)

    def on_start(self) -> None:
        if (t := self._require_current()) is not None:
            self._do(
                lambda: self.queue.start(self.session, t.id, self.clock()),
                self.tr("开始办理 {} 号").format(t.number),
            )

    def on_finish(self) -> None:
        if (t := self._require_current()) is None:
            return
        services = [s for s in self.services.text().replace(",", "、").split("、")]
        if self._do(
            lambda: self.queue.finish(self.session, t.id, services, self.clock()),
            self.tr("{} 号已办结").format(t.number),
        ):
            self.services.clear()

    def on_break(self) -> None:
        state = self.queue.clerk_state(self.session, self.clock())
        target = ClerkState.IDLE if state is ClerkState.BREAK else ClerkState.BREAK
        self._do(
            lambda: self.queue.set_clerk_state(self.session, target, self.clock()),
            self.tr("暂停服务") if target is ClerkState.BREAK else self.tr("恢复服务"),
        )

    def on_requeue(self) -> None:
        number = self.ticket_number.text()
        if self._do(
            lambda: self.queue.requeue(number, self.clock()),
            self.tr("{} 号已重新排队").format(number.strip().upper()),
        ):
            self.ticket_number.clear()
