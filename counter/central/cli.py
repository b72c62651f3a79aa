"""``counter-central``: run the central and do its few administrative jobs.

``counter-central init`` makes the central's data folder once (counter.central.datadir
says where, and why every other command refuses a folder that was not made so); every
command then finds the store in it, or in ``--db`` (``sqlite:///path/central.db`` or
``postgresql://user@host/dbname``), which must have been initialised too.

Every command but ``init``, ``migrate``, ``backup`` and ``restore`` runs only on a
store at this code's schema version (counter.central.migrations): an older one is
migrated by ``counter-central migrate``, a newer one refused.
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
from counter.central.about import About
from counter.central.audit import refused_entries, verify_devices
from counter.central.backup import (
    backup_postgres,
    backup_sqlite,
    restore_command,
    restore_postgres,
    restore_sqlite,
)
from counter.central.datadir import (
    CONFIG_FILE,
    SQLITE_FILE,
    Place,
    default_data_dir,
    resolve,
    sqlite_url,
    write_place,
)
from counter.central.engine import Engine
from counter.central.migrations import SchemaTooNew, describe, latest
from counter.central.report import DIMENSIONS, hall_report, period_from, report_text
from counter.central.serving import (
    LOG_FILE,
    LOG_MAX_MB,
    POSTGRES_URLS,
    Serving,
    _without_password,
    check_schema,
    default_log_dir,
    open_central,
    store_version,
)
from counter.central.serving import serve as run_serving
from counter.central.threads import WORKER_THREADS
from counter.central.web import WEB_RATE
from counter.model.clock import HALL_TZ, iso
from counter.model.devices import DeviceKind, check_device_kind
from counter.model.errors import CounterError
from counter.model.hall_settings import check_hall_settings
from counter.model.queue import check_prefix
from counter.model.staff import WINDOW_ROLES, Role, check_login, hash_password
from counter.model.staff_key import derive_key
from counter.sync.pinning import code_with_fingerprint
from counter.sync.tables import catalog_payload

#: Roles whose hall-wide changes the central checks by signature: they get a key.
SIGNING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def _now_ms() -> int:
    return int(time.time() * 1000)


def _place(args: argparse.Namespace) -> Place:
    place: Place = args.place
    return place


def _hint(args: argparse.Namespace) -> str:
    """The options to repeat in advice printed for this command's central."""
    if args.data_dir:
        return f" --data-dir {args.data_dir}"
    if args.explicit_db:
        return f" --db {_without_password(args.db)}"
    return ""


def _open(args: argparse.Namespace) -> Engine:
    """The central's store, initialised and at this code's schema version, or refused."""
    return open_central(args.db, hint=_hint(args))[0]


def serve(args: argparse.Namespace) -> None:
    place = _place(args)
    engine, schema = open_central(args.db, pool_size=1, hint=_hint(args))
    engine.close()
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
    log_dir = Path(args.log_dir) if args.log_dir else place.log_dir or default_log_dir(args.db)
    about = About(schema_version=schema, data_dir=str(place.data_dir) if place.data_dir else None)
    serving = Serving(
        db=args.db,
        pool=args.pool,
        rate=args.rate,
        threads=args.threads,
        ca_pem=ca_pem,
        write_rate=args.write_rate,
        web_rate=args.web_rate,
        log_file=str((log_dir / LOG_FILE).absolute()),
        log_max_mb=args.log_max_mb,
        metrics_token=place.metrics_token,
        about=about,
    )
    scheme = "http" if args.insecure_http else "https"
    print(
        f"counter-central {about.version} 启动：数据文件夹 {about.data_dir or '（未用）'}，"
        f"数据库 {_without_password(args.db)}"
        f"（{'PostgreSQL' if serving.on_postgres else 'SQLite'}，架构版本 {schema}），"
        f"地址 {scheme}://{args.host}:{args.port}，日志 {serving.log_file}",
        flush=True,
    )
    run_serving(serving, options, args.workers)


INSECURE_WARNING = (
    "警告：--insecure-http 以明文 HTTP 提供服务，设备令牌、证件号码和密码哈希在局域网上"
    "可被窃听或篡改，只可用于实验环境"
)


