"""Command-line maintenance without the window: backup, restore, audit check.

counter backup PATH          copy the store (online backup API) to PATH (file or folder)
counter restore PATH         put a backup in the store's place, keeping the old file aside
counter audit verify         check this store's audit hash chain; exit 1 if broken
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from counter.model.errors import CounterError
from counter.services.bootstrap import open_counter_store
from counter.services.maintenance import backup_store, verify_audit
from counter.store import backup
from counter.store.db import DB_FILE
from counter.store.paths import data_dir

COMMANDS = ("backup", "restore", "audit")
STATION = "命令行"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="本机数据文件夹（默认同 counter 主程序）")
    parser = argparse.ArgumentParser(prog="counter", description="Counter 数据维护")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "backup", parents=[common], help="备份本机数据文件（在线备份，不必关闭 Counter）"
    )
    p.add_argument("path", help="备份文件或文件夹")
    p = sub.add_parser(
        "restore", parents=[common], help="从备份恢复本机数据文件（请先关闭 Counter）"
    )
    p.add_argument("path", help="备份文件")
    p = sub.add_parser("audit", parents=[common], help="审计记录")
    p.add_argument("action", choices=["verify"], help="verify：校验哈希链")
    return parser


def main(argv: list[str], clock: Callable[[], datetime]) -> int:
    args = build_parser().parse_args(argv)
    store = data_dir(args.data_dir) / DB_FILE
    try:
        if args.command == "restore":
            kept = backup.restore(Path(args.path), store, clock())
            print(f"已从 {args.path} 恢复到 {store}")
            if kept is not None:
                print(f"原数据文件保留在 {kept}")
            return 0
        db = open_counter_store(store.parent, clock())
        try:
            if args.command == "backup":
                dest = backup_store(db, store, Path(args.path), STATION, clock())
                print(f"已备份到 {dest}")
                return 0
            reports = verify_audit(db)
        finally:
            db.close()
    except CounterError as exc:
        print(getattr(exc, "message", str(exc)), file=sys.stderr)
        return 2
    for report in reports:
        print(report.describe())
    return 0 if all(r.ok for r in reports) else 1
