"""Guessing a password is slowed: a login is refused for a while after five wrong tries.

Each login counts its wrong tries in a row, an unknown login as well, so guessing
logins is slowed alike and the answer never tells whether a login exists. From the
fifth, the login is refused, the right password too, for a delay that doubles with
each further failure: 1, 2, 4, 8 … minutes, at most an hour. Tries while it is refused
are not counted (they are not checked at all). Signing in resets the count; so does the
duty supervisor (值班长解锁). The time is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError

#: Wrong tries in a row before a login is refused for a while.
FREE_TRIES = 5
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)


def delay_after(failures: int) -> timedelta:
    """How long a login is refused after ``failures`` wrong tries in a row."""
    if failures < FREE_TRIES:
        return timedelta(0)
    doublings = min(failures - FREE_TRIES, 6)  # 64 minutes is past the cap already
    return min(FIRST_DELAY * (1 << doublings), MAX_DELAY)


@dataclass(frozen=True)
class Failures:
    """A login's wrong tries in a row, and when the last one was."""

    login: str
    count: int = 0
    last_at: datetime | None = None

    @property
    def locked_until(self) -> datetime | None:
        """Until when the login is refused, whatever password is typed (None below
        five wrong tries in a row; a time past is a refusal over)."""
        if self.last_at is None or self.count < FREE_TRIES:
            return None
        return self.last_at + delay_after(self.count)

    def after_failure(self, now: datetime) -> Failures:
        return Failures(self.login, self.count + 1, now)


class SignInLockedError(NotAllowedError):
    """The login is refused until ``until``: worded the same for a login that does not
    exist, so the refusal tells a guesser nothing."""

    def __init__(self, until: datetime) -> None:
        shown = until.astimezone(HALL_TZ) if until.tzinfo else until
        super().__init__(
            f"登录失败次数过多，该工号暂停登录至 {shown:%H:%M:%S}，请稍后再试，或请值班长解锁"
        )
        self.until = until