def _tls_dir(args: argparse.Namespace) -> Path:
    if args.tls_dir:
        return Path(args.tls_dir)
    return _place(args).tls_dir or hall_ca.default_tls_dir(args.db)


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
    _open(args).close()  # the central this folder belongs to, initialised
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
    engine = _open(args)
    if args.device and args.device not in {d.device_id for d in engine.devices()}:
        raise SystemExit(f"没有这台设备：{args.device}（用 counter-central devices 查看）")
    try:
        code = engine.create_enrol_code(_now_ms(), kind, window, args.device, args.history)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    where = f"{window} 号窗口的" if window else ""
    print(f"一次性登记码（24 小时内有效，仅限{where}{kind.label}）：{_for_counters(code, args)}")
    if args.device:
        print(f"此码只能用于重新登记设备 {args.device}，登记后它原来的令牌作废")
    if args.history:
        print(
            "此码允许该设备导入单机期间的办件历史：登记后它先上传这些记录，"
            "中心逐条核对后收下，之后不能再导入"
        )


def devices(args: argparse.Namespace) -> None:
    """Every enrolled device: what it is, where, when last heard from, what was refused."""
    found = _open(args).devices()
    if not found:
        print("还没有登记任何设备")
        return
    print("设备编号\t名称\t类型\t窗口\t状态\t登记时间\t最近联系\t被拒操作")
    for d in found:
        seen = _stamp(d.last_seen) if d.last_seen is not None else "从未"
        state = "已停用" if d.revoked else "正常（导入单机历史中）" if d.importing else "正常"
        print(
            f"{d.device_id}\t{d.name}\t{d.kind.label}\t{d.window or '-'}\t{state}"
            f"\t{_stamp(d.enrolled_at)}\t{seen}\t{d.refused_ops}"
        )


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, HALL_TZ).strftime("%Y-%m-%d %H:%M")


def revoke(args: argparse.Namespace) -> None:
    if not _open(args).revoke(args.device):
        raise SystemExit(f"没有这台设备：{args.device}")
    print(f"已停用设备 {args.device}")


CREATE_STAFF_HELP = (
    "建立人员账号并下发到各窗口。窗口受理员（clerk）和值班长（supervisor）坐窗口受理，"
    "须持证上岗：没有登记上岗证编号和有效期，或证已过期，登录后不能开窗受理"
    "（counter.model.staff 的规则）。因此建立窗口受理员时必须给出 --certificate-no 和 "
    "--certificate-expiry，缺了就不建立；值班长缺证时只提醒（可登录管理，但不能开窗受理）。"
    "在终端中运行时，未给出的上岗证信息和密码会逐项询问。"
)
CLERK_NEEDS_CERTIFICATE = (
    "窗口受理员须登记上岗证编号和有效期才能开窗受理（持证上岗），否则建了账号也无法开窗："
    "请加上 --certificate-no 证书编号 --certificate-expiry YYYY-MM-DD"
)


def _ask(prompt: str) -> str:
    """One answer typed at the terminal; nothing when not run at one (a script)."""
    if not sys.stdin.isatty():
        return ""
    return input(prompt).strip()


def _certificate(args: argparse.Namespace, role: Role) -> tuple[str, date | None]:
    """The certificate a window role needs, from the options or asked for; a clerk
    without one (or with one expired) is refused: she could not open her window."""
    number = (args.certificate_no or "").strip()
    expiry_text = (args.certificate_expiry or "").strip()
    if role in WINDOW_ROLES:
        if not number:
            number = _ask(f"{role.label}的上岗证编号（持证才能开窗受理）：")
        if not expiry_text:
            expiry_text = _ask("上岗证有效期至（YYYY-MM-DD）：")
    expiry = None
    if expiry_text:
        try:
            expiry = date.fromisoformat(expiry_text)
        except ValueError:
            raise CounterError(f"上岗证有效期应写成 YYYY-MM-DD，收到“{expiry_text}”") from None
    if role not in WINDOW_ROLES:
        return number, expiry
    if not number or expiry is None:
        if role is Role.CLERK:
            raise CounterError(CLERK_NEEDS_CERTIFICATE)
        print(
            f"注意：未登记上岗证，{role.label}可以登录，但不能开窗受理"
            "（以后可再用 create-staff --id 同一编号补登）",
            file=sys.stderr,
        )
    elif expiry < datetime.now(HALL_TZ).date():
        message = f"上岗证已于 {expiry.isoformat()} 过期，持此证不能开窗受理"
        if role is Role.CLERK:
            raise CounterError(f"{message}：请给出有效的上岗证")
        print(f"注意：{message}", file=sys.stderr)
    return number, expiry


