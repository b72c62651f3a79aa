"""好差评: five levels, one rating per service, the 7-day default and who may see the rater.

A *service* is what an applicant rates: one ticket served at a window (一次一评) or one
case handed over (一事一评). The counter learns of services from its own store; each
becomes a :class:`RatingRequest` that can be rated once, on the hall's rating pad, by
QR code or by hotline, or that falls to 基本满意 when nobody rated it in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from counter.model.errors import NotAllowedError, ValidationError

MAX_COMMENT = 300


class Level(IntEnum):
    VERY_SATISFIED = 5
    SATISFIED = 4
    BASIC = 3
    DISSATISFIED = 2
    VERY_DISSATISFIED = 1

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def bad(self) -> bool:
        """不满意 and 非常不满意 are a bad review (差评) and open a follow-up."""
        return self <= Level.DISSATISFIED


_LABELS = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASIC: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}

#: Best first, as the pad shows them and reports list them.
LEVELS = tuple(sorted(Level, reverse=True))


class Channel(StrEnum):
    PAD = "评价器"
    TERMINAL = "自助终端"
    HOTLINE = "热线"
    QR = "扫码"
    WEB = "网站"
    APP = "移动端"
    DEFAULT = "默认评价"

    @property
    def offline(self) -> bool:
        """Offline channels carry the sub-ratings (overall, efficiency, skill, attitude)."""
        return self in (Channel.PAD, Channel.TERMINAL, Channel.HOTLINE)


class ServiceKind(StrEnum):
    TICKET = "ticket"
    CASE = "case"

    @property
    def label(self) -> str:
        return "窗口服务" if self is ServiceKind.TICKET else "办件"


@dataclass(frozen=True)
class RatingRequest:
    """A service that may be rated once. The rater's name and phone are kept for the
    supervisor's call-back only; nothing else shows them."""

    id: str  # "ticket:<ticket id>" or "case:<case id>"
    kind: ServiceKind
    reference: str  # the ticket number or the case number
    case_number: str
    item_code: str
    item_name: str
    department: str
    window: str
    clerk_id: str
    clerk_name: str
    served_at: datetime
    rater_name: str = ""
    rater_phone: str = ""

    def what(self) -> str:
        """What the pad shows the applicant: the service, never their identity."""
        item = f"（{self.item_name}）" if self.item_name else ""
        return f"{self.kind.label} {self.reference}{item}"


@dataclass(frozen=True)
class Rating:
    id: str
    request_id: str
    kind: ServiceKind
    reference: str
    case_number: str
    item_code: str
    item_name: str
    department: str
    window: str
    clerk_id: str
    clerk_name: str
    channel: Channel
    level: Level
    efficiency: Level | None
    skill: Level | None
    attitude: Level | None
    comment: str
    served_at: datetime
    rated_at: datetime
    rater_name: str = ""
    rater_phone: str = ""


@dataclass(frozen=True)
class Scores:
    """What the applicant chose: overall level, optional sub-ratings, optional comment."""

    level: Level
    efficiency: Level | None = None
    skill: Level | None = None
    attitude: Level | None = None
    comment: str = ""


def check_scores(scores: Scores, channel: Channel) -> Scores:
    comment = scores.comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError("comment", f"意见建议最多 {MAX_COMMENT} 字，现在 {len(comment)} 字")
    subs = (scores.efficiency, scores.skill, scores.attitude)
    if not channel.offline and any(s is not None for s in subs):
        raise ValidationError("efficiency", f"“{channel.value}”渠道只评总体满意度，不分项评价")
    return Scores(scores.level, scores.efficiency, scores.skill, scores.attitude, comment)


def rating_closes(served_at: datetime, default_days: int) -> datetime:
    """After this moment nobody can rate the service; it counts as 基本满意."""
    return served_at + timedelta(days=default_days)


def check_can_rate(
    request: RatingRequest, already: Rating | None, now: datetime, default_days: int
) -> None:
    if already is not None:
        if already.channel is Channel.DEFAULT:
            raise NotAllowedError(
                f"{request.reference} 超过 {default_days} 天未评价，已按“基本满意”计，不能再评价"
            )
        raise NotAllowedError(f"{request.reference} 已经评价过了（一次服务只评一次）")
    if now >= rating_closes(request.served_at, default_days):
        raise NotAllowedError(
            f"{request.reference} 已超过 {default_days} 天评价期限，按“基本满意”计"
        )


def make_rating(
    rating_id: str,
    request: RatingRequest,
    scores: Scores,
    channel: Channel,
    now: datetime,
) -> Rating:
    return Rating(
        id=rating_id,
        request_id=request.id,
        kind=request.kind,
        reference=request.reference,
        case_number=request.case_number,
        item_code=request.item_code,
        item_name=request.item_name,
        department=request.department,
        window=request.window,
        clerk_id=request.clerk_id,
        clerk_name=request.clerk_name,
        channel=channel,
        level=scores.level,
        efficiency=scores.efficiency,
        skill=scores.skill,
        attitude=scores.attitude,
        comment=scores.comment,
        served_at=request.served_at,
        rated_at=now,
        rater_name=request.rater_name,
        rater_phone=request.rater_phone,
    )


def default_rating(rating_id: str, request: RatingRequest, default_days: int) -> Rating:
    """No rating within the period: 基本满意, dated when the period closed."""
    return make_rating(
        rating_id,
        request,
        Scores(Level.BASIC),
        Channel.DEFAULT,
        rating_closes(request.served_at, default_days),
    )


def rating_link(template: str, number: str) -> str:
    """The QR code's address for rating a case online; ``{number}`` is the case number."""
    return template.replace("{number}", number) if template else ""
