"""What a queue ticket slip says, as plain data for the printers (PDF and ESC/POS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TicketSlip:
    hall_name: str
    ticket_id: str  # short, unique: the Code128 on the slip (fits 58 mm)
    number: str  # e.g. "A017"
    category: str  # e.g. "企业开办"
    issued_at: datetime
    waiting_ahead: int
    priority_reason: str = ""  # 绿色通道: 老年人 / 残疾人 / 军人 / 预约
    qr_url: str = ""  # optional, e.g. a link to check the queue or rate the service
    footer: str = "请留意叫号屏和语音提示，过号请到导服台重新取号"
