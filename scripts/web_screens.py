"""Render the central's public pages in a real browser (Debian's chromium), on a 360 px
phone and a 1920 px wall, into docs/screens/web/*.png, and list them in its README.md.

    .venv/bin/python scripts/web_screens.py [--out docs/screens/web]

The central runs in this process on a fresh SQLite file, with one sample case of a
hall's morning published into it as a counter would sync it, and its clock stands at
Friday 4 December 2026, 10:00, so the pictures do not change from one run to the next
unless the pages do.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn

from counter.central.app import create_app
from counter.central.serving import open_engine
from counter.model.clock import HALL_TZ
from counter.model.staff import hash_password

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=HALL_TZ)
SIZES = {"phone": (360, 740), "wall": (1920, 1080)}
NUMBER = "SQ20261201-0003"
PASSWORD = "hall-pass-2026"


def seed(url: str) -> None:
    engine = open_engine(url)
    engine.publish("hall_settings", "hall_name", {"value": "示范市政务服务中心"}, 1)
    case = {
        "id": "c1", "number": NUMBER, "title": "食品经营许可（新办）", "state": "待补正",
        "applicant_name": "欧阳明月", "applicant_id_number": "11010119900307123X",
        "applicant_phone": "13812345678", "window": "3", "delivery_method": "当场领取",
        "promised_due": "2026-12-15T17:30:00+08:00",
    }  # fmt: skip
    engine.publish("cases", "c1", case, 1)
    for n, (action, at) in enumerate(
        [("登记预审", "2026-12-01T09:10:00+08:00"), ("一次性告知补正", "2026-12-01T09:20:00+08:00")]
    ):
        engine.publish("case_events", f"e{n}",
                       {"id": f"e{n}", "case_id": "c1", "action": action, "at": at}, 1)  # fmt: skip
    for n, (name, status) in enumerate(
        [("营业执照", "原件已收"), ("健康证明", "未提交"), ("食品安全管理制度", "未提交")]
    ):
        engine.publish("case_materials", f"c1|m{n}",
                       {"case_id": "c1", "material_id": f"m{n}", "position": n, "name": name,
                        "status": status, "required": 1}, 1)  # fmt: skip
    supervisor = {"id": "s-wang", "login": "wang", "name": "王值班", "role": "supervisor",
                  "password_hash": hash_password(PASSWORD), "active": 1}  # fmt: skip
    engine.publish("staff", "s-wang", supervisor, 1)
    engine.close()


def serve(url: str) -> tuple[str, uvicorn.Server]:
    engine = open_engine(url)
    app = create_app(engine, clock_ms=lambda: int(NOW.timestamp() * 1000))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/web_screens.py")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screens" / "web")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="counter-web-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'central.db'}"
        seed(url)
        base, server = serve(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})

                def shot(name: str, what: str, page: Any = page, size: str = size) -> None:
                    file = f"{name}-{size}.png"
                    page.screenshot(path=str(args.out / file), full_page=True)
                    made.append((file, what))

                page.goto(f"{base}/progress")
                shot("progress-form", f"办件进度查询：输入办件编号和后四位（{width} px）")
                page.get_by_label("办件编号").fill(NUMBER)
                page.get_by_label("证件号码或手机号码后四位").fill("5678")
                page.get_by_role("button", name="查询进度").click()
                page.wait_for_selector("#case-title")
                shot("progress-case", f"查询结果：状态、经过、期限、一次性告知（{width} px）")
                page.goto(f"{base}/progress")
                page.get_by_label("办件编号").fill(NUMBER)
                page.get_by_label("证件号码或手机号码后四位").fill("12")
                page.get_by_role("button", name="查询进度").click()
                shot("progress-error", f"输错：提示写在输入框旁（{width} px）")
                page.goto(f"{base}/staff")
                shot("staff-login", f"工作人员登录：值班长和管理员（{width} px）")
                page.get_by_label("工号").fill("wang")
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_selector("#who")
                shot("staff-home", f"登录后：电子监察、预约名额、公告（{width} px）")
                page.close()
            browser.close()
        server.should_exit = True
    lines = [
        "# The central's public pages",
        "",
        "Made by `scripts/web_screens.py` in Debian's chromium. Do not edit by hand.",
        "",
    ]
    lines += [f"- `{file}`: {what}" for file, what in made]
    (args.out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(made)} pictures in {args.out}")


if __name__ == "__main__":
    main()
