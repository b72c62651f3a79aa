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
from datetime import date
from pathlib import Path

from counter.central.engine import Engine
from counter.central.postgres_engine import PostgresEngine
from counter.central.sqlite_engine import SqliteEngine
from counter.model.errors import CounterError
from counter.model.staff import Role, check_login, hash_password
from counter.sync.tables import catalog_payload

DEFAULT_DB = "sqlite:///central.db"


def open_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        engine: Engine = SqliteEngine(Path(url.removeprefix("sqlite:///")))
    elif url.startswith(("postgresql://", "postgres://")):
        engine = PostgresEngine(url)
    else:
        raise SystemExit(f"--db 不认识：{url}（应为 sqlite:///路径 或 postgresql://…）")
    engine.setup()
    return engine


def _now_ms() -> int:
    return int(time.time() * 1000)


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from counter.central.app import create_app

    app = create_app(open_engine(args.db))
    tls = {}
    if args.tls_cert:
        tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=5,
        **tls,
    )


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="counter-central", description="Counter 中心服务")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", default=DEFAULT_DB, help="sqlite:///路径 或 postgresql://…")
        p.set_defaults(func=func)
        return p

    p = command("serve", serve, "运行中心服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--log-level", default="warning")
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
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve" and bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("--tls-cert 与 --tls-key 须同时给出")
    try:
        args.func(args)
    except CounterError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
