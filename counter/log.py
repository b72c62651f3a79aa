"""One named logger per subsystem, so a hall's IT can turn up one part's detail; and
where the log goes: stderr, and a rotating file that is still there when IT comes to
look at what happened at a window yesterday.

Nobody at a window reads stderr: a fault that only printed a traceback there was a
fault nobody heard of (issue 26). The file keeps five old files of 2 MB beside the
current one, so a counter's disk never fills with its own log.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

store = logging.getLogger("counter.store")
sync = logging.getLogger("counter.sync")
printing = logging.getLogger("counter.printing")
queue = logging.getLogger("counter.queue")
intake = logging.getLogger("counter.intake")
ui = logging.getLogger("counter.ui")
audit = logging.getLogger("counter.audit")

#: The platform folders' application name (as counter.store.paths names them).
APP = "counter"
LOG_FILE = "counter.log"
FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
#: Logs name staff, case numbers and windows: the folder is the owner's alone on POSIX.
PRIVATE_DIR = 0o700


def to_stderr(verbose: bool = False) -> None:
    """The console, as before: INFO (DEBUG with ``--verbose``) for whoever started it."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=FORMAT)


def rotating_handler(
    path: Path | str, fmt: str = FORMAT, max_bytes: int = MAX_BYTES
) -> RotatingFileHandler:
    """A handler that writes ``path`` and keeps :data:`BACKUPS` old files of
    ``max_bytes``; its folder is made (owner-only) if missing."""
    path = Path(path)
    _make_private_dirs(path.parent)
    handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(fmt))
    return handler


def _make_private_dirs(folder: Path) -> None:
    """``folder`` and every missing parent, owner-only. The log is set up before the
    store is opened, often in the store's own folder: made here with the default mode,
    that folder would stay readable by others, since the store leaves a folder that
    exists alone (counter.store.paths.make_private_dir does the same for its own)."""
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for part in reversed(missing):
        part.mkdir(mode=PRIVATE_DIR, exist_ok=True)


def to_file(
    folder: Path,
    name: str = LOG_FILE,
    *,
    level: str = "INFO",
    max_bytes: int = MAX_BYTES,
) -> RotatingFileHandler:
    """Send the process's log records (the root logger's) at ``level`` and above to a
    rotating file in ``folder`` too, beside stderr; the station's ``log_level`` and
    ``log_max_mb`` settings give the two. Asked twice for the same file, the handler
    already there is returned: two handlers on one file would each rotate it."""
    path = (Path(folder) / name).absolute()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and handler.baseFilename == str(path):
            return handler
    handler = rotating_handler(path, max_bytes=max_bytes)
    handler.setLevel(level)
    root.addHandler(handler)
    wanted = min(logging.getLevelName(level), logging.INFO)
    if root.level == logging.NOTSET or root.level > wanted:
        root.setLevel(wanted)
    return handler


def desktop_log_dir(data_folder: Path) -> Path:
    """Where the desktop program logs: ``COUNTER_LOG_DIR`` if set; the platform's log
    folder when the store is in the platform's data folder; otherwise ``logs`` beside
    the store. A store put elsewhere (``--data-dir``, ``COUNTER_DATA_DIR``, the settings
    file: a demo in /tmp, a test's folder, a USB stick) keeps its log with it, so the
    log always speaks of the data next to it."""
    chosen = os.environ.get("COUNTER_LOG_DIR")
    if chosen:
        return Path(chosen).expanduser()
    platform_data = Path(platformdirs.user_data_dir(APP, appauthor=False))
    if Path(data_folder).expanduser().absolute() == platform_data.absolute():
        return Path(platformdirs.user_log_dir(APP, appauthor=False))
    return Path(data_folder).expanduser() / "logs"
