"""Every kind of document laid out again from its recipe reads the same as the one
printed (issue 32: the bytes are dropped after the retention period, reprints are
made again), and the recipe is a small fraction of the bytes it replaces."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pdf_helpers import text

from counter.model.giftpack import Handover, MailingSlip, SealVoucher
from counter.model.notice import Notice, NoticeKind
from counter.model.notice_text import Masking
from counter.model.print_job import PrintPayload
from counter.model.slips import TicketSlip
from counter.printing import payloads, recipes


def check_same(made: PrintPayload) -> PrintPayload:
    again = payloads.regenerate(made.source)
    assert again.title == made.title
    assert text(again.pdf) == text(made.pdf)
    assert again.escpos == made.escpos
    assert again.source == made.source
    assert len(made.source.encode()) * 5 < len(made.pdf)
    return again


def test_a_ticket_is_made_again_from_its_recipe(slip: TicketSlip) -> None:
    made = payloads.ticket(slip, 58)
    check_same(made)
    assert len(made.source.encode()) < 600


@pytest.mark.parametrize("kind", [NoticeKind.ACCEPTED, NoticeKind.HANDED_OVER, NoticeKind.PAUSED])
def test_a_notice_is_made_again_masked_as_it_was(
    notice_of: Callable[..., Notice], kind: NoticeKind
) -> None:
    notice = notice_of(kind)
    masked = check_same(payloads.notice(notice, 80, masking=Masking.on_paper()))
    full = check_same(payloads.notice(notice, 80, masking=Masking.unmasked()))
    assert notice.applicant.id_number not in text(masked.pdf).replace(" ", "")
    assert text(full.pdf) != text(masked.pdf)


def test_giftpack_papers_are_made_again(
    handover: Handover, voucher: SealVoucher, mailing: MailingSlip
) -> None:
    check_same(payloads.handover(handover))
    check_same(payloads.handover(handover, unmask=True))
    check_same(payloads.seal_voucher(voucher))
    check_same(payloads.mailing_slip(mailing))


@pytest.mark.parametrize(
    "source",
    [
        "not json",
        '{"v": 99, "document": "ticket"}',
        '{"v": 1, "document": "ticket"}',
        '{"v": 1, "document": "fax", "record": {}}',
    ],
)
def test_a_recipe_that_cannot_be_read_says_so_in_chinese(source: str) -> None:
    with pytest.raises(recipes.RecipeError, match="无法重新生成"):
        payloads.regenerate(source)
