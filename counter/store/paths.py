"""Where Counter keeps its files: the platform's folders unless told otherwise.

The store, its backups and the settings file hold applicants' ID and phone numbers,
staff password hashes and the device token, so on POSIX they are created readable by
their owner only (files 0600, the folders Counter creates 0700), and a file left
looser by an older Counter is tightened when it is opened. Windows keeps its own ACLs
on the user's profile folders; nothing is changed there.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from counter.log import store as log

APP = "counter"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
POSIX = os.name == "posix"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir`` first, then ``COUNTER_DATA_DIR``, then the platform's user data folder.

    Always absolute: a relative ``--data-dir data`` is taken from the folder Counter was
    started in, once, here (SQLite's read-only URIs need an absolute path; a relative
    one crashed the second start, when the store existed to be inspected)."""
    chosen = override or os.environ.get("COUNTER_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser().absolute()
    return Path(platformdirs.user_data_dir(APP, appauthor=False)).absolute()


def read_only_uri(path: str | os.PathLike[str]) -> str:
    """The ``file:`` URI that opens ``path`` read only with ``sqlite3.connect(..., uri=True)``;
    a relative path is taken from the current folder (``Path.as_uri`` refuses one)."""
    return f"{Path(path).absolute().as_uri()}?mode=ro"


def config_file() -> Path:
    """``COUNTER_CONFIG`` or ``settings.toml`` in the platform's user config folder."""
    chosen = os.environ.get("COUNTER_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "settings.toml"


def _chmod(path: Path, mode: int) -> bool:
    """A failed chmod (a FAT-formatted USB stick, a file owned by someone else) is
    logged, not fatal: the copy or the store is still wanted."""
    try:
        os.chmod(path, mode)
    except OSError as exc:
        log.warning("could not restrict the permissions of %s to %o: %s", path, mode, exc)
        return False
    return True


def make_private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents 0700; folders that exist are left alone."""
    path = Path(path)
    missing: list[Path] = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue
        if POSIX:
            _chmod(folder, PRIVATE_DIR)  # the umask may have taken bits off
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)  # raises the usual error (a file there)
    return path


def open_private(path: Path, flags: int = os.O_WRONLY) -> int:
    """Create ``path`` 0600 before anything is written to it (fails if it exists);
    returns the open file descriptor."""
    fd = os.open(path, flags | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE)
    if POSIX:
        try:
            os.fchmod(fd, PRIVATE_FILE)  # exact, whatever the umask
        except OSError as exc:
            log.warning("could not restrict the permissions of %s to 600: %s", path, exc)
    return fd


def create_private_file(path: Path) -> bool:
    """An empty file 0600 at ``path`` unless one is there; True if it was created.

    SQLite keeps the mode of a file it is given and creates the ``-wal``/``-shm`` and
    journal files with the same mode, so a store created this way stays private.
    """
    try:
        fd = open_private(Path(path))
    except FileExistsError:
        return False
    os.close(fd)
    return True


def tighten(path: Path) -> bool:
    """Take group and other bits off an existing file; True if it had to be tightened."""
    path = Path(path)
    if not POSIX:
        return False
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return False
    if not mode & 0o077:
        return False
    tightened = mode & ~0o077
    if _chmod(path, tightened):
        log.warning("%s was readable by other users (%o); tightened to %o", path, mode, tightened)
        return True
    return False
