"""The hall's time zone and the hybrid logical clock that orders every device's writes.

Nothing here reads the clock: the moment is always passed in, so tests fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

HALL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def iso(moment: datetime) -> str:
    """Store times as ISO-8601 with their offset, in the hall's zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass times with the hall's zone")
    return moment.astimezone(HALL_TZ).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def parse_optional(text: str | None) -> datetime | None:
    """A stored time that may be empty (a ticket not yet called)."""
    return parse_iso(text) if text else None


def iso_optional(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


@dataclass(frozen=True, order=True, slots=True)
class Hlc:
    """A hybrid logical clock reading: wall milliseconds, then a counter for ties.

    Last-writer-wins compares these, so a device whose wall clock steps back still
    orders its own writes correctly.
    """

    wall_ms: int
    counter: int = 0

    def tick(self, now_ms: int) -> Hlc:
        if now_ms > self.wall_ms:
            return Hlc(now_ms, 0)
        return Hlc(self.wall_ms, self.counter + 1)

    def receive(self, other: Hlc, now_ms: int) -> Hlc:
        wall = max(self.wall_ms, other.wall_ms, now_ms)
        if wall == self.wall_ms == other.wall_ms:
            return Hlc(wall, max(self.counter, other.counter) + 1)
        if wall == self.wall_ms:
            return Hlc(wall, self.counter + 1)
        if wall == other.wall_ms:
            return Hlc(wall, other.counter + 1)
        return Hlc(wall, 0)

    def encode(self) -> str:
        """Fixed width, so text order is clock order in SQL."""
        return f"{self.wall_ms:015d}-{self.counter:06d}"

    @classmethod
    def decode(cls, text: str) -> Hlc:
        """A reading, or the clock part of a :func:`version`."""
        wall, _, counter = text.partition("/")[0].partition("-")
        return cls(int(wall), int(counter or 0))


def version(hlc: str, device: str) -> str:
    """The version of a row as last-writer-wins compares it: the clock reading, then the
    device that wrote it. Two devices can read the same clock (same millisecond, same
    counter); without the device the central keeps the first to arrive and each of the
    two counters keeps its own value for ever. Text order is (clock, device) order
    because the encoded clock has a fixed width; a bare reading from before versions
    sorts just below every version of the same reading."""
    return f"{hlc}/{device}"


def version_device(text: str) -> str:
    """Who wrote a version ("" for a bare clock reading from before versions)."""
    return text.partition("/")[2]


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
