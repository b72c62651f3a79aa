"""A closed case nobody changes for a season has its events and materials packed
(issue 32): whatever reads a case reads the same before and after, whatever writes to
it unpacks it first, and a pack that does not read back is a fault, never an empty case."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlite_utils import Database

from counter.model.cases import Action, Delivery
from counter.model.clock import Hlc, to_ms
from counter.model.errors import StorageError
from counter.model.intake import Decision, MaterialStatus, check_applicant
from counter.model.settings import Settings
from counter.model.statistics import Dimension, Period
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.intake_service import IntakeRequest, IntakeService
from counter.services.ratings_service import RatingsService
from counter.services.session import Session
from counter.services.statistics_service import StatisticsService
from counter.store import case_packs, cases_store
from counter.store.db import immediate
from counter.sync.client import SyncClient
from counter.sync.history import rows_of
from counter.sync.protocol import Change
from tests.services.test_cases_service import take, take_rongque
from tests.services.test_intake_service import HENGYANG_ID, all_received, person

Services = tuple[IntakeService, CasesService]


def closed(services: Services, clerk: Session, now: datetime, deliver: bool = True) -> str:
    """A case taken in and decided (and handed over unless not ``deliver``)."""
    _, cases = services
    case = take(services, clerk, now).case
    cases.act(clerk, case.id, Action.START, now)
    cases.act(clerk, case.id, Action.APPROVE, now)
    if deliver:
        cases.act(clerk, case.id, Action.DELIVER, now, delivery=Delivery.PICKUP,
                  recipient_name="李四", recipient_id="11010519491231002X")  # fmt: skip
    return case.id


def closed_rongque(services: Services, supervisor: Session, now: datetime) -> str:
    """Approved on the supervisor's exception with its 容缺 promise still open: the
    statistics count the promise's lapse."""
    _, cases = services
    case = take_rongque(services, supervisor, now).case
    cases.act(supervisor, case.id, Action.START, now)
    cases.act(supervisor, case.id, Action.APPROVE, now, reason="企业急需，值班长登记例外")
    return case.id


def held(db: Database, case_id: str) -> tuple[int, int]:
    """(events, materials) rows the tables hold for the case."""
    return (
        db.execute("SELECT count(*) FROM case_events WHERE case_id = ?", [case_id]).fetchone()[0],
        db.execute("SELECT count(*) FROM case_materials WHERE case_id = ?", [case_id]).fetchone()[
            0
        ],
    )


def pack_all(db: Database, now: datetime) -> int:
    return case_packs.pack(db, now + timedelta(days=1), now, at_most=None)


def statistics(db: Database, now: datetime) -> Any:
    calendar = CalendarService(db, Settings().working_hours)
    service = StatisticsService(db, calendar, RatingsService(db, calendar, Settings()))
    return service.compute(Period.month(now.date()), Dimension.HALL, now + timedelta(days=10))


def test_a_closed_case_reads_the_same_once_packed(
    db: Database, services: Services, clerk: Session, supervisor: Session, now: datetime
) -> None:
    _, cases = services
    ids = [closed(services, clerk, now), closed_rongque(services, supervisor, now)]
    later = now + timedelta(days=10)
    before = [cases.detail(i, later) for i in ids]
    report = statistics(db, now)
    assert report.total.finished == 2
    assert pack_all(db, now) == 2
    assert [held(db, i) for i in ids] == [(0, 0), (0, 0)]
    assert [cases.detail(i, later) for i in ids] == before
    assert statistics(db, now) == report  # finished, on time, the lapsed promise


def test_an_open_case_or_one_changed_lately_stays_in_the_tables(
    db: Database, services: Services, clerk: Session, now: datetime
) -> None:
    open_case = take(services, clerk, now).case.id
    recent = closed(services, clerk, now)
    assert case_packs.pack(db, now, now, at_most=None) == 0  # changed at `now`, not before
    assert pack_all(db, now) == 1
    assert held(db, open_case) != (0, 0)
    assert held(db, recent) == (0, 0)


