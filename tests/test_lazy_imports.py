"""Start-up imports only what the first screen needs (issue 28): the heavy libraries
come with the page or the action that uses them.

Each start runs in a fresh interpreter, and the test counts modules in sys.modules,
never time: reportlab with the first print, pypinyin with the first catalog search,
pyqtgraph with the statistics page, httpx with the first sync to a central, and the
central's FastAPI never in the desktop. benchmarks/bench_startup.py measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: Never at start-up, in any station.
HEAVY = ["pyqtgraph", "escpos", "reportlab", "pypinyin", "httpx", "fastapi", "uvicorn", "openpyxl"]


def run_python(code: str, tmp_path: Path) -> dict[str, list[str]]:
    """Run ``code`` in a new interpreter on an empty data folder; it prints one JSON
    object: stage → the modules of interest loaded by then."""
    env = {
        **os.environ,
        "COUNTER_DATA_DIR": str(tmp_path / "data"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    prelude = textwrap.dedent(
        f"""
        import json, sys
        WATCHED = {[*HEAVY, "pydantic", "numpy"]!r}
        stages = {{}}
        def loaded(stage):
            stages[stage] = [m for m in WATCHED if m in sys.modules]
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code) + "\nprint(json.dumps(stages))"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_the_composition_root_imports_no_heavy_library(tmp_path: Path) -> None:
    stages = run_python(
        """
        import counter.app
        import counter.ui.application
        loaded("import")
        """,
        tmp_path,
    )
    assert not set(stages["import"]) & set(HEAVY), stages


def test_the_main_window_starts_without_them_and_each_comes_with_its_page(
    tmp_path: Path,
) -> None:
    stages = run_python(
        f"""
        from counter.app import main
        assert main(["--screenshot", {str(tmp_path / "window.png")!r}]) == 0
        loaded("painted")

        from pathlib import Path
        from PySide6.QtWidgets import QApplication
        from counter.app import system_clock
        from counter.services.bootstrap import DB_FILE, open_counter_store
        from counter.services.settings_service import SettingsService
        from counter.ui.application import build_main_window, demo_session
        from counter.ui.catalog_page import CatalogPage
        from counter.ui.statistics_page import StatisticsPage
        folder = Path({str(tmp_path / "data")!r})
        db = open_counter_store(folder, system_clock())
        session = demo_session(db, "1", system_clock())
        settings = SettingsService(folder / "settings.toml")
        window = build_main_window(db, session, settings, str(folder / DB_FILE), system_clock)
        window.show()
        QApplication.processEvents()
        loaded("built")

        window.show_page(next(n for n, p in enumerate(window.pages)
                              if isinstance(p, StatisticsPage)))
        QApplication.processEvents()
        loaded("statistics shown")

        catalog = next(p for p in window.pages if isinstance(p, CatalogPage))
        catalog.search.setText("qykb")
        loaded("catalog searched")

        from counter.model.slips import TicketSlip
        from counter.printing import payloads
        loaded("before printing")
        payloads.ticket(TicketSlip("示范", "t1", "A001", "企业开办", system_clock(), 0))
        loaded("printed")
        window.sync_agent.stop()
        """,
        tmp_path,
    )
    assert not set(stages["painted"]) & {*HEAVY, "numpy"}, stages
    assert not set(stages["built"]) & set(HEAVY), stages
    assert "pyqtgraph" in stages["statistics shown"]
    assert "pypinyin" not in stages["statistics shown"]
    assert "pypinyin" in stages["catalog searched"]
    assert "reportlab" not in stages["before printing"]
    assert "reportlab" in stages["printed"]
    assert not {"httpx", "fastapi", "uvicorn"} & set(stages["printed"])  # no central here


@pytest.mark.parametrize("station", ["--kiosk", "--board", "--rate"])
def test_stations_start_without_them_nor_the_centrals_client(tmp_path: Path, station: str) -> None:
    stages = run_python(
        f"""
        from counter.app import main
        assert main([{station!r}, "--screenshot", {str(tmp_path / "station.png")!r}]) == 0
        loaded("painted")
        """,
        tmp_path,
    )
    # A counter working alone: its queue is the store's own, so not even the wire
    # protocol's pydantic models are loaded (an enrolled one loads them to reach the
    # central); numpy stays out too (counter.ui.application.import_sqlite_utils_lean).
    assert stages["painted"] == [], stages


#: The sign-in dialog paints before the store opens: none of these by then (only the
#: station's settings file is read, through counter.services.station_file).
NOT_BEFORE_SIGN_IN = (
    "sqlite_utils",
    "argon2",
    "cryptography",
    "counter.services.bootstrap",
    "counter.services.session",
    "counter.services.settings_service",
    "counter.services.staff_service",
    "counter.store.db",
    "counter.store.outbox",
    "counter.ui.main_window",
    "counter.ui.queue_panel",
)


