"""办件进度查询 end to end (issue 31): a window takes a case in and syncs; the applicant,
on a 360 px phone in a real browser (Debian's chromium), follows it on the central's
page as the window moves it on — on both engines, over loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sync_support import Central, client_for, decide_case, seeded_counter, services, wall_clock

from counter.model.cases import Action
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.session import sign_in

PHONE = {"width": 360, "height": 740}


def test_the_applicant_follows_her_case_on_the_phone_as_the_window_moves_it_on(
    central: Central, seeded_template: Path, tmp_path: Path, browser: object
) -> None:
    window = seeded_counter(seeded_template, tmp_path / "w3.db", central, window="3")
    now = wall_clock()
    taken = decide_case(window, "3", now)
    client_for(window, central).push()

    phone = browser.new_page(viewport=PHONE, locale="zh-CN")  # type: ignore[attr-defined]
    phone.goto(f"{central.url}/progress")
    phone.get_by_label("办件编号").fill(taken.case.number.lower())
    phone.get_by_label("证件号码或手机号码后四位").fill("5678")
    phone.get_by_role("button", name="查询进度").click()
    phone.wait_for_selector("#case-title, [role=alert]")
    page = phone.inner_text("main")
    assert central.engine.query("SELECT count(*) FROM rows WHERE table_name = 'cases'") == [(1,)]
    assert taken.case.number in page and "已受理" in page
    assert "示范科技有限公司" not in page and "13812345678" not in page
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The window starts work on it; the next look shows the step.
    _, cases = services(window)
    clerk = sign_in(window, "lina", DEMO_PASSWORD, "3", now)
    cases.act(clerk, taken.case.id, Action.START, now + timedelta(minutes=5))
    client_for(window, central).push()
    phone.get_by_role("link", name="查询另一件").click()
    phone.get_by_label("办件编号").fill(taken.case.number)
    phone.get_by_label("证件号码或手机号码后四位").fill("5678")
    phone.get_by_role("button", name="查询进度").click()
    phone.wait_for_selector("#case-title")
    assert "开始办理" in phone.inner_text("ol.steps")
    assert "办理中" in phone.inner_text("main")

    # Someone else guessing digits gets the one not-found answer, beside the form.
    phone.goto(f"{central.url}/progress")
    phone.get_by_label("办件编号").fill(taken.case.number)
    phone.get_by_label("证件号码或手机号码后四位").fill("0000")
    phone.get_by_role("button", name="查询进度").click()
    assert "查询不到这件办件" in phone.inner_text("[role=alert]")
    phone.close()
