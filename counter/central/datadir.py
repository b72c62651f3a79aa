"""Where a central's data lives, so every ``counter-central`` command finds the same one.

``counter-central init`` makes a data folder once: ``central.toml`` in it records the
store (a SQLite file in the folder, or the PostgreSQL address given), and the folder
holds ``logs/`` and, for a new central, ``tls/``. Every other command reads the store
from that file and refuses a folder without it: before, a command run from another
folder silently made a new ``central.db`` there and handed out enrol codes the
running central did not know.

Which folder, first found: ``--data-dir``; ``$COUNTER_CENTRAL_DATA_DIR``;
``/var/lib/counter-central`` if it has been initialised (the system service's folder,
so an administrator's command agrees with the running service); else the user's data
folder (``~/.local/share/counter-central`` on Linux). ``--db`` alone still names a
store directly, which must have been initialised too.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from counter.central.migrations import NotInitialised

CONFIG_FILE = "central.toml"
SQLITE_FILE = "central.db"
SYSTEM_DATA_DIR = Path("/var/lib/counter-central")
ENV_DATA_DIR = "COUNTER_CENTRAL_DATA_DIR"
#: A bearer token that lets a Prometheus elsewhere than this machine read ``/metrics``.
ENV_METRICS_TOKEN = "COUNTER_CENTRAL_METRICS_TOKEN"


@dataclass(frozen=True)
class Place:
    """A central's store and, when it has one, its data folder."""

    db: str
    data_dir: Path | None = None
    #: Recorded at ``init`` (a CA already beside an adopted SQLite file is kept there);
    #: None: the default for the store (counter.central.hall_ca.default_tls_dir).
    tls_dir: Path | None = None
    metrics_token: str | None = None

    @property
    def log_dir(self) -> Path | None:
        return self.data_dir / "logs" if self.data_dir is not None else None


def default_data_dir() -> Path:
    """The folder a command uses when none is named (see the module's docstring)."""
    named = os.environ.get(ENV_DATA_DIR)
    if named:
        return Path(named)
    try:
        if (SYSTEM_DATA_DIR / CONFIG_FILE).exists():
            return SYSTEM_DATA_DIR
    except PermissionError:
        raise NotInitialised(
            f"无权读取中心数据文件夹 {SYSTEM_DATA_DIR}：请以中心服务的用户运行"
            "（如 sudo -u counter-central counter-central …），或用 --data-dir 指明"
        ) from None
    return platformdirs.user_data_path("counter-central", appauthor=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.absolute()}"


def read_place(data_dir: Path) -> Place:
    """The central recorded in ``data_dir``; :class:`NotInitialised` if none is."""
    config = data_dir / CONFIG_FILE
    try:
        text = config.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotInitialised(
            f"{data_dir.absolute()} 不是已初始化的中心数据文件夹（其中没有 {CONFIG_FILE}）。"
            f"新建中心请先运行 counter-central init --data-dir {data_dir}；"
            "已有中心请用 --data-dir 指明它的数据文件夹（或用 --db 指明数据库）"
        ) from None
    except PermissionError:
        raise NotInitialised(f"无权读取 {config}：请以中心服务的用户运行") from None
    try:
        values = tomllib.loads(text)
        db = str(values["db"])
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise NotInitialised(f'{config} 无法读取（{exc}）：应含一行 db = "…"') from None
    tls = values.get("tls_dir")
    token = values.get("metrics_token")
    return Place(
        db=db,
        data_dir=data_dir.absolute(),
        tls_dir=Path(tls) if tls else None,
        metrics_token=str(token) if token else None,
    )


def write_place(data_dir: Path, db: str, tls_dir: Path | None) -> Path:
    """``central.toml``, readable by its owner only: a PostgreSQL address may carry a
    password. Values are written as JSON strings, which TOML reads the same."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / CONFIG_FILE
    lines = [
        "# counter-central 的数据文件夹（由 counter-central init 建立；勿随意修改）",
        f"db = {json.dumps(db)}",
    ]
    if tls_dir is not None:
        lines.append(f"tls_dir = {json.dumps(str(tls_dir.absolute()))}")
    lines.append(
        f'# metrics_token = "…"  # 本机以外的 Prometheus 读 /metrics 用（或 {ENV_METRICS_TOKEN}）'
    )
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return config


def resolve(db: str | None, data_dir: str | None) -> Place:
    """The central a command works on: ``--db`` alone names the store itself; else the
    data folder's ``central.toml`` says (``--db`` with ``--data-dir`` must agree)."""
    if db and not data_dir:
        return Place(db=db, metrics_token=os.environ.get(ENV_METRICS_TOKEN) or None)
    folder = Path(data_dir) if data_dir else default_data_dir()
    place = read_place(folder)
    if db and db != place.db:
        raise NotInitialised(
            f"--db 与数据文件夹 {folder} 记录的数据库不同：只给其中一个，"
            f"或修改 {folder / CONFIG_FILE}"
        )
    token = os.environ.get(ENV_METRICS_TOKEN) or place.metrics_token
    return Place(place.db, place.data_dir, place.tls_dir, token)
