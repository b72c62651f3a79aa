"""Render every screen offscreen on a 1366×768 screen, with a demo morning at the hall,
into docs/screens/*.png, and list them in docs/screens/README.md.

    .venv/bin/python scripts/screens.py [--out docs/screens] [--width 1366 --height 768]

The store is a fresh demo store (counter.services.bootstrap) in a temporary folder, with
the morning of tests/demo_day.py made through the services: tickets waiting and called,
two cases, a bad rating and its follow-up, a visit's draft, notices in the print queue.
The clock stands at Friday 27 November 2026, 10:00, so the pictures do not change from
one run to the next unless the screens do. The supervisor sees every page.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TASKBAR = 40  # a Windows taskbar at 100 %: windows open above it, stations cover it


def offscreen_screen(width: int, height: int, folder: Path) -> None:
    """Qt's offscreen platform with one screen of this size (its configfile option)."""
    config = folder / "offscreen.json"
    screen = {"name": "screen", "x": 0, "y": 0, "width": width, "height": height,
              "logicalDpi": 96, "dpr": 1}  # fmt: skip
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["COUNTER_CONFIG"] = str(folder / "settings.toml")  # not the person's own


@dataclass(frozen=True)
class Shot:
    file: str
    what: str


def slug(page: object) -> str:
    """IntakePage → intake, PrintQueuePage → print-queue, QueuePanel → queue."""
    name = re.sub(r"(Page|Panel)$", "", type(page).__name__)
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screens")
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--height", type=int, default=768)
    args = parser.parse_args(argv)
    # One fixed folder, emptied first: its path shows in the status bar of every picture.
    work = Path(tempfile.gettempdir()) / "counter-screens"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    offscreen_screen(args.width, args.height, work)
    sys.path.insert(0, str(REPO))  # tests.demo_day

    from PySide6.QtCore import QEventLoop, QRect
    from PySide6.QtWidgets import QWidget

    from counter.model.clock import HALL_TZ
    from counter.model.queue import TicketState
    from counter.model.settings import Settings
    from counter.services.bootstrap import DB_FILE, open_counter_store
    from counter.services.calendar_service import CalendarService
    from counter.services.queue_service import LocalQueue
    from counter.services.ratings_service import RatingsService
    from counter.services.settings_service import SettingsService
    from counter.ui.application import build_main_window, make_application, settle
    from counter.ui.board import BoardWindow
    from counter.ui.catalog_page import CatalogPage
    from counter.ui.kiosk import KioskWindow
    from counter.ui.product import about_box
    from counter.ui.rating_pad import RatingPad
    from counter.ui.settings_dialog import SettingsDialog
    from counter.ui.sign_in import SignInDialog
    from counter.ui.statistics_page import StatisticsPage
    from tests.demo_day import a_morning

    now = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)

    def clock() -> datetime:
        return now

    app = make_application()
    db = open_counter_store(work, now)
    morning = a_morning(db, now)
    settings = SettingsService(work / "settings.toml")
    hall = settings.settings["hall_name"]
    whole = QRect(0, 0, args.width, args.height)
    area = whole.adjusted(0, 0, 0, -TASKBAR)
    args.out.mkdir(parents=True, exist_ok=True)
    shots: list[Shot] = []

    def save(widget: QWidget, file: str, what: str) -> None:
        app.processEvents()
        if not widget.grab().save(str(args.out / file)):
            raise SystemExit(f"could not write {args.out / file}")
        shots.append(Shot(file, what))
        print(f"{file}: {what}")

    # The supervisor's main window, every page in turn.
    window = build_main_window(db, morning.supervisor, settings, str(work / DB_FILE), clock)
    window.show_demo_mark(True)
    window.fit_to_screen(area)
    window.show()
    settle(app, window)
    for row, page in enumerate(window.pages):
        window.show_page(row)
        if isinstance(page, CatalogPage):
            page.search.setText("qykb")
        if isinstance(page, StatisticsPage):
            page.run_button.click()  # 统计 (F5): the month so far, on a pool thread
            while not page.run_button.isEnabled():
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        settle(app, window)
        title = getattr(page, "title", type(page).__name__)
        key = f"（Ctrl+{row + 1}）" if row < 9 else ""
        save(window, f"main-{row + 1:02d}-{slug(page)}.png", f"主窗口（值班长）：{title}{key}")

    dialog = SettingsDialog(settings, morning.supervisor, window)
    dialog.fit_to_screen(area)
    dialog.show()
    save(dialog, "settings-dialog.png", "设置对话框（文件 → 设置…），字段滚动，保存/取消始终可见")
    dialog.close()

    about = about_box(window)
    about.show()
    save(about, "about.png", "关于（帮助 → 关于…）：产品名称和版本")
    about.close()
    if window.sync_agent is not None:
        window.sync_agent.stop()
    window.hide()  # not closed: closing signs out, and asks first with a ticket in hand

    sign_in = SignInDialog(db, clock, hall_name=hall, window="1")
    sign_in.login.setText("lina")
    sign_in.show()
    save(sign_in, "sign-in.png", "登录对话框：工号、密码、窗口号")
    sign_in.close()

    # The stations, full screen. The rating pad offers window 1's service just finished.
    def station(make: Callable[[], QWidget], file: str, what: str) -> QWidget:
        widget = make()
        widget.setGeometry(whole)
        widget.show()
        save(widget, file, what)
        return widget

    queue = LocalQueue(db)
    kiosk = station(
        lambda: KioskWindow(queue, clock, hall_name=hall,
                            priority_reasons=queue.rules.priority_reasons),
        "kiosk.png", "取号机：按业务取号、绿色通道、预约签到",
    )  # fmt: skip
    assert isinstance(kiosk, KioskWindow)
    kiosk.on_issue("A")
    save(kiosk, "kiosk-ticket.png", "取号机：刚取出的号")
    kiosk.close()
    station(
        lambda: BoardWindow(queue, clock, hall_name=hall), "board.png", "叫号屏：最新叫号和等候人数"
    ).close()
    for ticket in queue.at_window("1", now):
        if ticket.state is TicketState.SERVING:
            queue.finish(morning.supervisor, ticket.id, ["设立登记"], now)
    rules = Settings()
    ratings = RatingsService(db, CalendarService(db, rules.working_hours), rules)
    later = now + timedelta(minutes=1)
    station(
        lambda: RatingPad(ratings, lambda: later, window="1", hall_name=hall),
        "rating-pad.png", "评价器：申请人为 1 号窗口刚办完的服务评价",
    ).close()  # fmt: skip

    write_readme(args.out, shots, args.width, args.height)
    db.close()
    return 0


def write_readme(folder: Path, shots: list[Shot], width: int, height: int) -> None:
    lines = [
        "# Screens",
        "",
        f"Every screen rendered offscreen on a {width}×{height} screen by "
        "`.venv/bin/python scripts/screens.py`, with a demo morning at the hall "
        "(`tests/demo_day.py`) on a fresh demo store, the clock at 2026-11-27 10:00. "
        f"Windows open above a {TASKBAR}-pixel taskbar and are shown without the title bar "
        "the system draws; the stations are full screen. Run the script again after "
        "changing a screen.",
        "",
        "| file | what it shows |",
        "|---|---|",
        *(f"| [{s.file}]({s.file}) | {s.what} |" for s in shots),
        "",
    ]
    (folder / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