def _password(args: argparse.Namespace) -> str:
    if args.password:
        return str(args.password)
    first = getpass.getpass("初始密码（至少 8 位）：")
    if sys.stdin.isatty() and getpass.getpass("再输入一次：") != first:
        raise CounterError("两次输入的密码不一致")
    return first


def create_staff(args: argparse.Namespace) -> None:
    role = Role(args.role)
    login = check_login(args.login)
    number, expiry = _certificate(args, role)
    engine = _open(args)  # before the password is asked for: a wrong folder says so first
    password = _password(args)
    row = {
        "id": args.id or str(uuid.uuid4()),
        "login": login,
        "name": args.name,
        "role": role.value,
        "password_hash": hash_password(password),
        "certificate_no": number,
        "certificate_expiry": expiry.isoformat() if expiry is not None else None,
        "active": 1,
    }
    if Role(args.role) in SIGNING_ROLES:
        # The public half of the key her password makes at sign-in: the central's
        # proof, later, that a hall-wide change was hers (counter.model.staff_key).
        row["sign_key"] = derive_key(row["id"], password).public
    engine.publish("staff", row["id"], row, _now_ms())
    print(f"已建立人员 {row['login']}（{row['name']}），将下发到各窗口")


def publish_catalog(args: argparse.Namespace) -> None:
    text = Path(args.file).read_text(encoding="utf-8")
    payload = catalog_payload(text)
    _open(args).publish("catalog", payload["version"], payload, _now_ms())
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
    _open(args).publish("queue_categories", code, row, _now_ms())
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
    engine = _open(args)
    stamp = iso(datetime.now(HALL_TZ))
    for key, value in checked.items():
        engine.publish("hall_settings", key, {"value": value, "updated_at": stamp}, _now_ms())
    print(f"已发布大厅设置 {', '.join(checked)}，将下发到各窗口")


def verify_audit(args: argparse.Namespace) -> None:
    engine = _open(args)
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
    found = hall_report(_open(args), period, DIMENSIONS[args.by], now)
    print(report_text(found, args.format), end="")


def init(args: argparse.Namespace) -> None:
    """The central's data folder, made once: its store (a new SQLite file in it, or the
    PostgreSQL database ``--db`` names, made or adopted as it is) recorded in
    ``central.toml``, which every other command then reads."""
    folder = Path(args.data_dir) if args.data_dir else default_data_dir()
    if (folder / CONFIG_FILE).exists():
        raise CounterError(
            f"{folder.absolute()} 已初始化过（{CONFIG_FILE} 已存在），不再重复初始化；"
            "要换数据库请另建数据文件夹"
        )
    db = args.db or sqlite_url(folder / SQLITE_FILE)
    if db.startswith("sqlite:///"):
        db = sqlite_url(Path(db.removeprefix("sqlite:///")))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # the store holds ID numbers
    engine, found = store_version(db)
    try:
        if found is None:
            engine.migrate()
            done = f"已建立新的中心数据库 {_without_password(db)}（架构版本 {latest()}）"
        elif found > latest():
            raise SchemaTooNew(found, latest())
        else:
            held = describe(found)
            done = f"数据库 {_without_password(db)} 中已有中心数据（架构版本 {held}），未改动"
    finally:
        engine.close()
    old_tls = hall_ca.default_tls_dir(db)
    tls_dir = (
        Path(args.tls_dir)
        if args.tls_dir
        else old_tls
        if (old_tls / hall_ca.CA_CERT).exists()  # a central's CA its windows pinned
        else folder / "tls"
    )
    config = write_place(folder, db, tls_dir)
    (folder / "logs").mkdir(exist_ok=True)
    print(f"已初始化中心数据文件夹 {folder.absolute()}：{done}")
    print(f"配置 {config}，证书 {tls_dir.absolute()}，日志 {(folder / 'logs').absolute()}")
    if found is not None and found < latest():
        print(f"请先备份，再运行 counter-central migrate --data-dir {folder}")
    elif not args.data_dir:
        print("其他命令不加 --data-dir 时都使用此文件夹")


