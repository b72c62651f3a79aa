"""Every kind of printed document, built from the sample data, by name.

The line-breaking test reads each of them back and ``scripts/documents.py`` renders them
to PNG for docs/documents/: both look at the same papers. A hall's real 受理 has many
materials, some of them 免提交 (shared data), so the samples do too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from counter.model.clock import HALL_TZ
from counter.model.giftpack import Handover, MailingSlip, Recipient, SealVoucher
from counter.model.notice import Notice, NoticeKind, NoticeMaterial
from counter.model.slips import TicketSlip
from counter.model.visits import PrepareLine, PrepareList
from tests.printing.samples import CASE, PERSON_ID, PHONE, RARE_NAMES, RARE_PLACE, make_notice

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)
HALL = "示范市政务服务中心"

#: What a 食品经营许可 intake takes in: 16 materials handed over, 3 from shared data.
MATERIALS = (
    *(
        NoticeMaterial(name, form, copies, note)
        for name, form, copies, note in (
            ("食品经营许可申请书", "原件", 1, ""),
            ("营业执照复印件", "复印件", 1, "已核验原件"),
            ("法定代表人（负责人）身份证明复印件", "复印件", 1, "已核验原件"),
            ("与食品经营相适应的主要设备设施布局、操作流程等文件", "原件", 1, ""),
            ("食品安全管理制度目录", "原件", 1, ""),
            ("食品安全管理人员任命文件", "原件", 1, ""),
            ("食品安全管理人员培训合格证明", "复印件", 1, ""),
            ("从业人员健康证明", "复印件", 6, "6 人"),
            ("经营场所平面图", "原件", 1, "标明功能分区"),
            ("经营场所使用证明（房屋租赁合同）", "复印件", 1, "已核验原件"),
            ("食品贮存场所说明", "原件", 1, ""),
            ("经营项目和经营方式说明", "原件", 1, ""),
            ("委托书（委托代理人办理的）", "原件", 1, ""),
            ("代理人身份证明复印件", "复印件", 1, "已核验原件"),
            ("冷链设备清单", "原件", 1, ""),
            ("承诺书", "原件", 1, ""),
        )
    ),
    NoticeMaterial("法定代表人身份证", "免提交", 0, "共享数据免提交（公安人口库）"),
    NoticeMaterial("营业执照", "免提交", 0, "共享数据免提交（市场主体登记库）"),
    NoticeMaterial("不动产权证书", "免提交", 0, "共享数据免提交（不动产登记库）"),
)


def notice(kind: NoticeKind, *, rare: int | None = None) -> Notice:
    """The sample notice of ``kind``; a 受理 with the full list of materials, and with
    ``rare`` the names swapped for rare-character ones (they change where lines break)."""
    out = make_notice(kind, NOW)
    if kind in (NoticeKind.ACCEPTED, NoticeKind.COMPLETED, NoticeKind.HANDED_OVER):
        out = replace(out, received=MATERIALS)
    if kind is NoticeKind.HANDED_OVER:
        out = replace(out, recipient_name="李四", recipient_id_number=PERSON_ID)
        out = replace(out, rating_url=f"https://hall.example.cn/rate/{CASE}")
    if rare is not None:
        name = RARE_NAMES[rare % len(RARE_NAMES)]
        agent = RARE_NAMES[(rare + 1) % len(RARE_NAMES)]
        out = replace(out, applicant=replace(out.applicant, name=name, agent_name=agent))
        out = replace(out, hall_name=RARE_PLACE)
    return out


def slip() -> TicketSlip:
    return TicketSlip(
        hall_name=HALL,
        ticket_id="A017-1127",
        number="A017",
        category="企业开办",
        issued_at=NOW,
        waiting_ahead=5,
        priority_reason="老年人",
        qr_url="https://hall.example.cn/q/A017-1127",
    )


def prepare_list() -> PrepareList:
    return PrepareList(
        hall_name=HALL,
        enterprise_name="示范市青禾科技有限公司",
        uscc="91330100MA2XXXXX1X",
        target_name="企业开办（设立登记、公章刻制、发票申领、社保登记、公积金开户）",
        specialist="王强",
        made_at=NOW,
        ready=("公司登记（备案）申请书", "公司章程"),
        to_prepare=(
            PrepareLine("住所（经营场所）使用证明", "原件", 1, "租赁合同须附产权证明"),
            PrepareLine("股东、法定代表人身份证明", "复印件", 2, "须 2 份，核验原件"),
            PrepareLine("经办人身份证明及委托书", "原件", 1, ""),
        ),
        exempt=("法定代表人身份证", "营业执照"),
        contact="0571-12345678",
    )


def monthly_report() -> bytes:
    """September 2026 of a generated hall (benchmarks/hall_data.py), by department."""
    from benchmarks.hall_data import generate, write
    from counter.model.statistics import Dimension, Period
    from counter.printing.monthly_report import monthly_report_pdf
    from counter.services.bootstrap import prepare_store
    from counter.store.db import DB_FILE, open_store
    from tests.printing.test_monthly_report import statistics

    with tempfile.TemporaryDirectory() as folder:
        db = open_store(Path(folder) / DB_FILE)
        try:
            prepare_store(db, NOW)
            write(db, generate(date(2026, 8, 25), 42, tickets_per_day=30, intakes_per_day=12))
            report = statistics(db).compute(
                Period.month(date(2026, 9, 1)), Dimension.DEPARTMENT, NOW
            )
        finally:
            db.close()
    return monthly_report_pdf(report, HALL)


def every_document(*, rare: bool = False, report: bool = True) -> Iterator[tuple[str, bytes]]:
    """(file name, PDF) of every kind of document the hall prints."""
    from counter.printing.giftpack_papers import handover_pdf, mailing_slip_pdf, seal_voucher_pdf
    from counter.printing.notices import notice_pdf
    from counter.printing.prepare_list import prepare_list_pdf
    from counter.printing.tickets import ticket_pdf

    for n, kind in enumerate(NoticeKind):
        yield f"notice-{kind.name.lower()}", notice_pdf(notice(kind, rare=n if rare else None))
    recipient = Recipient("王小明", PERSON_ID, PHONE)
    yield "giftpack-handover", handover_pdf(
        Handover(HALL, CASE, "示范市青禾科技有限公司", "91330100MA2XXXXX1X", recipient,
                 "李娜", "3", NOW, contact="0571-12345678")
    )  # fmt: skip
    yield "giftpack-seal-voucher", seal_voucher_pdf(
        SealVoucher(HALL, "KZ-20261127-0042", CASE, "示范市青禾科技有限公司",
                    "91330100MA2XXXXX1X", "王小明", NOW, date(2026, 12, 27), "李娜",
                    engraver="示范市备案刻章点")
    )  # fmt: skip
    yield "giftpack-mailing-slip", mailing_slip_pdf(
        MailingSlip(HALL, CASE, recipient, "示范市西湖区文三路 100 号", NOW, "李娜",
                    ("营业执照正本", "营业执照副本", "公章", "发票"), "310000")
    )  # fmt: skip
    yield "prepare-list", prepare_list_pdf(prepare_list())
    yield "ticket-80mm", ticket_pdf(slip(), 80)
    yield "ticket-58mm", ticket_pdf(slip(), 58)
    if report:
        yield "monthly-report", monthly_report()
