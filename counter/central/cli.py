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
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from counter.central import hall_ca
from counter.central.audit import refused_entries, verify_devices
from counter.central.report import DIMENSIONS, hall_report, period_from, report_text
from counter.central.serving import (
    LOG_FILE,
    POSTGRES_URLS,
    Serving,
    default_log_dir,
    open_engine,
)
from counter.central.serving import serve as run_serving
from counter.central.threads import WORKER_THREADS
from counter.model.clock import HALL_TZ, iso
from counter.model.devices import DeviceKind, check_device_kind
from counter.model.errors import CounterError
from counter.model.hall_settings import check_hall_settings
from counter.model.queue import check_prefix
from counter.model.staff import Role, check_login, hash_password
from counter.model.staff_key import derive_key
from counter.sync.pinning import code_with_fingerprint
from counter.sync.tables import catalog_payload

DEFAULT_DB = "sqlite:///central.db"
#: Roles whose hall-wide changes the central checks by signature: they get a key.
SIGNING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


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
    ca_pem = None
    if args.insecure_http:
        print(INSECURE_WARNING, file=sys.stderr)
        hall_ca.record_served_ca(_tls_dir(args), None)
    else:
        names = hall_ca.machine_names(args.host, args.tls_name)
        own: tuple[Path | None, Path | None] = (
            (Path(args.tls_cert), Path(args.tls_key)) if args.tls_cert else (None, None)
        )
        ca = Path(args.tls_ca) if args.tls_ca else None
        tls = hall_ca.serving_tls(_tls_dir(args), names, *own, ca)
        options |= {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)}
        ca_pem = tls.ca_pem
    log_dir = Path(args.log_dir) if args.log_dir else default_log_dir(args.db)
    serving = Serving(
        db=args.db,
        pool=args.pool,
        rate=args.rate,
        threads=args.threads,
        ca_pem=ca_pem,
        write_rate=args.write_rate,
        log_file=str((log_dir / LOG_FILE).absolute()),
    )
    run_serving(serving, options, args.workers)


INSECURE_WARNING = (
    "警告：--insecure-http 以明文 HTTP 提供服务，设备令牌、证件号码和密码哈希在局域网上"
    "可被窃听或篡改，只可用于实验环境"
)


def _tls_dir(args: argparse.Namespace) -> Path:
    return Path(args.tls_dir) if args.tls_dir else hall_ca.default_tls_dir(args.db)


def _for_counters(code: str, args: argparse.Namespace) -> str:
    """The code with the fingerprint of the CA the central serves under, which the
    counter checks before trusting the central; bare (and said so) on plain HTTP."""
    ca_pem = hall_ca.served_ca(_tls_dir(args))
    if ca_pem is None:
        print(
            "注意：中心以 --insecure-http 运行或尚未以 HTTPS 启动过，"
            "登记码不带证书指纹，只能用于 http:// 地址",
            file=sys.stderr,
        )
        return code
    return code_with_fingerprint(code, ca_pem)


def tls(args: argparse.Namespace) -> None:
    """A new server certificate from the hall's CA: a name or address added, or the
    old one compromised. Counters pin the CA, so none of them has to enrol again."""
    directory = _tls_dir(args)
    had_ca = (directory / hall_ca.CA_CERT).exists()
    issued = hall_ca.reissue(directory, hall_ca.machine_names(extra=args.name))
    names, end = hall_ca.certificate_names(issued.cert)
    print(f"已用大厅 CA 签发服务器证书 {issued.cert}（有效至 {end:%Y-%m-%d}）")
    print(f"名称与地址：{', '.join(names)}")
    fingerprint = hall_ca.fingerprint(issued.ca_pem)
    if had_ca:
        print(f"CA 指纹不变：{fingerprint}，已登记的窗口无需重新登记；重启 serve 后生效")
    else:
        print(f"新建了大厅 CA {directory / hall_ca.CA_CERT}，指纹 {fingerprint}")


def enrol_code(args: argparse.Namespace) -> None:
    kind, window = check_device_kind(args.kind, args.window or "")
    engine = open_engine(args.db)
    if args.device and args.device not in {d.device_id for d in engine.devices()}:
        raise SystemExit(f"没有这台设备：{args.device}（用 counter-central devices 查看）")
    code = engine.create_enrol_code(_now_ms(), kind, window, args.device)
    where = f"{window} 号窗口的" if window else ""
    print(f"一次性登记码（24 小时内有效，仅限{where}{kind.label}）：{_for_counters(code, args)}")
    if args.device:
        print(f"此码只能用于重新登记设备 {args.device}，登记后它原来的令牌作废")


