"""The central out of reach and a printer that failed are CounterErrors with a Chinese
message, met where they happen (the transport, the clients, the printers), while the
technical detail the clients log and retry on stays what it was (issue 26)."""

from __future__ import annotations

import socket

import pytest

from counter.model.errors import CounterError, FaultError, NetworkError
from counter.services.central_queue import CentralUnavailable
from counter.services.printers import PrinterError
from counter.sync.client import SyncOffline
from counter.sync.transport import HttpTransport, TransportError


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_central_that_refuses_the_connection_is_a_network_error_in_chinese() -> None:
    transport = HttpTransport(f"http://127.0.0.1:{closed_port()}", timeout=2.0)
    try:
        with pytest.raises(TransportError) as caught:
            transport.request("GET", "/v1/health")
    finally:
        transport.close()
    error = caught.value
    assert isinstance(error, NetworkError) and isinstance(error, CounterError)
    assert error.message.startswith("连不上中心（")
    assert "本机数据已保存" in error.message
    assert "连不上" not in str(error)  # the detail the clients log, as before


@pytest.mark.parametrize("kind", [SyncOffline, CentralUnavailable, TransportError])
def test_every_no_answer_from_the_central_is_one_network_error(kind: type[Exception]) -> None:
    error = kind("connection refused")
    assert isinstance(error, NetworkError)
    assert str(error) == "connection refused"  # what the sync status and the queue log
    assert error.message == (
        "连不上中心（connection refused），请检查网络；本机数据已保存，恢复后自动同步"
    )


def test_a_printer_failure_is_a_fault_with_the_printer_s_own_message() -> None:
    error = PrinterError("小票打印机缺纸：请装纸，装好后自动续打")
    assert isinstance(error, FaultError)
    assert error.message == "小票打印机缺纸：请装纸，装好后自动续打"
