from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.credit_service import CreditListService
from counter.services.session import sign_in
from counter.ui.credit_list_page import CreditListPage


def make_page(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], login: str = "zhangwei"
) -> CreditListPage:
    session = sign_in(db, login, DEMO_PASSWORD, "1", clock())
    page = CreditListPage(CreditListService(db), session, clock)
    qtbot.addWidget(page)
    page.resize(1366 - 220, 700)
    page.show()
    return page


def add(page: CreditListPage, id_number: str, name: str, reason: str | None = None) -> None:
    """Type a party into the form and press 加入."""
    page.id_number.setText(id_number)
    page.name.setText(name)
    if reason is not None:
        page.reason.setText(reason)
    page.add_button.click()


def test_the_supervisor_adds_and_removes_a_party(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    add(page, "91350100M000100Y43", "示范科技有限公司", "失信被执行人")
    assert page.model.rowCount() == 1
    assert "加入" in page.message.text()
    assert page.id_number.text() == ""
    page.table.selectRow(0)
    page.remove_button.click()
    assert page.model.rowCount() == 0


def test_a_bad_code_is_shown_under_its_field_and_nothing_is_added(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    add(page, "9135010", "某公司")
    assert page.errors.labels["id_number"].isVisible()
    assert page.model.rowCount() == 0
    assert page.id_number.text() == "9135010"  # what was typed stays to fix


def test_an_imported_file_fills_the_table(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock)
    page.import_text(
        "91350100M000100Y43,示范科技有限公司,严重失信主体\n"
        "110101199003071233,王五,失信被执行人（（2026）闽0102执123号）\n"
    )
    assert page.model.rowCount() == 2
    assert "已导入 2 条" in page.message.text()


def test_a_clerk_shown_the_page_is_refused_by_the_service(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime]
) -> None:
    page = make_page(qtbot, db, clock, login="lina")
    assert "值班长" in page.errors.general.text()
