"""A fake ESC/POS printer on 127.0.0.1: a real socket server in a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FakePrinter:
    """Accepts connections and keeps what each one sent; answers the DLE EOT status queries.

    ``paper_out``, ``cover_open``, ``near_end`` and ``error`` set what it reports, as an
    Epson-compatible printer does (status bytes in :func:`status_answer`); ``silent``
    makes it never answer a query (many cheap printers); ``deaf`` makes it accept and
    never read, as a jammed printer does, so a sender's timeout fires.
    """

    def __init__(
        self,
        *,
        paper_out: bool = False,
        deaf: bool = False,
        port: int = 0,
        cover_open: bool = False,
        near_end: bool = False,
        error: bool = False,
        silent: bool = False,
    ) -> None:
        self.paper_out = paper_out
        self.cover_open = cover_open
        self.near_end = near_end
        self.error = error
        self.silent = silent
        self.deaf = deaf
        self.jobs: list[bytes] = []
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def target(self) -> str:
        return f"escpos-net:127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            with conn:
                if self.deaf:
                    self._stop.wait(5)
                    continue
                self.jobs.append(self._receive(conn))

    def _receive(self, conn: socket.socket) -> bytes:
        data = bytearray()
        conn.settimeout(2)
        while True:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            answer = None if self.silent else self.status_answer(chunk)
            if answer is not None:
                conn.sendall(answer)
        return bytes(data)

    def status_answer(self, query: bytes) -> bytes | None:
        """The byte a printer in this state sends for ``DLE EOT n`` (n = 1…4)."""
        if len(query) != 3 or not query.startswith(b"\x10\x04"):
            return None
        byte = 0x12  # bits 1 and 4 always set
        if query[2] == 2:  # offline cause
            byte |= 0x04 if self.cover_open else 0
            byte |= 0x20 if self.paper_out else 0
            byte |= 0x40 if self.error else 0
        elif query[2] == 4:  # roll paper sensor
            byte |= 0x0C if self.near_end or self.paper_out else 0
            byte |= 0x60 if self.paper_out else 0
        elif query[2] == 1:
            byte |= 0x08 if self.cover_open or self.paper_out or self.error else 0
        return bytes([byte])

    def close(self) -> None:
        self._stop.set()
        self.thread.join(6)
        self.server.close()


@contextmanager
def fake_printer(
    *,
    paper_out: bool = False,
    deaf: bool = False,
    port: int = 0,
    cover_open: bool = False,
    near_end: bool = False,
    error: bool = False,
    silent: bool = False,
) -> Iterator[FakePrinter]:
    printer = FakePrinter(
        paper_out=paper_out, deaf=deaf, port=port, cover_open=cover_open,
        near_end=near_end, error=error, silent=silent,
    )  # fmt: skip
    try:
        yield printer
    finally:
        printer.close()


def free_port() -> int:
    """A port nobody listens on (bound, then released): connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
