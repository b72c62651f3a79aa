"""``GET /metrics``: the central's counts for Prometheus (``prometheus-client``).

What is counted: requests and their latency by route (the route's template, so a
thousand ticket numbers make one series, not a thousand), ops pushed (acked or
refused, the refusals by code), changes pulled, and, read from the database at each
scrape, how many tickets wait in each category today. No personal data: counts only.

Who may read it: counts still say how busy the hall is and which windows are used, so
``/metrics`` answers a request from this machine (loopback) and, from elsewhere, only
one with ``Authorization: Bearer <token>`` where the token is set in the data folder's
``central.toml`` (``metrics_token``) or ``$COUNTER_CENTRAL_METRICS_TOKEN``. Anyone else
gets 403. It is left out of the published API schema.

Several serving processes (PostgreSQL, ``--workers`` > 1, and the copying process) each
count their own requests: ``serve`` then runs prometheus-client's multiprocess mode,
each process writing its counts to files in a folder of its own
(``PROMETHEUS_MULTIPROC_DIR``, made at start and removed at stop), and a scrape,
whichever process takes it, adds them all up. The queue's lengths come from the
database and are the same whoever answers.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from counter.central.engine import Engine
from counter.model.clock import HALL_TZ

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
#: Up to a long poll's 25 s: a push or a queue action takes milliseconds, a board's
#: event stream waits its full poll.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class CentralMetrics:
    """One app's counters, in a registry of its own (several apps live in one test
    process; each counts alone)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "counter_central_requests",
            "Requests answered, by route template, method and HTTP status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "counter_central_request_seconds",
            "Time from a request's arrival to the end of its answer, by route",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.pushed_ops = Counter(
            "counter_central_pushed_ops",
            "Ops counters pushed, by outcome (acked: applied or already held; refused)",
            ["outcome"],
            registry=self.registry,
        )
        self.refused_ops = Counter(
            "counter_central_refused_ops",
            "Ops refused, by error code (a whole batch refused counts once, by its code)",
            ["code"],
            registry=self.registry,
        )
        self.pulled_changes = Counter(
            "counter_central_pulled_changes",
            "Change-log rows sent to devices in pull pages",
            registry=self.registry,
        )
        self.pulls = Counter(
            "counter_central_pull_pages", "Pull pages answered", registry=self.registry
        )

    def pushed(self, acked: int, refused_codes: Iterable[str]) -> None:
        self.pushed_ops.labels("acked").inc(acked)
        for code in refused_codes:
            self.pushed_ops.labels("refused").inc()
            self.refused_ops.labels(code).inc()

    def batch_refused(self, code: str, ops: int) -> None:
        """A push refused whole (409): its ops were not applied."""
        self.pushed_ops.labels("refused").inc(ops)
        self.refused_ops.labels(code).inc()

    def pulled(self, changes: int) -> None:
        self.pulls.inc()
        self.pulled_changes.inc(changes)

    def middleware(self, app: Asgi) -> Asgi:
        """Count and time every HTTP request, by the template of the route it matched
        (Starlette puts it in the scope as it routes); plain ASGI, a few microseconds a
        request, and a long poll's stream passes through untouched."""
        requests, latency = self.requests, self.latency

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            start = time.perf_counter()
            status = 500

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                method = str(scope.get("method", ""))
                requests.labels(route, method, str(status)).inc()
                latency.labels(route, method).observe(time.perf_counter() - start)

        return counted

    def exposition(self, engine: Engine, about: dict[str, str]) -> bytes:
        """The text a scrape gets: this process's counts, or every serving process's
        in multiprocess mode, and the queue read now from the database."""
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = CollectorRegistry()
            registry.register(_Forward(self.registry))
        registry.register(QueueCollector(engine, about))
        return generate_latest(registry)


CONTENT_TYPE = CONTENT_TYPE_LATEST


class _Forward(Collector):
    """This app's own registry, collected as part of the scrape's."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        return self._registry.collect()


class QueueCollector(Collector):
    """Read at each scrape: how many tickets wait today in each category (the counts
    the queue keeps, table ``queue_waiting``), and what this central is."""

    def __init__(self, engine: Engine, about: dict[str, str]) -> None:
        self._engine = engine
        self._about = about

    def collect(self) -> Iterable[Metric]:
        info = InfoMetricFamily("counter_central", "The central's version and schema version")
        info.add_metric([], self._about)
        yield info
        waiting = GaugeMetricFamily(
            "counter_central_queue_waiting",
            "Tickets waiting today, by category",
            labels=["category"],
        )
        today = datetime.now(HALL_TZ).date().isoformat()
        for category, count in self._engine.query(
            "SELECT category, sum(waiting) FROM queue_waiting WHERE day = ?"
            " GROUP BY category ORDER BY category",
            [today],
        ):
            waiting.add_metric([str(category)], float(count or 0))
        yield waiting


def may_read(client_host: str | None, authorization: str, token: str | None) -> bool:
    """Loopback, or the configured bearer token (compared in constant time)."""
    if client_host in LOOPBACK:
        return True
    if not token:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
