"""``counter-central``: run the central and do its few administrative jobs.

``--db`` names the store: ``sqlite:///path/central.db`` (the default, next to where it
is run) or ``postgresql://user@host/dbname``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from counter.central.audit import verify_devices
from counter.central.report import DIMENSIONS, hall_report, period_from, report_text
from counter.central.serving import POSTGRES_URLS, Serving, open_engine
from counter.central.serving import serve as run_serving
from counter.central.threads import WORKER_THREADS
from counter.model.clock import HALL_TZ, iso
from counter.model.errors import CounterError
from counter.model.hall_settings import check_hall_settings
from counter.model.queue import check_prefix
from counter.model.staff import Role, check_login, hash_password
from counter.sync.tables import catalog_payload

DEFAULT_DB = "sqlite:///central.db"


def _now_ms() -> int:
    return int(time.time() * 1000)


def serve(args: argparse.Namespace) -> None:
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "http": "httptools",
        "timeout_graceful_shutdown": 5,
    }
    if args.tls_cert:
        options |= {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
    serving = Serving(db=args.db, pool=args.pool, rate=args.rate, threads=args.threads)
    run_serving(serving, options, args.workers)


def enrol_code(args: argparse.Namespace) -> None:
    code = open_engine(args.db).create_enrol_code(_now_ms())
    print(f"一次性登记码（24 小时内有效）：{code}")


def revoke(args: argparse.Namespace) -> None:
    if not open_engine(args.db).revoke(args.device):
        raise SystemExit(f"没有这台设备：{args.device}")
    print(f"已停用设备 {args.device}")


def create_staff(args: argparse.Namespace) -> None:
    password = args.password or getpass.getpass("初始密码：")
    row = {
        "id": args.id or str(uuid.uuid4()),
        "login": check_login(args.login),
        "name": args.name,
        "role": Role(args.role).value,
        "password_hash": hash_password(password),
        "certificate_no": args.certificate_no,
        "certificate_expiry": (
            date.fromisoformat(args.certificate_expiry).isoformat()
            if args.certificate_expiry
            else None
        ),
        "active": 1,
    }
    open_engine(args.db).publish("staff", row["id"], row, _now_ms())
    print(f"已建立人员 {row['login']}（{row['name']}），将下发到各窗口")


def publish_catalog(args: argparse.Namespace) -> None:
    text = Path(args.file).read_text(encoding="utf-8")
    payload = catalog_payload(text)
    open_engine(args.db).publish("catalog", payload["version"], payload, _now_ms())
    print(f"已发布事项目录 {payload['version']}（{payload['items']} 项），将下发到各窗口")


def publish_category(args: argparse.Namespace) -> None:
    code = check_prefix(args.code)
    windows = [w.strip() for w in args.windows.split(",") if w.strip()]
    row = {
        "code": code,
        "name": args.name.strip(),
        "windows": ",".join(windows),
        "sort": args.sort,
        "active": 0 if args.inactive else 1,
        "updated_at": iso(datetime.now(HALL_TZ)),
    }
    if not row["name"]:
        raise CounterError("业务类别名称不能为空")
    open_engine(args.db).publish("queue_categories", code, row, _now_ms())
    state = "停用" if args.inactive else f"窗口 {row['windows'] or '（无）'}"
    print(f"已发布业务类别 {code} {row['name']}（{state}），将下发到各窗口和取号机")


def publish_settings(args: argparse.Namespace) -> None:
    values: dict[str, str] = {}
    for pair in args.pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CounterError(f"应写成 键=值，收到“{pair}”")
        values[key.strip()] = value
    checked = check_hall_settings(values)
    engine = open_engine(args.db)
    stamp = iso(datetime.now(HALL_TZ))
    for key, value in checked.items():
        engine.publish("hall_settings", key, {"value": value, "updated_at": stamp}, _now_ms())
    print(f"已发布大厅设置 {', '.join(checked)}，将下发到各窗口")


def verify_audit(args: argparse.Namespace) -> None:
    reports = verify_devices(open_engine(args.db))
    for report in reports:
        print(report.describe())
    if not all(r.ok for r in reports):
        raise SystemExit(1)


def report(args: argparse.Namespace) -> None:
    now = datetime.now(HALL_TZ)
    period = period_from(args.month, args.start, args.end, now.date())
    found = hall_report(open_engine(args.db), period, DIMENSIONS[args.by], now)
    print(report_text(found, args.format), end="")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="counter-central", description="Counter 中心服务")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", default=DEFAULT_DB, help="sqlite:///路径 或 postgresql://…")
        p.set_defaults(func=func)
        return p

    command("verify-audit", verify_audit, "逐台设备校验审计记录的哈希链，指出第一条断裂处")
    p = command("serve", serve, "运行中心服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--log-level", default="warning")
    p.add_argument(
        "--pool", type=int, default=8, help="PostgreSQL：保持打开的数据库连接数（约为窗口数）"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=WORKER_THREADS,
        help="同时访问数据库的请求数（其余在事件循环中排队；多了只会争抢解释器锁）",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="PostgreSQL：服务进程数，各用一个 CPU 核（建议与核数相同）；SQLite 只能为 1",
    )
    p.add_argument(
        "--rate", type=float, default=50.0, help="每台设备每秒最多请求数（取号机、窗口、同步合计）"
    )
    command("enrol-code", enrol_code, "为值班长生成一次性登记码")
    p = command("revoke", revoke, "停用一台设备")
    p.add_argument("device")
    p = command("create-staff", create_staff, "建立人员账号（下发到各窗口）")
    p.add_argument("--login", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--password")
    p.add_argument("--id")
    p.add_argument("--certificate-no", default="")
    p.add_argument("--certificate-expiry")
    p = command("publish-catalog", publish_catalog, "发布事项目录文件（下发到各窗口）")
    p.add_argument("file")
    p = command("publish-category", publish_category, "发布排队业务类别（下发到各窗口）")
    p.add_argument("--code", required=True, help="一个英文字母，即号码前缀")
    p.add_argument("--name", required=True)
    p.add_argument("--windows", default="", help="办理窗口，逗号分隔，如 1,2,3")
    p.add_argument("--sort", type=int, default=0)
    p.add_argument("--inactive", action="store_true", help="停用该类别")
    p = command("publish-settings", publish_settings, "发布大厅统一设置（下发到各窗口）")
    p.add_argument("pairs", nargs="+", metavar="键=值", help="如 hall_name=某某政务服务中心")
    p = command("report", report, "全厅统计：各窗口同步上来的取号、办件、评价和整改")
    p.add_argument("--month", help="统计月份 YYYY-MM（默认本月）")
    p.add_argument("--from", dest="start", help="开始日期 YYYY-MM-DD")
    p.add_argument("--to", dest="end", help="结束日期 YYYY-MM-DD（含）")
    p.add_argument("--by", choices=sorted(DIMENSIONS), default="hall", help="分组")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve" and bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("--tls-cert 与 --tls-key 须同时给出")
    if args.command == "serve" and args.workers != 1:
        if args.workers < 1:
            raise SystemExit("--workers 至少为 1")
        if not args.db.startswith(POSTGRES_URLS):
            raise SystemExit("--workers 大于 1 须用 PostgreSQL：SQLite 中心库只由一个进程读写")
    try:
        args.func(args)
    except CounterError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
