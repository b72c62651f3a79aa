"""企业开办大礼包 at any window: readiness, delivery, the free seal voucher, handovers.

A clerk scans or types the case number, sees what is at the window, ticks what is
handed over and names who takes it (the applicant, or an agent whose 代办委托 covers
the case; name and ID number are checked together), once the case is 办结（准予）.
Each handover is one transaction with its outbox ops; the lines left behind
are handed over later, at this or any other window. :meth:`GiftPackService.figures`
gives the hall's figures (packs handed over, free seal sets, items posted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from counter.model.cases import Case, CaseState, Delivery, check_delivery
from counter.model.clock import iso, to_ms
from counter.model.errors import NotAllowedError, NotFoundError
from counter.model.giftpack import GiftPackLine, Handover, Recipient, SealVoucher
from counter.model.giftpack_handover import (
    STARTUP_BUNDLE,
    GiftPackFigures,
    HandoverRecord,
    LineReadiness,
    PackLine,
    RecipientKind,
    check_agent_collects,
    check_applicant_collects,
    check_case_approved,
    check_lines_to_hand,
    check_recipient,
    check_voucher_allowed,
    mark,
    pack_lines,
)
from counter.model.intake import ApplicantKind
from counter.model.settings import Settings
from counter.model.visits import find_cover
from counter.services import roles
from counter.services.session import Session
from counter.store import cases_store, giftpack_store, outbox, visits_store
from counter.store.db import immediate

GIFTPACK_ROLES = roles.WINDOW_STAFF
VOUCHER_VALID_DAYS = 90


@dataclass(frozen=True)
class PackView:
    """What the handover page shows for one case."""

    case: Case
    lines: tuple[PackLine, ...]
    delivery_method: str
    delivery_address: str
    waybill: str
    voucher_number: str
    handovers: tuple[HandoverRecord, ...]

    @property
    def ready(self) -> tuple[PackLine, ...]:
        return tuple(line for line in self.lines if line.readiness is LineReadiness.AT_WINDOW)

    @property
    def complete(self) -> bool:
        return all(line.readiness is LineReadiness.HANDED for line in self.lines)


@dataclass(frozen=True)
class HandoverResult:
    record: HandoverRecord
    form: Handover
    view: PackView


class GiftPackService:
    def __init__(self, db: Database, settings: Settings, contents: Sequence[GiftPackLine]) -> None:
        self.db = db
        self.settings = settings
        self.contents = tuple(contents)

    # --- reading --------------------------------------------------------------------

    def case_for(self, number: str) -> Case:
        """The 企业开办 case a scanned number names; a sub-case's number finds its parent."""
        case = cases_store.get_by_number(self.db, number.strip())
        if case is None:
            raise NotFoundError(f"没有找到办件编号 {number.strip()}")
        if case.parent_id:
            parent = cases_store.get_case(self.db, case.parent_id)
            if parent is not None:
                case = parent
        if case.bundle_code != STARTUP_BUNDLE:
            raise NotAllowedError(f"办件 {case.number}（{case.title}）不是企业开办，没有大礼包")
        return case

    def view(self, case: Case) -> PackView:
        row = giftpack_store.pack(self.db, case.id) or {}
        return PackView(
            case=case,
            lines=tuple(giftpack_store.lines(self.db, case.id)),
            delivery_method=row.get("delivery_method", ""),
            delivery_address=row.get("delivery_address", ""),
            waybill=row.get("waybill", ""),
            voucher_number=row.get("voucher_number", ""),
            handovers=tuple(giftpack_store.handovers(self.db, case.id)),
        )

    def figures(self, month: str) -> GiftPackFigures:
        """``month`` as ``YYYY-MM``: packs completed, handovers, free seal sets, items posted."""
        return GiftPackFigures(month=month, **giftpack_store.month_figures(self.db, month))

    # --- writing --------------------------------------------------------------------

    def open_pack(self, session: Session, number: str, now: datetime) -> PackView:
        """The case's pack, its lines made from this hall's list on first opening."""
        session.require(*GIFTPACK_ROLES)
        case = self.case_for(number)
        with immediate(self.db):
            if giftpack_store.pack(self.db, case.id) is None:
                giftpack_store.save_pack(
                    self.db, {"case_id": case.id, "case_number": case.number}, now
                )
            if not giftpack_store.lines(self.db, case.id):
                for line in pack_lines(case.id, self.contents):
                    giftpack_store.save_line(self.db, line, now)
        return self.view(case)

    def set_readiness(
        self, session: Session, case: Case, line_id: str, readiness: LineReadiness, now: datetime
    ) -> PackView:
        session.require(*GIFTPACK_ROLES)
        with immediate(self.db):
            found = [x for x in giftpack_store.lines(self.db, case.id) if x.id == line_id]
            if not found:
                raise NotFoundError("此办件的大礼包中没有这一项")
            giftpack_store.save_line(self.db, mark(found[0], readiness), now)
        return self.view(case)

    def issue_voucher(self, session: Session, case: Case, now: datetime) -> SealVoucher:
        """免费刻章凭证, once per case: reprinting gives the same number; refused once the
        pack's seals have been handed over."""
        session.require(*GIFTPACK_ROLES)
        with immediate(self.db):
            row = giftpack_store.pack(self.db, case.id)
            if row is None:
                raise NotFoundError("请先打开此办件的大礼包")
            check_voucher_allowed(
                giftpack_store.lines(self.db, case.id), giftpack_store.handovers(self.db, case.id)
            )
            if not row["voucher_number"]:
                row.update(voucher_number=f"KZ-{case.number}", voucher_issued_at=iso(now))
                giftpack_store.save_pack(self.db, row, now)
        legal_rep = ""
        applicant = cases_store.find_applicant(
            self.db, ApplicantKind(case.applicant_kind), case.applicant_id_number
        )
        if applicant is not None:
            legal_rep = applicant.legal_rep
        return SealVoucher(
            hall_name=self.settings["hall_name"],
            voucher_number=row["voucher_number"],
            case_number=case.number,
            enterprise_name=case.applicant_name,
            uscc=case.applicant_id_number,
            legal_rep=legal_rep,
            issued_at=now,
            valid_until=now.date() + timedelta(days=VOUCHER_VALID_DAYS),
            clerk=session.staff.name,
            contact=self.settings["hall_phone"],
        )

    def hand_over(
        self,
        session: Session,
        case: Case,
        line_ids: Sequence[str],
        now: datetime,
        *,
        recipient_kind: RecipientKind = RecipientKind.APPLICANT,
        name: str = "",
        id_number: str = "",
        method: Delivery = Delivery.PICKUP,
        address: str = "",
        waybill: str = "",
    ) -> HandoverResult:
        """Hand over the ticked lines of a case 办结（准予） to the applicant or an authorised
        agent (name and ID number together); anything wrong refuses the whole handover."""
        session.require(*GIFTPACK_ROLES)
        today: date = now.date()
        case = cases_store.get_case(self.db, case.id) or case  # its state as of now
        check_case_approved(
            case,
            any(e.to_state is CaseState.APPROVED for e in cases_store.events(self.db, case.id)),
        )
        auth_id = ""
        if method is Delivery.POST:
            address, waybill = check_delivery(method, address, waybill)
            who, id_checked = "", ""
        else:
            who, id_checked = check_recipient(name, id_number, today)
            auths = visits_store.authorisations(self.db, case.applicant_id_number)
            if recipient_kind is RecipientKind.AGENT:
                auth = find_cover(auths, id_checked, case.bundle_code or "", today)
                check_agent_collects(auth, who)
                auth_id = auth.id
            else:
                applicant = cases_store.find_applicant(
                    self.db, ApplicantKind(case.applicant_kind), case.applicant_id_number
                )
                others = [(a.agent_name, a.agent_id_number) for a in auths]
                if case.agent_id_number:
                    others.append((case.agent_name, case.agent_id_number))
                legal_rep = applicant.legal_rep if applicant is not None else ""
                check_applicant_collects(case, legal_rep, who, id_checked, others)
        with immediate(self.db):
            lines = giftpack_store.lines(self.db, case.id)
            picked = check_lines_to_hand(lines, line_ids)
            record = HandoverRecord(
                id=outbox.uuid7(to_ms(now)),
                case_id=case.id,
                case_number=case.number,
                line_ids=tuple(line.id for line in picked),
                names=tuple(line.name for line in picked),
                method=method,
                recipient_kind=recipient_kind.value if method is Delivery.PICKUP else "",
                recipient_name=who,
                recipient_id=id_checked,
                authorisation_id=auth_id,
                address=address,
                waybill=waybill,
                staff_id=session.staff.id,
                staff_name=session.staff.name,
                window=session.window,
                at=now,
            )
            giftpack_store.add_handover(self.db, record, now)
            for line in picked:
                handed = replace(line, readiness=LineReadiness.HANDED, handover_id=record.id)
                giftpack_store.save_line(self.db, handed, now)
            row = giftpack_store.pack(self.db, case.id) or {
                "case_id": case.id,
                "case_number": case.number,
            }
            row.update(delivery_method=method.value, delivery_address=address, waybill=waybill)
            if all(
                line.readiness is LineReadiness.HANDED or line.id in record.line_ids
                for line in lines
            ):
                row["completed_at"] = iso(now)
            giftpack_store.save_pack(self.db, row, now)
        form = Handover(
            hall_name=self.settings["hall_name"],
            case_number=case.number,
            enterprise_name=case.applicant_name,
            uscc=case.applicant_id_number,
            recipient=Recipient(who or f"邮寄：{address}", id_checked),
            clerk=session.staff.name,
            window=session.window,
            handed_at=now,
            lines=tuple(line.paper_line for line in picked),
            contact=self.settings["hall_phone"],
        )
        return HandoverResult(record, form, self.view(case))
