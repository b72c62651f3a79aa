"""Render the central's web pages in a real browser (Debian's chromium), on a 360 px
phone and a 1920 px wall, into docs/screens/web/*.png, and list them in its README.md.

    .venv/bin/python scripts/web_screens.py [--out docs/screens/web]

The central runs in this process on a fresh SQLite file holding a hall's morning as the
counters would have synced it (cases, a handed-over case to rate, follow-ups, a queue
issued and called through the central, booking places and notices), and its clock
stands at Friday 4 December 2026, 10:00, so the pictures do not change from one run to
the next unless the pages do.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

from counter.central.app import create_app
from counter.central.engine import Engine
from counter.central.hall_queue import HallQueue
from counter.central.serving import open_engine
from counter.central.web_booking import set_places
from counter.central.web_notices import publish_notices
from counter.model.booking import Closure, Notices
from counter.model.clock import HALL_TZ, iso
from counter.model.queue import CallRule, Category, Lane
from counter.model.staff import hash_password

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=HALL_TZ)
SIZES = {"phone": (360, 740), "wall": (1920, 1080)}
NUMBER = "SQ20261201-0003"
PASSWORD = "hall-pass-2026"
RATE_TOKEN = "Qm9vb29vb29vb29vb29vb2"
UNKNOWN_TOKEN = "Zm9vb29vb29vb29vb29vb2"
CLERKS = ("李娜", "王芳", "陈刚")
MATTERS = ("等候时间过长，窗口解释不清楚", "跨部门材料互认未办成")


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def seed_progress(engine: Engine) -> None:
    """One case waiting for two missing materials (the progress page's example)."""
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


def seed_rating(engine: Engine) -> None:
    """A case handed over at window 3 this morning: the receipt's QR rates it."""
    engine.publish("cases", "c-rate", {
        "id": "c-rate", "number": "SQ20261204-0011", "title": "个体工商户设立登记",
        "item_code": "SCJG-0003", "department": "市场监管局", "state": "已出件",
        "applicant_name": "张三丰", "applicant_id_number": "350102199001011234",
        "applicant_phone": "13912345678", "window": "3",
        "rating_token": RATE_TOKEN}, 1)  # fmt: skip
    event = {"id": "c-rate-out", "case_id": "c-rate", "action": "出件",
             "at": iso(NOW - timedelta(minutes=20)), "staff_id": "s-lina",
             "staff_name": "李娜", "window": "3"}  # fmt: skip
    engine.publish("case_events", event["id"], event, 1, kind="insert")
    engine.execute("UPDATE rows SET owner = 'w-3' WHERE row_id = ?", [event["id"]])


def seed_supervision(engine: Engine) -> None:
    """Open cases near or past their deadlines, follow-ups, and a month of ratings."""
    for n in range(10):
        accepted = NOW - timedelta(days=3 + n % 6, hours=n)
        number = f"SQ202611{20 + n % 9:02d}-{n + 1:04d}"
        engine.publish("cases", f"case-{n}", {
            "id": f"case-{n}", "number": number, "title": "食品经营许可（新办）",
            "state": "已受理", "applicant_name": ("张三丰", "李四", "欧阳娜娜")[n % 3],
            "clerk_id": "s-lina", "clerk_name": CLERKS[n % 3], "window": str(1 + n % 4),
            "item_code": "SCJG-0002", "created_at": iso(accepted), "received_at": iso(accepted),
            "accepted_at": iso(accepted), "promised_days": 3 + n % 4,
            "legal_days": 20, "extension_days": 0, "paused_days": 0, "rongque": 0,
            "deemed_accepted": 0}, 1)  # fmt: skip
    common = {"contact": "13912345678", "why": "", "handler": "王值班", "items": "[]",
              "first_done_at": None, "closed_at": None, "department": "市场监管局",
              "window": "3", "clerk_id": "s-lina", "clerk_name": "李娜", "who": "李四"}  # fmt: skip
    for n in range(4):
        bad = n % 2 == 0
        engine.publish("followups", f"f{n}", {
            **common, "id": f"f{n}", "kind": "差评整改" if bad else "办不成事",
            "state": "待回访" if bad else "待办理",
            "opened_at": iso(NOW - timedelta(days=4 - n)),
            "first_due": iso(NOW - timedelta(days=3 - n)) if bad else None,
            "final_due": iso(NOW + timedelta(days=3 + n)),
            "matter": MATTERS[n % 2]}, 1)  # fmt: skip
    for n in range(24):
        at = NOW - timedelta(days=n % 3, hours=n)
        engine.publish("ratings", f"r{n}", {
            "id": f"r{n}", "request_id": f"case:x{n}", "kind": "case", "reference": f"X{n}",
            "case_number": f"X{n}", "item_code": "SCJG-0002", "item_name": "食品经营许可",
            "department": "市场监管局", "window": str(1 + n % 4), "clerk_id": "s-lina",
            "clerk_name": CLERKS[n % 3], "channel": "评价器", "level": 2 if n == 5 else 5,
            "comment": "", "served_at": iso(at), "rated_at": iso(at)}, 1)  # fmt: skip


def seed_queue(engine: Engine) -> list[str]:
    """Eight tickets of 企业开办 this morning: two served, two being served, four
    waiting. Each ticket's queue-view token, in the order issued."""
    hall = HallQueue(engine)
    category = Category("A", "企业开办")
    issued = [
        hall.issue_linked(category, "d", NOW - timedelta(minutes=60 - n), lane=Lane.NORMAL)
        for n in range(8)
    ]
    for n in range(2):
        clerk = (str(n + 1), "s-lina", CLERKS[n])
        ticket = hall.call_next(clerk, ["A"], CallRule(), NOW - timedelta(minutes=40 - n))
        hall.act(clerk, ticket.id, "finish", NOW - timedelta(minutes=28 - n),
                 {"services": ["设立登记"]})  # fmt: skip
    for n in range(2):
        hall.call_next((str(n + 1), "s-lina", CLERKS[n]), ["A"], CallRule(),
                       NOW - timedelta(minutes=5 - n))  # fmt: skip
    return [i.view_token for i in issued]


def seed(url: str) -> list[str]:
    engine = open_engine(url)
    engine.publish("hall_settings", "hall_name", {"value": "示范市政务服务中心"}, 1)
    supervisor = {"id": "s-wang", "login": "wang", "name": "王值班", "role": "supervisor",
                  "password_hash": hash_password(PASSWORD), "active": 1}  # fmt: skip
    engine.publish("staff", "s-wang", supervisor, 1)
    category = {"code": "A", "name": "企业开办", "windows": "1,2,3", "sort": 1, "active": 1,
                "updated_at": iso(NOW)}  # fmt: skip
    engine.publish("queue_categories", "A", category, 1)
    seed_progress(engine)
    seed_rating(engine)
    seed_supervision(engine)
    tokens = seed_queue(engine)
    for half in ("am", "pm"):
        set_places(engine, "A", None, half, 6)
    new_year = Closure(
        NOW.date() + timedelta(days=25), NOW.date() + timedelta(days=27),
        "元旦假期闭厅，1 月 4 日起正常办理",
    )  # fmt: skip
    notices = Notices("周一至周五 9:00–12:00，13:30–17:30（周六上午办理企业开办）", (new_year,))
    publish_notices(engine, notices, NOW, ms(NOW))
    engine.close()
    return tokens


def serve(url: str) -> tuple[str, uvicorn.Server]:
    engine = open_engine(url)
    app = create_app(engine, clock_ms=lambda: ms(NOW), web_rate=1000)
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
        tokens = seed(url)
        base, server = serve(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for n, (size, (width, height)) in enumerate(SIZES.items()):
                context = browser.new_context(
                    viewport={"width": width, "height": height}, locale="zh-CN"
                )
                page = context.new_page()

                def shot(name: str, what: str, page: Any = page, size: str = size,
                         width: int = width, full: bool = True) -> None:  # fmt: skip
                    file = f"{name}-{size}.png"
                    page.screenshot(path=str(args.out / file), full_page=full)
                    made.append((file, f"{what}（{width} px）"))

                # 办件进度查询
                page.goto(f"{base}/progress")
                shot("progress-form", "办件进度查询：输入办件编号和后四位，上方是大厅公告")
                page.get_by_label("办件编号").fill(NUMBER)
                page.get_by_label("证件号码或手机号码后四位").fill("5678")
                page.get_by_role("button", name="查询进度").click()
                page.wait_for_selector("#case-title")
                shot("progress-case", "查询结果：状态、经过、期限、一次性告知")
                page.goto(f"{base}/progress")
                page.get_by_label("办件编号").fill(NUMBER)
                page.get_by_label("证件号码或手机号码后四位").fill("12")
                page.get_by_role("button", name="查询进度").click()
                shot("progress-error", "输错：提示写在输入框旁")

                # 扫码评价
                page.goto(f"{base}/rate/{RATE_TOKEN}")
                shot("rate-form", "扫码评价：出件回执二维码打开的评价页")
                page.get_by_role("button", name="提交评价").click()
                shot("rate-error", "没选满意程度：提示写在选项旁")
                if n == len(SIZES) - 1:  # rated once: the thanks on the last size only
                    page.get_by_label("满意", exact=True).check()
                    page.get_by_role("button", name="提交评价").click()
                    shot("rate-thanks", "评价已收到")
                page.goto(f"{base}/rate/{UNKNOWN_TOKEN}")
                shot("rate-unknown", "链接无效或尚未同步：同一句回答")

                # 扫码看排队
                for view, token, what in (
                    ("queue-waiting", tokens[7], "扫码看排队：前面还有几人、正在叫的号、约等多久"),
                    ("queue-called", tokens[3], "轮到了：请到几号窗口"),
                    ("queue-done", tokens[0], "已办理"),
                    ("queue-unknown", "A" * 22, "无效的排队链接"),
                ):
                    page.goto(f"{base}/queue/{token}")
                    shot(view, what)

                # 网上预约
                page.goto(f"{base}/book")
                shot("book-start", "网上预约：选择业务，上方是大厅公告")
                page.get_by_role("link", name="企业开办").click()
                shot("book-form", "选时段（显示余额）、填姓名证件手机")
                page.get_by_role("button", name="提交预约").click()
                shot("book-errors", "没填好：每个提示写在输入框旁，顶部汇总")
                page.locator("input[name=slot]:not([disabled])").first.check()
                page.get_by_label("姓名").fill("欧阳明月")
                page.get_by_label("居民身份证号码").fill(
                    ("110101199003071233", "310104198512120023")[n]
                )
                page.get_by_label("手机号码").fill("13812345678")
                page.get_by_role("button", name="提交预约").click()
                page.wait_for_selector("#appointment-code")
                shot("book-done", "预约成功：预约号、二维码、到厅须知")
                page.goto(f"{base}/book/cancel")
                shot("book-cancel", "取消预约：预约号和证件后四位")

                # The hall's staff
                page.goto(f"{base}/staff")
                shot("staff-login", "工作人员登录：值班长和管理员")
                page.get_by_label("工号").fill("wang")
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_selector("#who")
                shot("staff-home", "登录后：电子监察、预约名额、公告")
                page.goto(f"{base}/staff/appointments")
                shot("staff-appointments", "网上预约名额：工作日名额、某天名额、已约情况")
                page.goto(f"{base}/staff/notices")
                shot("staff-notices", "公告：办公时间和闭厅日期")
                page.goto(f"{base}/hall{'?wall=1' if size == 'wall' else ''}")
                page.wait_for_selector("#sec-queue")
                if size == "wall":
                    shot("hall", "电子监察大屏：一屏看全厅，实时更新", full=False)
                else:
                    shot("hall", "电子监察（手机）：同样的内容，上下排列")
                context.close()
            browser.close()
        server.should_exit = True
    lines = [
        "# The central's web pages",
        "",
        "Made by `scripts/web_screens.py` in Debian's chromium. Do not edit by hand.",
        "",
    ]
    lines += [f"- `{file}`: {what}" for file, what in made]
    (args.out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(made)} pictures in {args.out}")


if __name__ == "__main__":
    main()
