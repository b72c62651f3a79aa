from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError, ValidationError
from counter.model.giftpack import DEFAULT_CONTENTS, GiftPackLine
from counter.model.print_job import DocumentKind, JobStatus, PrintPayload
from counter.model.settings import Settings
from counter.services.print_service import PrintService
from counter.services.session import Session

PAYLOAD = PrintPayload("受理通知书 20261127-1A7-0042", b"%PDF-1.4 x", None)


@pytest.fixture
def service(db: Database) -> PrintService:
    return PrintService(
        db, Settings({"ticket_printer": "escpos-net:10.0.0.9", "document_printer": "qt:Office"})
    )


def test_each_kind_goes_to_the_printer_its_setting_names(
    service: PrintService, clerk: Session, now: datetime
) -> None:
    notice = service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "20261127-1A7-0042", now)
    ticket = service.submit("取号机1", DocumentKind.TICKET, PAYLOAD, "A017-1127", now)
    assert notice.target == "qt:Office"
    assert ticket.target == "escpos-net:10.0.0.9:9100"
    assert ticket.staff_name == "取号机1"
    assert notice.staff_name == "李娜" and notice.window == "3"


def test_empty_setting_means_the_pdf_folder(db: Database, clerk: Session, now: datetime) -> None:
    job = PrintService(db, Settings()).submit(clerk, DocumentKind.HANDOVER, PAYLOAD, "c", now)
    assert job.target == "pdf:"


def test_submitted_job_waits_with_its_bytes(
    service: PrintService, clerk: Session, now: datetime
) -> None:
    job = service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "20261127-1A7-0042", now)
    assert service.job(job.id).status is JobStatus.PENDING
    claimed = service.claim_next(now)
    assert claimed is not None
    assert claimed[1] == PAYLOAD
    assert claimed[0].attempts == 1


def test_printed_job_is_logged_in_the_outbox_for_the_case_history(
    service: PrintService, clerk: Session, now: datetime, db: Database
) -> None:
    service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "20261127-1A7-0042", now)
    claimed = service.claim_next(now)
    assert claimed is not None
    service.printed(claimed[0], now)
    rows = db.execute(
        "SELECT payload FROM outbox WHERE table_name = 'print_log' AND kind = 'event'"
    ).fetchall()
    assert len(rows) == 1
    assert '"reference": "20261127-1A7-0042"' in rows[0][0]
    assert '"staff_name": "李娜"' in rows[0][0]


def test_failed_attempt_keeps_the_job_pending_until_its_backoff(
    service: PrintService, clerk: Session, now: datetime
) -> None:
    job = service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "c", now)
    claimed = service.claim_next(now)
    assert claimed is not None
    service.not_printed(claimed[0], "小票打印机缺纸", now, permanent=False)
    waiting = service.job(job.id)
    assert waiting.status is JobStatus.PENDING
    assert waiting.last_error == "小票打印机缺纸"
    assert waiting.status_text == "等待重试（第 1 次失败）"
    assert service.claim_next(now + timedelta(seconds=4)) is None
    assert service.claim_next(now + timedelta(seconds=5)) is not None


def test_trouble_names_the_latest_error(
    service: PrintService, clerk: Session, now: datetime
) -> None:
    assert service.trouble() == ""
    service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "c", now)
    claimed = service.claim_next(now)
    assert claimed is not None
    service.not_printed(claimed[0], "连接小票打印机超时", now, permanent=False)
    assert service.trouble() == "打印异常（1 项待处理）：连接小票打印机超时"


def test_cancel_and_retry_only_open_jobs(
    service: PrintService, clerk: Session, now: datetime
) -> None:
    job = service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "c", now)
    assert service.cancel(clerk, job.id, now).status is JobStatus.CANCELLED
    with pytest.raises(NotAllowedError, match="已取消"):
        service.retry(clerk, job.id, now)


def test_reprint_makes_a_new_job_with_the_same_document(
    service: PrintService, clerk: Session, now: datetime
) -> None:
    first = service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "c", now)
    again = service.reprint(clerk, first.id, now + timedelta(minutes=1))
    assert again.id != first.id
    assert again.reprint_of == first.id
    assert service.job(again.id).reprint_of == first.id
    claimed = [service.claim_next(now + timedelta(minutes=2)) for _ in range(2)]
    assert [c[1] for c in claimed if c] == [PAYLOAD, PAYLOAD]


def test_recover_requeues_a_job_left_printing(
    service: PrintService, clerk: Session, now: datetime
) -> None:
    job = service.submit(clerk, DocumentKind.NOTICE, PAYLOAD, "c", now)
    service.claim_next(now)
    assert service.recover(now) == 1
    assert service.job(job.id).status is JobStatus.PENDING


def test_giftpack_contents_default_without_a_file(service: PrintService) -> None:
    assert service.giftpack_contents() == DEFAULT_CONTENTS


def test_giftpack_contents_from_the_halls_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "pack.toml"
    path.write_text('[[item]]\nname = "电子印章"\nquantity = 4\nunit = "枚"\n', encoding="utf-8")
    service = PrintService(db, Settings({"giftpack_file": str(path)}))
    assert service.giftpack_contents() == (GiftPackLine("电子印章", 4, "枚"),)


def test_missing_giftpack_file_names_the_setting(db: Database, tmp_path: Path) -> None:
    service = PrintService(db, Settings({"giftpack_file": str(tmp_path / "none.toml")}))
    with pytest.raises(ValidationError) as caught:
        service.giftpack_contents()
    assert caught.value.field == "giftpack_file"
    assert "无法读取大礼包清单文件" in caught.value.message
