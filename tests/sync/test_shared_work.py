"""What flows between counters through a real central process: cases across windows,
the catalog, queue categories and hall settings published centrally."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sync_support import ITEM, Central, client_for, seeded_counter, services, take_case

from counter.assets import demo_catalog_text
from counter.model.cases import Action, CaseState, Delivery
from counter.model.settings import Settings
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.queue_service import LocalQueue
from counter.services.session import sign_in
from counter.store import catalog_store, hall_settings


def central_cli(central: Central, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "counter.central.cli", args[0], "--db", central.db_url, *args[1:]],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_a_case_taken_at_window_3_is_continued_and_handed_over_at_window_5(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    a = seeded_counter(seeded_template, tmp_path / "a.db", central, window="3")
    b = seeded_counter(seeded_template, tmp_path / "b.db", central, window="5")
    number = take_case(a, "3", now)
    client_for(a, central).step()
    client_for(b, central).step()

    _, cases_b = services(b)
    found = cases_b.by_number(number)
    assert found is not None and found.window == "3"
    later = now + timedelta(hours=2)
    clerk_b = sign_in(b, "lina", DEMO_PASSWORD, "5", later)
    cases_b.act(clerk_b, found.id, Action.START, later)
    cases_b.act(clerk_b, found.id, Action.APPROVE, later)
    cases_b.act(clerk_b, found.id, Action.DELIVER, later, delivery=Delivery.PICKUP,
                recipient_name="张三", recipient_id="11010519491231002X")  # fmt: skip
    client_for(b, central).step()
    client_for(a, central).step()

    _, cases_a = services(a)
    back = cases_a.get(found.id)
    assert back.state is CaseState.DELIVERED
    windows = [e.window for e in cases_a.detail(found.id, later).events]
    assert windows[0] == "3" and windows[-1] == "5"
    assert cases_a.detail(found.id, later).handed_to == "张三（身份证号 110105********002X）"


def test_an_item_retired_centrally_retires_on_the_counter_but_old_cases_keep_it(
    central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    a = seeded_counter(seeded_template, tmp_path / "a.db", central, window="3")
    number = take_case(a, "3", now)
    version = catalog_store.current_version(a)
    text = demo_catalog_text()
    blocks = text.split("\n[[")
    kept = [b for b in blocks if not (b.startswith("items]]") and f'code = "{ITEM}"' in b)]
    new_text = "\n[[".join(kept).replace(str(version), f"{version}-r1", 1)
    source = tmp_path / "catalog.toml"
    source.write_text(new_text, encoding="utf-8")
    central_cli(central, "publish-catalog", str(source))
    client_for(a, central).step()

    assert a.execute("SELECT status FROM items WHERE code = ?", [ITEM]).fetchone() == ("retired",)
    _, cases_a = services(a)
    old = cases_a.by_number(number)
    assert old is not None
    assert (old.item_code, old.catalog_version) == (ITEM, version)


def test_categories_published_centrally_appear_in_the_kiosk(
    central: Central, tmp_path: Path, seeded_template: Path
) -> None:
    a = seeded_counter(seeded_template, tmp_path / "a.db", central)
    central_cli(central, "publish-category", "--code", "G", "--name", "出入境", "--windows", "9,10")
    central_cli(central, "publish-category", "--code", "E", "--name", "公安户政", "--inactive")
    client_for(a, central).step()

    kiosk = {c.code: c for c in LocalQueue(a).categories()}
    assert kiosk["G"].name == "出入境" and kiosk["G"].windows == ("9", "10")
    assert "E" not in kiosk


def test_hall_settings_published_centrally_override_the_station_file(
    central: Central, tmp_path: Path, seeded_template: Path
) -> None:
    a = seeded_counter(seeded_template, tmp_path / "a.db", central)
    central_cli(central, "publish-settings", "hall_name=示范市政务服务中心", "queue_interleave=2")
    client_for(a, central).step()

    effective = hall_settings.effective(a, Settings({"hall_name": "本机名称"}))
    assert effective["hall_name"] == "示范市政务服务中心"
    assert effective["queue_interleave"] == 2


def test_a_station_setting_cannot_be_published_as_a_hall_setting(
    central: Central, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "counter.central.cli",
            "publish-settings",
            "--db",
            central.db_url,
            "ticket_printer=tcp://1.2.3.4:9100",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "各窗口自己的设置" in done.stderr