def migrate(args: argparse.Namespace) -> None:
    """The migrations the store lacks, applied in order and each printed; a backup
    first into ``--backup-dir`` if given."""
    engine, found = store_version(args.db)
    try:
        if found is None or found > latest():
            check_schema(found, args.db, _hint(args))  # refuses: nothing there, or newer
        assert found is not None
        if found == latest():
            print(f"中心数据库已是最新架构（版本 {found}），无需迁移")
            return
        if args.backup_dir:
            print(f"迁移前备份：{_backup(args, Path(args.backup_dir))}")
        print(f"中心数据库架构：{describe(found)} → {latest()}")
        engine.migrate(report=lambda step: print(f"  已应用 {step.version}：{step.title}"))
        print(f"迁移完成，架构版本 {engine.schema_version()}")
    finally:
        engine.close()


def _backup(args: argparse.Namespace, directory: Path) -> Path:
    if args.db.startswith(POSTGRES_URLS):
        return backup_postgres(args.db, directory).absolute()
    return backup_sqlite(Path(args.db.removeprefix("sqlite:///")), directory).absolute()


def backup(args: argparse.Namespace) -> None:
    """A consistent copy of the store, taken while the central serves (backup.py). A
    store newer than this code is copied too: a copy reads nothing of its schema, and
    it is the first thing wanted before going back to an older version."""
    engine, found = store_version(args.db)
    engine.close()
    if found is None:
        check_schema(found, args.db)
    path = _backup(args, Path(args.directory))
    print(path)
    if args.db.startswith(POSTGRES_URLS):
        print(
            f"恢复（先停止 serve）：counter-central restore {path}{_hint(args)}\n"
            f"或直接：{' '.join(restore_command(_without_password(args.db), path))}",
            file=sys.stderr,
        )
    else:
        print(f"恢复（先停止 serve）：counter-central restore {path}{_hint(args)}", file=sys.stderr)


def restore(args: argparse.Namespace) -> None:
    """The store's data replaced by a backup's: the central must be stopped first."""
    source = Path(args.file)
    if not args.yes:
        answer = _ask(
            f"将用备份 {source} 替换 {_without_password(args.db)} 中的全部数据。"
            "请先停止 counter-central serve。确认请输入 yes："
        )
        if answer != "yes":
            raise CounterError("未确认，没有恢复（在脚本中运行请加 --yes）")
    if args.db.startswith(POSTGRES_URLS):
        restore_postgres(source, args.db)
    else:
        restore_sqlite(source, Path(args.db.removeprefix("sqlite:///")))
    engine, found = store_version(args.db)
    engine.close()
    print(f"已从 {source} 恢复，架构版本 {describe(found)}")
    if found is not None and found < latest():
        print(f"备份的架构较旧：启动前请运行 counter-central migrate{_hint(args)}")


