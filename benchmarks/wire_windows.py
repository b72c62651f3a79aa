"""Windows that exist only on the wire: the central's load from the rest of the hall.

In a hall every window is its own PC; on this benchmark's one machine, twenty window
processes would also take the central's CPU for their own work (each spends as much
CPU on a call as the central does), and the latency measured would be mostly the
windows queueing for the same two cores. So the hall's other windows are played here
by one process of light clients: one keep-alive connection each, the protocol's own
request bodies (checked by its pydantic models), a few hundred microseconds of CPU a
call. The central and its database do the same work for them as for a real window.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from counter.model.clock import iso
from counter.sync.queue_protocol import ActParams, ActRequest, CallNextRequest

#: What one window measured: call-next latencies and the tickets it served, per phase.
Phases = dict[str, tuple[list[float], list[str]]]


class WireWindow:
    """One window's HTTP/1.1 connection to the central, spoken directly."""

    def __init__(
        self, base: str, token: str, number: str, codes: list[str], interleave: int, now: datetime
    ) -> None:
        address = urlsplit(base)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.number = number
        self._head = (
            f"Host: {address.netloc}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n"
        )
        who = {"window": number, "staff_id": f"s{number}", "staff_name": f"窗口{number}",
               "at": iso(now)}  # fmt: skip
        self._call = CallNextRequest(**who, codes=codes, interleave=interleave)
        self._finish = ActRequest(**who, ticket_id=f"{now:%Y%m%d}-A001", action="finish",
                                  params=ActParams(services=["咨询"]))  # fmt: skip
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()

    async def _post(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if self._reader is None or self._reader.at_eof():  # the central closed an idle one
            await self.close()
            await self.open()
        assert self._reader is not None and self._writer is not None
        self._writer.write(
            f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = (await self._reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        length = next(
            int(h.split(":", 1)[1]) for h in head if h.lower().startswith("content-length:")
        )
        return status, json.loads(await self._reader.readexactly(length))

    async def serve_one(self, latencies: list[float], served: list[str]) -> bool:
        """Call next and finish the ticket; False once nobody is waiting."""
        start = time.perf_counter()
        status, body = await self._post(
            "/v1/queue/call-next", self._call.model_dump_json().encode()
        )
        if status == 404:
            return False
        if status != 200:
            raise RuntimeError(f"call next at window {self.number}: {status} {body}")
        latencies.append(time.perf_counter() - start)
        ticket_id = body["ticket"]["id"]
        finish = self._finish.model_copy(update={"ticket_id": ticket_id})
        status, body = await self._post("/v1/queue/act", finish.model_dump_json().encode())
        if status != 200:
            raise RuntimeError(f"finish at window {self.number}: {status} {body}")
        served.append(ticket_id)
        return True


async def _play(
    windows: list[WireWindow], rounds: int, pause: float, together: Any
) -> tuple[dict[str, Phases], float]:
    phases: dict[str, Phases] = {
        w.number: {"warm-up": ([], []), "together": ([], []), "busy": ([], []), "flat": ([], [])}
        for w in windows
    }

    async def each(phase: str, run: Any) -> None:
        await asyncio.gather(*(run(w, *phases[w.number][phase]) for w in windows))

    async def once(w: WireWindow, latencies: list[float], served: list[str]) -> None:
        await w.serve_one(latencies, served)

    async def busy(w: WireWindow, latencies: list[float], served: list[str]) -> None:
        rng = random.Random(w.number)
        for _ in range(rounds):
            await asyncio.sleep(rng.expovariate(1 / pause))
            await w.serve_one(latencies, served)

    async def flat(w: WireWindow, latencies: list[float], served: list[str]) -> None:
        while await w.serve_one(latencies, served):
            pass

    together.wait()  # nothing else runs here meanwhile: blocking the loop is fine
    await each("warm-up", once)
    for _ in range(rounds):
        together.wait()
        await each("together", once)
        together.wait()
    await each("busy", busy)
    together.wait()
    started = time.perf_counter()
    await each("flat", flat)
    for w in windows:
        await w.close()
    return phases, started


def wire_windows(
    base: str,
    tokens: dict[str, str],
    numbers: list[str],
    codes: list[str],
    interleave: int,
    now: datetime,
    rounds: int,
    pause: float,
    together: Any,
    results: Any,
) -> None:
    """The process for the hall's other windows: the same three phases as a real
    window's, in step with them through ``together``; one result per window."""
    windows = [WireWindow(base, tokens[n], n, codes, interleave, now) for n in numbers]
    phases, started = asyncio.run(_play(windows, rounds, pause, together))
    ended = time.perf_counter()
    for number, phase in phases.items():
        results.put((number, phase, started, ended))