def devices(args: argparse.Namespace) -> None:
    """Every enrolled device: what it is, where, when last heard from, what was refused."""
    found = open_engine(args.db).devices()
    if not found:
        print("还没有登记任何设备")
        return
    print("设备编号\t名称\t类型\t窗口\t状态\t登记时间\t最近联系\t被拒操作")
    for d in found:
        seen = _stamp(d.last_seen) if d.last_seen is not None else "从未"
        state = "已停用" if d.revoked else "正常"
        print(
            f"{d.device_id}\t{d.name}\t{d.kind.label}\t{d.window or '-'}\t{state}"
            f"\t{_stamp(d.enrolled_at)}\t{seen}\t{d.refused_ops}"
        )


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, HALL_TZ).strftime("%Y-%m-%d %H:%M")


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
    if Role(args.role) in SIGNING_ROLES:
        # The public half of the key her password makes at sign-in: the central's
        # proof, later, that a hall-wide change was hers (counter.model.staff_key).
        row["sign_key"] = derive_key(row["id"], password).public
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
    engine = open_engine(args.db)
    reports = verify_devices(engine)
    for report in reports:
        print(report.describe())
    for device, entry, reason in refused_entries(engine):
        print(f"拒收：设备 {device} 上传的审计记录 {entry}：{reason}")
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

    def command(
        name: str, func: Callable[[argparse.Namespace], None], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", default=DEFAULT_DB, help="sqlite:///路径 或 postgresql://…")
        if name in ("serve", "enrol-code", "tls"):
            p.add_argument(
                "--tls-dir",
                help="大厅 CA 与服务器证书所在目录（默认：SQLite 库文件旁的 tls，"
                "PostgreSQL 为本用户数据目录下的 counter-central/tls）",
            )
        p.set_defaults(func=func)
        return p

    command("verify-audit", verify_audit, "逐台设备校验审计记录的哈希链，指出第一条断裂处")
    p = command("serve", serve, "运行中心服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="以明文 HTTP 提供服务（只用于实验环境：令牌与个人信息在网上不加密）",
    )
    p.add_argument(
        "--tls-name",
        action="append",
        default=[],
        metavar="NAME",
        help="服务器证书另加的主机名或地址（可重复），如窗口用来连中心的 IP",
    )
    p.add_argument("--tls-cert", help="大厅自有的服务器证书（PEM，可含证书链），代替大厅 CA 签发的")
    p.add_argument("--tls-key", help="--tls-cert 的私钥（PEM）")
    p.add_argument(
        "--tls-ca",
        help="签发 --tls-cert 的 CA 证书（PEM）：窗口登记时核对并固定信任它；"
        "不给则用证书链文件中的最后一张",
    )
    p.add_argument("--log-level", default="warning", help="uvicorn 的日志级别（中心自身为 info）")
    p.add_argument(
        "--log-dir",
        help="日志文件夹，存放轮换的 central.log"
        "（默认：SQLite 库旁的 logs；PostgreSQL 为系统日志目录）",
    )
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
    p.add_argument(
        "--write-rate",
        type=float,
        help="每台设备每秒最多写请求数（上传、取号、叫号；登记按来源地址），默认 --rate 的五分之一",
    )
    p = command("enrol-code", enrol_code, "为一台设备生成一次性登记码（指定设备类型和窗口）")
    p.add_argument(
        "--kind",
        default="window",
        choices=[k.value for k in DeviceKind],
        help="设备类型：window 窗口电脑、laptop 帮代办笔记本、kiosk 取号机、board 叫号屏、"
        "pad 评价器（默认 window）",
    )
    p.add_argument("--window", help="窗口号（窗口电脑和评价器必填）")
    p.add_argument(
        "--device", help="重新登记这台已登记的设备（换机、恢复备份后），它原来的令牌作废"
    )
    command("devices", devices, "列出已登记的设备：类型、窗口、最近联系时间、被拒操作数")
    p = command("tls", tls, "用同一大厅 CA 重新签发服务器证书（窗口无需重新登记）")
    p.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="NAME",
        help="证书另加的主机名或地址（可重复）；本机主机名、地址与 localhost 总会包含",
    )
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
    if args.command == "serve" and args.tls_ca and not args.tls_cert:
        raise SystemExit("--tls-ca 须与 --tls-cert、--tls-key 一起给出")
    if args.command == "serve" and args.insecure_http and (args.tls_cert or args.tls_name):
        raise SystemExit("--insecure-http 不能与 --tls-cert、--tls-name 同时给出")
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