def test_the_sign_in_dialog_paints_before_the_store_and_the_window_load(tmp_path: Path) -> None:
    """The clerk's first window, on the real start-up path: what is loaded when the
    store starts opening, which is after the dialog is painted and saved."""
    stages = run_python(
        f"""
        import sys
        from counter.ui import application
        opening = application.open_desktop_store

        def open_desktop_store(*args, **kwargs):
            loaded("painted")
            stages["before the store"] = sorted(
                m for m in sys.modules if m.startswith({NOT_BEFORE_SIGN_IN!r})
            )
            return opening(*args, **kwargs)

        application.open_desktop_store = open_desktop_store
        from counter.app import main
        shot = {str(tmp_path / "sign-in.png")!r}
        assert main(["--sign-in", "--screenshot", shot]) == 0
        from pathlib import Path
        stages["saved"] = [str(Path(shot).exists())]
        """,
        tmp_path,
    )
    assert stages["saved"] == ["True"], stages
    assert stages["before the store"] == [], stages
    assert stages["painted"] == [], stages


#: A kiosk or a board paints from the store's queue without these: the sign-in's
#: password hashing and signing keys, the ID checks' stdnum, the official holiday table
#: (read only to seed a new store), the case and catalog models, and the kiosk's slip
#: printer with the print services (wired just after its first paint).
NOT_BEFORE_A_STATION = (
    "argon2",
    "cryptography",
    "stdnum",
    "chinese_calendar",
    "counter.model.cases",
    "counter.model.catalog",
    "counter.model.staff_key",
    "counter.services.cases_service",
    "counter.services.intake_service",
    "counter.services.print_service",
    "counter.services.print_spool",
    "counter.ui.notice_printing",
    "counter.ui.print_queue_page",
)


@pytest.mark.parametrize(
    ("station", "module", "window_class"),
    [("--kiosk", "kiosk", "KioskWindow"), ("--board", "board", "BoardWindow")],
)
def test_a_station_paints_before_what_it_does_not_show(
    tmp_path: Path, station: str, module: str, window_class: str
) -> None:
    """On the real start-up path, once the store exists (the first start seeds it, with
    argon2, the holiday table and the catalog), as every morning: the modules loaded are
    taken as the station's window is saved, which is its first paint."""
    for _start in ("new store", "existing store"):  # seeds, then opens
        stages = run_python(
            f"""
            import sys
            from counter.ui.{module} import {window_class} as Station

            grab = Station.grab
            shown = []

            def grabbed(self, *args):
                shown.append(self)
                stages["at paint"] = sorted(
                    m for m in {NOT_BEFORE_A_STATION!r} if m in sys.modules
                )
                return grab(self, *args)

            Station.grab = grabbed
            from counter.app import main
            assert main([{station!r}, "--screenshot", {str(tmp_path / "station.png")!r}]) == 0
            stages["printer"] = [type(getattr(shown[0], "printer", None)).__name__]
            """,
            tmp_path,
        )
        # The kiosk's slip printer is wired all the same, right after that paint.
        assert stages["printer"] == ["TicketPrinter" if module == "kiosk" else "NoneType"]
    assert stages["at paint"] == [], stages


#: A kiosk or a board paints before the store opens (as the sign-in dialog): none of
#: these by its first paint, whose frame says 请稍候… until its queue is there.
NOT_BEFORE_A_STATIONS_FIRST_PAINT = (
    "sqlite_utils",
    "counter.services.bootstrap",
    "counter.services.queue_access",
    "counter.services.queue_service",
    "counter.services.settings_service",
    "counter.store.db",
)


@pytest.mark.parametrize(
    ("station", "module", "window_class"),
    [("--kiosk", "kiosk", "KioskWindow"), ("--board", "board", "BoardWindow")],
)
def test_a_station_paints_before_the_store_opens(
    tmp_path: Path, station: str, module: str, window_class: str
) -> None:
    """On the real start-up path: what is loaded at the station window's first paint,
    that it came before the store started opening, and that the saved screenshot is
    taken once its queue is in (the buttons or the counts, not 请稍候…)."""
    stages = run_python(
        f"""
        import sys
        from counter.ui import application
        from counter.ui.{module} import {window_class} as Station

        paint = Station.paintEvent

        def painted(self, event):
            if "first paint" not in stages:
                stages["first paint"] = sorted(
                    m for m in sys.modules if m.startswith({NOT_BEFORE_A_STATIONS_FIRST_PAINT!r})
                )
            return paint(self, event)

        Station.paintEvent = painted
        opening = application.open_desktop_store

        def open_desktop_store(*args, **kwargs):
            stages["painted before the store"] = [str("first paint" in stages)]
            return opening(*args, **kwargs)

        application.open_desktop_store = open_desktop_store
        grab = Station.grab

        def grabbed(self, *args):
            stages["queue at the screenshot"] = [str(self.queue is not None)]
            return grab(self, *args)

        Station.grab = grabbed
        from counter.app import main
        assert main([{station!r}, "--screenshot", {str(tmp_path / "station.png")!r}]) == 0
        """,
        tmp_path,
    )
    assert stages["painted before the store"] == ["True"], stages
    assert stages["first paint"] == [], stages
    assert stages["queue at the screenshot"] == ["True"], stages
