"""What a queue ticket slip says, as plain data for the printers (PDF and ESC/POS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter.model.queue import APPOINTMENT_REASON

#: The line above the slip's QR.
QUEUE_VIEW_CAPTION = "扫码查看排队进度"


@dataclass(frozen=True)
class TicketSlip:
    hall_name: str
    ticket_id: str  # short, unique: the Code128 on the slip (fits 58 mm)
    number: str  # e.g. "A017"
    category: str  # e.g. "企业开办"
    issued_at: datetime
    waiting_ahead: int
    priority_reason: str = ""  # 绿色通道: 老年人 / 残疾人 / 军人; 预约 for a booking
    #: The ticket's queue view on the central (扫码看排队, counter.model.queue_view):
    #: printed as a QR with :attr:`qr_caption` above it; "" prints no QR (a ticket
    #: issued offline or by a standalone counter has no page to show).
    qr_url: str = ""
    qr_caption: str = QUEUE_VIEW_CAPTION
    footer: str = "请留意叫号屏和语音提示，过号请到导服台重新取号"

    @property
    def lane_line(self) -> str:
        """The slip's lane line: ``预约`` for a booking checked in, ``绿色通道：老年人``
        for a priority reason, nothing for the normal lane (issue 28: a booking is not
        绿色通道)."""
        if not self.priority_reason:
            return ""
        if self.priority_reason == APPOINTMENT_REASON:
            return APPOINTMENT_REASON
        return f"绿色通道：{self.priority_reason}"
