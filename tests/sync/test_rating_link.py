"""扫码评价 end to end (issue 31, point 1): a window hands a case over and prints the
receipt; its QR code, read from the printed page, opens the central's rating page in a
real browser (Debian's chromium) on a 360 px phone; a 不满意 there comes back to the
counter on its next sync as a rating and one follow-up, as the pad's would — on both
engines, over loopback. And the race: the pad rating offline while the phone rates the
same service leaves one rating at the central and at the counter."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlite_utils import Database
from sync_support import Central, client_for, decide_case, seeded_counter, wall_clock

from counter.model.cases import Action, Delivery
from counter.model.followups import FollowUpKind
from counter.model.notice import Notice
from counter.model.ratings import Channel, Level, Scores, rating_id
from counter.model.settings import Settings
from counter.printing.notices import notice_pdf
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.calendar_service import CalendarService
from counter.services.cases_service import CasesService
from counter.services.catalog_service import CatalogService
from counter.services.intake_service import IntakeService
from counter.services.ratings_service import RatingsService
from counter.services.session import sign_in
from counter.store.db import open_store
from tests.printing.pdf_helpers import codes

PHONE = {"width": 360, "height": 740}


def station(db: Database, central: Central) -> tuple[Settings, CasesService, RatingsService]:
    """The window's services with its station setting 中心地址 naming the central."""
    settings = Settings().changed(central_url=central.url)
    calendar = CalendarService(db, settings.working_hours)
    intake = IntakeService(db, CatalogService(db), calendar, settings)
    cases = CasesService(db, intake, calendar, settings)
    return settings, cases, RatingsService(db, calendar, settings)


def hand_over(db: Database, central: Central, now: datetime) -> tuple[str, Notice]:
    """A case taken in, done and handed over at window 3; its id and the receipt."""
    _, cases, _ = station(db, central)
    case = decide_case(db, "3", now).case
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "3", now)
    cases.act(clerk, case.id, Action.START, now)
    cases.act(clerk, case.id, Action.APPROVE, now)
    notice = cases.act(
        clerk, case.id, Action.DELIVER, now,
        delivery=Delivery.POST, address="示范市人民路 100 号", waybill="SF1234567890",
    )  # fmt: skip
    assert notice is not None
    return case.id, notice


def test_the_receipts_qr_rates_the_service_and_the_counter_gets_rating_and_follow_up(
    central: Central, seeded_template: Path, tmp_path: Path, browser: object
) -> None:
    window = seeded_counter(seeded_template, tmp_path / "w3.db", central, window="3")
    now = wall_clock()
    case_id, receipt = hand_over(window, central, now)
    client_for(window, central).push()

    found = codes(notice_pdf(receipt))["QRCode"]
    [link] = [text for text in found if "/rate/" in text]
    assert link.startswith(f"{central.url}/rate/") and len(link.rsplit("/", 1)[1]) == 22

    phone = browser.new_page(viewport=PHONE, locale="zh-CN")  # type: ignore[attr-defined]
    phone.goto(link)
    shown = phone.inner_text("main")
    assert "3 号窗口" in shown and "示范科技有限公司" not in shown
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_label("不满意", exact=True).check()
    phone.get_by_label("意见建议（选填）").fill("材料退回了两次")
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_selector("[role=status], [role=alert]")
    assert "感谢您的评价：不满意" in phone.inner_text("main")
    phone.goto(link)  # the same QR again: rated once
    assert "已经评价过了" in phone.inner_text("[role=alert]")
    phone.close()

    client_for(window, central).pull()
    [(rated_id, channel, level, comment)] = window.execute(
        "SELECT id, channel, level, comment FROM ratings"
    ).fetchall()
    assert (rated_id, channel, level, comment) == (
        rating_id(f"case:{case_id}"), Channel.QR.value, int(Level.DISSATISFIED), "材料退回了两次"
    )  # fmt: skip
    [(kind, rating_of)] = window.execute("SELECT kind, rating_id FROM followups").fetchall()
    assert (kind, rating_of) == (FollowUpKind.BAD_REVIEW.value, rated_id)
    # The pad at that window no longer offers the service; the statistics count it once.
    _, _, ratings = station(window, central)
    assert ratings.next_for_window("3", now + timedelta(minutes=1)) is None


def test_the_pad_offline_and_the_phone_rating_one_service_leave_one_rating(
    central: Central, seeded_template: Path, tmp_path: Path
) -> None:
    """The phone rates through the central while the window is cut off; the pad at the
    window rates the same service meanwhile. Both end at the first the central got."""
    window = seeded_counter(seeded_template, tmp_path / "w3.db", central, window="3")
    now = wall_clock()
    case_id, receipt = hand_over(window, central, now)
    client_for(window, central).push()
    token = receipt.rating_url.rsplit("/", 1)[1]

    with httpx.Client(base_url=central.url) as phone:
        form = phone.get(f"/rate/{token}")
        assert form.status_code == 200
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        answer = phone.post(f"/rate/{token}", data={"csrf": csrf, "level": "5"})
        assert answer.status_code == 200, answer.text

    # Offline, the pad rates the service 非常不满意 (it has not heard of the phone's):
    # another process on the window's store, with nobody signed in.
    pad = open_store(tmp_path / "w3.db")
    _, _, ratings = station(pad, central)
    offered = ratings.next_for_window("3", now + timedelta(minutes=1))
    assert offered is not None and offered.id == f"case:{case_id}"
    outcome = ratings.rate(
        offered.id, Scores(Level.VERY_DISSATISFIED), Channel.PAD, now + timedelta(minutes=2)
    )
    assert outcome.rating.id == rating_id(offered.id)

    sync = client_for(window, central)
    sync.push()  # the pad's rating: the central keeps the phone's, received first
    sync.pull()
    held = central.engine.query("SELECT payload FROM rows WHERE table_name = 'ratings'")
    assert len(held) == 1 and '"channel":"扫码"' in held[0][0]
    # Kept out silently: not a refusal for the supervisor's 数据同步 list.
    refused = "SELECT count(*) FROM ops WHERE state = 'refused' AND table_name = 'ratings'"
    why = central.engine.query("SELECT table_name, reason FROM ops WHERE state = 'refused'")
    assert central.engine.query(refused) == [(0,)], why
    assert window.execute("SELECT channel, level FROM ratings").fetchall() == [
        (Channel.QR.value, int(Level.VERY_SATISFIED))
    ]
    # The statistics read one rating for the service.
    assert window.execute(
        "SELECT count(*) FROM ratings WHERE request_id = ?", [offered.id]
    ).fetchone() == (1,)
