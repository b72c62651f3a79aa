from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from samples import CASE, PERSON_ID, PHONE, make_notice

from counter.model.giftpack import Handover, MailingSlip, Recipient, SealVoucher
from counter.model.slips import TicketSlip
from tests.printing import sample_documents


@pytest.fixture
def slip(now: datetime) -> TicketSlip:
    return replace(sample_documents.slip(), issued_at=now)


@pytest.fixture
def recipient() -> Recipient:
    return Recipient("王小明", PERSON_ID, PHONE)


@pytest.fixture
def handover(now: datetime, recipient: Recipient) -> Handover:
    return Handover(
        "示范市政务服务中心", CASE, "示范市青禾科技有限公司", "91330100MA2XXXXX1X",
        recipient, "李娜", "3", now,
    )  # fmt: skip


@pytest.fixture
def voucher(now: datetime) -> SealVoucher:
    return SealVoucher(
        "示范市政务服务中心", "KZ-20261127-0042", CASE, "示范市青禾科技有限公司",
        "91330100MA2XXXXX1X", "王小明", now, date(2026, 12, 27), "李娜",
        engraver="示范市备案刻章点",
    )  # fmt: skip


@pytest.fixture
def mailing(now: datetime, recipient: Recipient) -> MailingSlip:
    return MailingSlip(
        "示范市政务服务中心", CASE, recipient, "示范市西湖区文三路 100 号", now, "李娜",
        ("营业执照正本", "公章"), "310000",
    )  # fmt: skip


@pytest.fixture
def notice_of(now: datetime):  # type: ignore[no-untyped-def]
    """Build a sample notice of a kind: ``notice_of(NoticeKind.ACCEPTED, missing=40)``."""
    return lambda kind, **kw: make_notice(kind, now, **kw)
