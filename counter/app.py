"""The entry point: reads the command line and the clock, then hands over to
counter.ui.application, the composition root that wires store, services and UI."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime

from counter.log import to_stderr
from counter.model.clock import HALL_TZ
from counter.model.errors import CounterError

QT_LIBRARIES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
}


def system_clock() -> datetime:
    return datetime.now(HALL_TZ)


#: The 事项目录 page's row in the sidebar a ``--screenshot`` shows (the demo supervisor's,
#: signed in at a window): where ``--query`` is typed. tests/test_app_query.py keeps it
#: equal to the sidebar's.
CATALOG_PAGE = 6


def screenshot_page(args: argparse.Namespace) -> list[str]:
    """Settle ``--page`` and say what ``--page``/``--query`` will not do. A ``--query``
    alone opens the catalogue, where it is typed: README's ``--screenshot window.png
    --query qykb`` showed the queue page with the query nowhere, without a word."""
    notes = []
    if args.page is None:
        args.page = CATALOG_PAGE if args.query else 0
    elif args.query and args.page != CATALOG_PAGE:
        notes.append(
            f"--query 只在事项目录页（--page {CATALOG_PAGE}）输入；第 {args.page} 页不是事项目录，"
            "查询被忽略"
        )
    if (args.query or args.page) and not args.screenshot:
        notes.append("--page 和 --query 只与 --screenshot 同用，已忽略")
    return notes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="counter", description="政务服务大厅综合窗口 Counter")
    parser.add_argument(
        "--data-dir", help="本机数据文件夹（默认：系统用户数据目录，或 COUNTER_DATA_DIR）"
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="以演示值班长身份在屏幕外渲染主窗口，保存截图后退出（用于 CI 和审阅）",
    )
    parser.add_argument(
        "--page",
        type=int,
        default=None,
        help=f"截图时显示第几个页面（从 0 起；默认 0，给了 --query 时为事项目录页 {CATALOG_PAGE}）",
    )
    parser.add_argument(
        "--query", default="", help=f"截图时在事项目录（第 {CATALOG_PAGE} 页）中输入的查询"
    )
    parser.add_argument(
        "--sign-in",
        action="store_true",
        help="与 --screenshot 同用：保存刚绘出的登录对话框（用于启动计时）",
    )
    parser.add_argument(
        "--first-paint",
        action="store_true",
        help="与 --screenshot 和 --kiosk/--board 同用：保存刚绘出的画面（请稍候…）后退出"
        "（用于启动计时）",
    )
    parser.add_argument(
        "--demo-sign-in",
        action="store_true",
        help="以演示值班长身份经登录对话框登录，输出从按下登录到主窗口绘出的时间"
        "（与 --screenshot 同用时保存主窗口后退出）",
    )
    station = parser.add_mutually_exclusive_group()
    station.add_argument(
        "--kiosk", action="store_true", help="取号机模式：全屏取号、绿色通道、预约签到（无需登录）"
    )
    station.add_argument(
        "--board",
        action="store_true",
        help="叫号屏模式：在第二块屏幕（设置 board_screen）上全屏显示叫号（无需登录）",
    )
    station.add_argument(
        "--rate", action="store_true", help="评价器模式：申请人对本窗口刚办完的服务评价（无需登录）"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    return parser.parse_args(argv)


def missing_library_message(error: ImportError) -> str | None:
    """Turn Qt's 'cannot open shared object file' into the exact command that fixes it."""
    text = str(error)
    for library, package in QT_LIBRARIES.items():
        if library in text:
            return (
                f"Qt 缺少系统库 {library}。请运行：\n"
                f"  sudo apt-get install -y {package}\n"
                f"(Qt needs the system library {library}: apt-get install {package})"
            )
    return None


#: The maintenance commands counter.cli runs (its COMMANDS; named here so a start of
#: the app does not import the CLI to find out).
CLI_COMMANDS = ("backup", "restore", "audit", "compact")


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words and words[0] in CLI_COMMANDS:
        from counter import cli

        return cli.main(words, system_clock)
    args = parse_args(argv)
    to_stderr(args.verbose)  # the log file joins once the data folder is known
    for note in screenshot_page(args):
        print(f"counter: {note}", file=sys.stderr)
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        from counter.ui.application import run
    except ImportError as exc:
        message = missing_library_message(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 3
    try:
        return run(args, system_clock)
    except CounterError as exc:
        print(getattr(exc, "message", str(exc)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