#: Commands that run on a store not (yet) at this code's version, or on none.
UNCHECKED = frozenset({"init", "migrate", "backup", "restore"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="counter-central", description="Counter 中心服务")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(
        name: str, func: Callable[[argparse.Namespace], None], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--data-dir",
            help="中心数据文件夹（counter-central init 建立；默认依次为 $COUNTER_CENTRAL_DATA_DIR、"
            "已初始化的 /var/lib/counter-central、本用户数据目录下的 counter-central）",
        )
        p.add_argument(
            "--db",
            help="直接指明数据库：sqlite:///路径 或 postgresql://…（须已初始化；"
            "init 时为新中心所用的数据库，默认数据文件夹中的 central.db）",
        )
        if name in ("serve", "enrol-code", "tls", "init"):
            p.add_argument(
                "--tls-dir",
                help="大厅 CA 与服务器证书所在目录（默认：SQLite 库文件旁的 tls，"
                "PostgreSQL 为本用户数据目录下的 counter-central/tls）",
            )
        p.set_defaults(func=func)
        return p

    command("init", init, "建立中心数据文件夹（只做一次）：新建或记录数据库，其他命令据此找到它")
    p = command(
        "migrate", migrate, "把中心数据库迁移到本程序的架构版本（先备份），并列出所做的迁移"
    )
    p.add_argument("--backup-dir", help="迁移前先备份到此文件夹")
    p = command(
        "backup", backup, "备份中心数据库（运行中也可）：SQLite 在线备份，PostgreSQL 用 pg_dump"
    )
    p.add_argument("directory", metavar="DIR", help="备份文件所在文件夹（文件名带时间）")
    p = command("restore", restore, "用备份替换中心数据库的全部数据（先停止 serve）")
    p.add_argument("file", metavar="FILE", help="counter-central backup 得到的文件")
    p.add_argument("--yes", action="store_true", help="不再询问确认（脚本中使用）")
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
        "--log-max-mb",
        type=int,
        default=LOG_MAX_MB,
        help="每个日志文件写到这么多 MB 后轮换，保留 5 个旧文件（默认 %(default)s）",
    )
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
    p.add_argument(
        "--web-rate",
        type=float,
        default=WEB_RATE,
        help="公开网页（办件进度查询等）每个来源地址每秒最多提交次数，默认 %(default)s",
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
    p.add_argument(
        "--history",
        action="store_true",
        help="允许导入该设备单机期间的办件历史（仅新登记的窗口或笔记本）",
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
    p.description = CREATE_STAFF_HELP
    p.add_argument("--login", required=True, help="登录名（小写字母、数字、._-，2–32 位）")
    p.add_argument("--name", required=True, help="姓名")
    p.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role],
        help="clerk 窗口受理员、specialist 帮代办专员、supervisor 值班长、admin 系统管理员",
    )
    p.add_argument("--password", help="初始密码（至少 8 位；不给则询问，不留在命令历史里）")
    p.add_argument("--id", help="人员编号（默认新生成；给出已有编号则更新该人员）")
    p.add_argument(
        "--certificate-no",
        default="",
        help="上岗证编号：窗口受理员必填，值班长应填（持证才能开窗受理）",
    )
    p.add_argument(
        "--certificate-expiry",
        metavar="YYYY-MM-DD",
        help="上岗证有效期至：与 --certificate-no 一起给出，过期后不能开窗受理",
    )
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
    try:
        _main(args)
    except CounterError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _main(args: argparse.Namespace) -> None:
    args.explicit_db = bool(args.db)
    if args.command != "init":
        # Which central: the data folder's, or --db's; refused where none was made.
        args.place = resolve(args.db, args.data_dir)
        args.db = args.place.db
    if args.command == "serve" and bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("--tls-cert 与 --tls-key 须同时给出")
    if args.command == "serve" and args.tls_ca and not args.tls_cert:
        raise SystemExit("--tls-ca 须与 --tls-cert、--tls-key 一起给出")
    if args.command == "serve" and args.insecure_http and (args.tls_cert or args.tls_name):
        raise SystemExit("--insecure-http 不能与 --tls-cert、--tls-name 同时给出")
    if args.command == "serve" and args.log_max_mb < 1:
        raise SystemExit("--log-max-mb 至少为 1")
    if args.command == "serve" and args.workers != 1:
        if args.workers < 1:
            raise SystemExit("--workers 至少为 1")
        if not args.db.startswith(POSTGRES_URLS):
            raise SystemExit("--workers 大于 1 须用 PostgreSQL：SQLite 中心库只由一个进程读写")
    args.func(args)


if __name__ == "__main__":
    main()
