"""Talking HTTP to the central, and a transport that misbehaves on purpose for tests.

A transport answers ``(status, body)`` or raises :class:`TransportError` when nothing
came back; whether to retry is the client's decision, made from the status. ``headers``
are sent beside the transport's own: the queue's ``Idempotency-Key``
(counter.sync.queue_protocol), which lets a counter resend an action safely.
"""

from __future__ import annotations

import functools
import json
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from counter.model.errors import NetworkError

if TYPE_CHECKING:
    import httpx


class TransportError(NetworkError):
    """No answer: connection refused, reset, timed out, or the answer was lost.

    A :class:`~counter.model.errors.NetworkError`, so one that reaches a page is shown
    to the clerk in Chinese; ``str()`` stays httpx's detail, which the clients log."""


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]


class Transport(Protocol):
    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response: ...


@functools.cache
def _public_ca_context() -> ssl.SSLContext:
    """Made once per process: it reads the whole public CA bundle, 55 ms of CPU, and
    the sync agent and the queue panel's reader each make a client every few seconds
    (0.9 ms with this made once)."""
    import httpx

    return httpx.create_ssl_context()


#: Said when the central's certificate fails the check against the pinned CA: a network
#: fault would not explain it, an impostor or a central given another CA would.
NOT_TRUSTED = (
    "中心证书未通过核验（不是登记时核对的中心 CA 签发的，"
    "或不含所用地址：可在中心用 counter-central tls --name 地址 加上）"
)


def describe(exc: BaseException) -> str:
    """The error's text; a failed certificate check says so first, in words."""
    text = str(exc) or type(exc).__name__
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"{NOT_TRUSTED}：{text}"
        cause = cause.__cause__ or cause.__context__
    return text


class HttpTransport:
    """Bearer device token over HTTP(S); one keep-alive connection."""

    def __init__(
        self,
        base_url: str,
        token: str = "",
        *,
        timeout: float = 30.0,
        verify: bool | str | ssl.SSLContext = True,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if isinstance(verify, str):  # a hall's own CA or self-signed certificate file
            verify = ssl.create_default_context(cafile=verify)
        self._verify = verify
        self._options: dict[str, Any] = {
            "base_url": base_url,
            "headers": headers,
            "timeout": timeout,
        }
        self._client: httpx.Client | None = None

    def _open(self) -> httpx.Client:
        """httpx is imported and the client made at the first request, which the sync
        agent makes off the GUI thread: a tenth of a second less before the window."""
        import httpx

        if self._client is None:
            verify = _public_ca_context() if self._verify is True else self._verify
            self._client = httpx.Client(**self._options, verify=verify)
        return self._client

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        content = None
        sent = dict(headers or {})
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json"
        import httpx

        client = self._open()
        try:
            answer = client.request(
                method, path, content=content, params=params, headers=sent or None
            )
        except httpx.HTTPError as exc:
            raise TransportError(describe(exc)) from exc
        try:
            data = answer.json()
        except ValueError:
            data = {"reason": answer.text[:500]}
        return Response(answer.status_code, data if isinstance(data, dict) else {"body": data})

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


FAULTS = ("drop_request", "drop_response", "duplicate", "reorder", "delay")


@dataclass
class FaultyTransport:
    """Wraps a real transport and applies one planned fault per request, in order.

    ``drop_request`` never sends; ``drop_response`` lets the central commit and loses
    the answer; ``duplicate`` sends twice; ``reorder`` holds the request back and
    delivers it after the next one (a stale request arriving late); ``delay`` waits
    first. ``None`` in the plan means a clean request.
    """

    inner: Transport
    plan: list[str | None] = field(default_factory=list)
    delay_s: float = 0.2
    log: list[str] = field(default_factory=list)
    _held: tuple[str, str, Any, dict[str, Any] | None, Mapping[str, str] | None] | None = None

    def extend(self, faults: Iterable[str | None]) -> None:
        self.plan.extend(faults)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        fault = self.plan.pop(0) if self.plan else None
        self.log.append(f"{fault or 'clean'} {method} {path}")
        held, self._held = self._held, None
        # Passed on only when given: the sync client's scripted transports take none.
        extra: dict[str, Any] = {} if headers is None else {"headers": headers}
        try:
            if fault == "drop_request":
                raise TransportError("injected: request dropped")
            if fault == "reorder":
                self._held = (method, path, body, params, headers)
                raise TransportError("injected: request held back")
            if fault == "delay":
                time.sleep(self.delay_s)
            answer = self.inner.request(method, path, body=body, params=params, **extra)
            if fault == "duplicate":
                answer = self.inner.request(method, path, body=body, params=params, **extra)
            if fault == "drop_response":
                raise TransportError("injected: response dropped after the central committed")
            return answer
        finally:
            if held is not None:
                method_, path_, body_, params_, headers_ = held
                late: dict[str, Any] = {} if headers_ is None else {"headers": headers_}
                self.inner.request(method_, path_, body=body_, params=params_, **late)
