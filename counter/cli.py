"""Command-line maintenance without the window: backup, restore, audit check.

counter backup PATH          copy the store (online backup API) to PATH (file or folder;
                             a folder must exist: an unplugged USB stick is refused)
counter restore PATH         put a backup in the store's place, keeping the old file aside;
                             refused while any Counter has the store open;
                             the counter re-enrols (backups carry no device token)
counter restore PATH --keep-token   ... keeping this store's device token (same device only)
counter audit verify         check this store's audit hash chain; exit 1 if broken
counter compact              run the upkeep to the end (a never-enrolled counter's outbox
                             compacted, history nobody works on packed) and rewrite the
                             store file smaller, switched to incremental vacuum (issue 32);
                             refused while any Counter has the store open

Each works on an existing store only: a data folder without ``counter.db`` is refused,
never given a new demo store.

A newer Counter copies the store before it migrates it, into ``backups/`` beside the
store (``counter-before-v{new}-from-v{old}-{time}.db``, the newest three kept, no device
token): ``counter restore`` takes one back after a failed upgrade, with the old Counter
put back first (counter.store.backup.before_migration).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from counter.model.errors import CounterError
from counter.services.maintenance import backup_store, compact_store, verify_audit
from counter.store import backup, store_lock
from counter.store.db import DB_FILE, StoreError, open_store
from counter.store.hall_settings import effective
from counter.store.paths import config_file, data_dir
from counter.store.settings_file import load_settings

COMMANDS = ("backup", "restore", "audit", "compact")
#: Why ``counter compact`` is refused while a Counter window has the store open.
COMPACT_IN_USE = "Counter 正在使用这份数据，请先退出所有 Counter 窗口再整理"
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
        "restore",
        parents=[common],
        help="从备份恢复本机数据文件（请先关闭 Counter）",
        description=(
            "从备份恢复本机数据文件（请先关闭 Counter），原数据文件改名保留在旁边。"
            "备份中不含设备令牌：默认恢复后本机须重新登记——中心地址保留、令牌清空，"
            "请在“数据同步”页面输入中心新发的一次性登记码。"
            "同一台设备（设备编号相同）恢复自己的备份时，"
            "可加 --keep-token 沿用被替换数据文件中的令牌。"
        ),
    )
    p.add_argument("path", help="备份文件")
    p.add_argument(
        "--keep-token",
        action="store_true",
        help=(
            "沿用被替换数据文件中的设备令牌，恢复后不必重新登记；"
            "仅限同一台设备的备份，另一台设备的备份会被拒绝。"
            "不加此项（默认）：令牌清空，恢复后在“数据同步”页面重新登记"
        ),
    )
    p = sub.add_parser("audit", parents=[common], help="审计记录")
    p.add_argument("action", choices=["verify"], help="verify：校验哈希链")
    sub.add_parser(
        "compact",
        parents=[common],
        help="整理本机数据文件，释放已清理的空间（请先关闭 Counter）",
        description=(
            "整理本机数据文件（请先关闭 Counter）：未登记中心的单机，先精简待同步记录"
            "（办件数据本身保留；以后用允许导入历史的登记码登记时，每条数据送达中心一次）；"
            "把已办结一季的办件记录、过去的排队记录和一个月前的打印记录压缩归档（照常可查、可补打）；"
            "再重写整个数据文件，收回已清理的打印文件"
            "和记录所占的空间，并改为逐步回收空间，此后 Counter 运行时会自动归还空闲空间。"
            "数据量大时可能需要几分钟；建议先执行 counter backup。"
        ),
    )
    return parser


def existing_store(args: argparse.Namespace) -> Path:
    """The store the command is about: ``--data-dir``, else the data folder the app uses
    (settings file, ``COUNTER_DATA_DIR``, the platform's folder). Maintenance never
    creates a store: a folder without one is a wrong ``--data-dir`` (or an unplugged
    drive), and a new, seeded demo store there would hide the mistake."""
    chosen = args.data_dir or load_settings(config_file())["data_dir"] or None
    folder = data_dir(chosen)
    store = folder / DB_FILE
    if not store.is_file() or store.stat().st_size == 0:
        hint = "；新装的电脑请先启动一次 Counter，再恢复" if args.command == "restore" else ""
        raise StoreError(f"{folder} 中没有 Counter 数据（{DB_FILE}），请检查 --data-dir{hint}")
    return store


def main(argv: list[str], clock: Callable[[], datetime]) -> int:
    args = build_parser().parse_args(argv)
    try:
        store = existing_store(args)
        if args.command == "restore":
            kept = backup.restore(Path(args.path), store, clock(), keep_token=args.keep_token)
            print(f"已从 {args.path} 恢复到 {store}")
            if kept is not None:
                print(f"原数据文件保留在 {kept}")
            central_url, token = backup.sync_credentials(store)
            if token:
                print(f"已沿用本机的设备令牌，继续与中心 {central_url} 同步，无需重新登记")
            elif central_url:
                print(
                    f"设备令牌已清空：请在“数据同步”页面输入中心 {central_url} "
                    "新发的一次性登记码重新登记（在此之前本机单独工作）"
                )
            return 0
        if args.command == "compact":
            return compact(store, clock())
        with store_lock.shared(store):
            db = open_store(store)
            try:
                if args.command == "backup":
                    dest = backup_store(db, store, args.path, STATION, clock())
                    print(f"已备份到 {dest}（不含设备令牌）")
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


def compact(store: Path, now: datetime) -> int:
    """``counter compact``: the store to itself (refused while any Counter has it open:
    the VACUUM would hold every window's write for as long as it runs), with the
    hall's settings as the upkeep would have them (the retention days)."""
    with store_lock.exclusive(store, COMPACT_IN_USE):
        db = open_store(store)
        try:
            settings = effective(db, load_settings(config_file()))
            done = compact_store(db, settings, now)
        finally:
            db.close()
    if done.dropped_ops:
        print(f"已精简待同步记录：减少 {done.dropped_ops} 条")
    if done.cases_packed or done.days_packed or done.audit_sealed:
        print(f"已归档历史：办件 {done.cases_packed} 件，排队与打印 {done.days_packed} 天，"
              f"审计记录 {done.audit_sealed} 条")  # fmt: skip
    print(f"数据文件已整理：{done.before / 1e6:.1f} MB → {done.after / 1e6:.1f} MB")
    return 0