def test_acting_on_a_packed_case_unpacks_it_first(
    db: Database, services: Services, clerk: Session, now: datetime
) -> None:
    _, cases = services
    case_id = closed(services, clerk, now, deliver=False)  # 办结（准予）, to be handed over
    before = cases_store.events(db, case_id)
    pack_all(db, now)
    later = now + timedelta(days=100)
    cases.act(clerk, case_id, Action.DELIVER, later, delivery=Delivery.PICKUP,
              recipient_name="李四", recipient_id="11010519491231002X")  # fmt: skip
    assert not case_packs.is_packed(db, case_id)
    events = cases_store.events(db, case_id)
    assert events[:-1] == before and events[-1].action is Action.DELIVER
    assert held(db, case_id) == (len(before) + 1, len(cases_store.materials(db, case_id)))


def test_writing_a_packed_cases_materials_unpacks_it_first(
    db: Database, services: Services, clerk: Session, supervisor: Session, now: datetime
) -> None:
    """No window action writes a closed case's checklist today, but the store keeps a
    case packed whole or not at all whatever writes it."""
    case_id = closed_rongque(services, supervisor, now)
    pack_all(db, now)
    materials = cases_store.materials(db, case_id)
    kept = replace(materials[0], status=MaterialStatus.ORIGINAL)
    with immediate(db):
        cases_store.save_materials(db, case_id, [kept], now + timedelta(days=100))
    assert not case_packs.is_packed(db, case_id)
    assert cases_store.materials(db, case_id) == [kept, *materials[1:]]


def test_a_change_pulled_for_a_packed_case_unpacks_it_first(
    db: Database, services: Services, clerk: Session, now: datetime
) -> None:
    """Another window's change to an old case reaches a counter that packed it."""
    case_id = closed(services, clerk, now)
    material = cases_store.materials(db, case_id)[0]
    row = next(
        p for _, p in rows_of(db, "case_materials") if p["material_id"] == material.material_id
    )
    pack_all(db, now)
    db.execute("DELETE FROM outbox")  # pushed: a pulled row is held back only for our own op
    pulled = Change(
        cursor=1,
        table_name="case_materials",
        row_id=f"{case_id}/{material.material_id}",
        kind="upsert",
        payload={**row, "status": MaterialStatus.EXEMPT.value},
        hlc=Hlc(to_ms(now + timedelta(days=100))).encode(),
        origin="other-device",
    )
    client = SyncClient(db, None, clock=lambda: now)  # type: ignore[arg-type]
    with immediate(db):
        assert client._apply_run([pulled], now) == 1
    assert not case_packs.is_packed(db, case_id)
    mine = cases_store.materials(db, case_id)
    assert [m.material_id for m in mine].count(material.material_id) == 1
    assert next(m for m in mine if m.material_id == material.material_id).status is (
        MaterialStatus.EXEMPT
    )


def test_the_history_import_carries_a_packed_cases_rows(
    db: Database, services: Services, clerk: Session, now: datetime
) -> None:
    """A standalone counter enrolled later sends every row once, packed or not."""
    closed(services, clerk, now)
    take(services, clerk, now)  # open: stays rows
    before = {t: sorted(rows_of(db, t)) for t in case_packs.TABLES}
    assert pack_all(db, now) == 1
    assert {t: sorted(rows_of(db, t)) for t in case_packs.TABLES} == before


def test_a_persons_confirmed_id_is_remembered_from_a_packed_case(
    db: Database, services: Services, clerk: Session, now: datetime
) -> None:
    intake, cases = services
    states = all_received(intake, "SCJG-0002")
    _, _, warnings = check_applicant(person(), now.date())
    override = intake.confirm_override(clerk, warnings, "zhangwei", DEMO_PASSWORD)
    request = IntakeRequest("SCJG-0002", person(), states, Decision.ACCEPT, override=override)
    case = intake.decide(clerk, request, now).case
    cases.act(clerk, case.id, Action.TERMINATE, now, reason="申请人撤回")
    remembered = intake.verification(HENGYANG_ID)
    assert remembered is not None
    assert pack_all(db, now) == 1
    assert intake.verification(HENGYANG_ID) == remembered


def test_a_damaged_pack_is_a_storage_fault_not_an_empty_case(
    db: Database, services: Services, clerk: Session, now: datetime
) -> None:
    case_id = closed(services, clerk, now)
    pack_all(db, now)
    db.execute("UPDATE case_packs SET packed = x'00'")
    with pytest.raises(StorageError) as caught:
        cases_store.events(db, case_id)
    assert caught.value.kind == "corrupt"
