"""A fake ESC/POS printer on 127.0.0.1: a real socket server in a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FakePrinter:
    """Accepts connections and keeps what each one sent; answers the paper-status query.

    ``paper_out`` makes it report an empty roll; ``deaf`` makes it accept and never
    read, as a jammed printer does, so a sender's timeout fires.
    """

    def __init__(self, *, paper_out: bool = False, deaf: bool = False, port: int = 0) -> None:
        self.paper_out = paper_out
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
            if data.endswith(b"\x10\x04\x04") and len(data) == 3:
                conn.sendall(b"\x72" if self.paper_out else b"\x12")
                if self.paper_out:
                    break
        return bytes(data)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(6)
        self.server.close()


@contextmanager
def fake_printer(
    *, paper_out: bool = False, deaf: bool = False, port: int = 0
) -> Iterator[FakePrinter]:
    printer = FakePrinter(paper_out=paper_out, deaf=deaf, port=port)
    try:
        yield printer
    finally:
        printer.close()


def free_port() -> int:
    """A port nobody listens on (bound, then released): connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
