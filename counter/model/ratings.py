"""好差评: five levels, one rating per service, the 7-day default and who may see the rater.

A *service* is what an applicant rates: one ticket served at a window (一次一评) or one
case handed over (一事一评). A :class:`RatingRequest` is one such service: it is rated
once (rating pad, QR code, hotline), or counts as 基本满意 once its rating period has
passed. Every function here is given the moment it judges by (``now``) and the rows it
turns into records; none looks anything up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from counter.model.clock import iso
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.followups import (
    DeadlineRules,
    Deadlines,
    FollowUp,
    FollowUpKind,
    FollowUpState,
)
from counter.model.links import fill_link

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
#: The sub-ratings beside the overall level, as the pad and the QR page name them.
SUB_RATINGS = (("efficiency", "办事效率"), ("skill", "业务能力"), ("attitude", "服务态度"))


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
        """The hall's own channels: the pad, the terminal, the hotline."""
        return self in (Channel.PAD, Channel.TERMINAL, Channel.HOTLINE)

    @property
    def sub_ratings(self) -> bool:
        """Whether the channel carries the sub-ratings (efficiency, skill, attitude):
        the offline channels (docs/domain.md), and the hand-over receipt's QR, the
        hall's own page read right after the service as the pad is. The web and app
        ratings of the regional platform rate overall only."""
        return self.offline or self is Channel.QR


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
    if not channel.sub_ratings and any(s is not None for s in subs):
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


def rating_id(request_id: str) -> str:
    """The one id every rating of a service has, whoever makes it (the pad, the phone
    through the central, the default after the period): two ratings of one service made
    apart — the pad offline, the phone online — are one row at the central, which keeps
    the first it receives, and every counter converges on it (docs/security.md)."""
    return f"rating:{request_id}"


def followup_id(rating: str) -> str:
    """The bad-review follow-up of a rating: one id, whoever opens it."""
    return f"followup:{rating}"


def followup_rules(settings: Mapping[str, Any]) -> DeadlineRules:
    """The hall's follow-up deadlines from its settings (a counter's, or the central's
    published hall settings)."""
    return DeadlineRules(
        callback_days=int(settings["followup_callback_days"]),
        fix_days=int(settings["followup_fix_days"]),
        enterprise_response_days=int(settings["enterprise_response_days"]),
        enterprise_resolution_months=int(settings["enterprise_resolution_months"]),
        register_days=int(settings["register_days"]),
    )


def bad_review_followup(rating: Rating, now: datetime, due: Deadlines) -> FollowUp:
    """The follow-up a 差评 opens, the same whether the pad or the central records it."""
    return FollowUp(
        id=followup_id(rating.id),
        kind=FollowUpKind.BAD_REVIEW,
        state=FollowUpState.CALLBACK,
        opened_at=now,
        who=rating.rater_name,
        contact=rating.rater_phone,
        matter=rating.comment or f"评价“{rating.level.label}”",
        items=(rating.item_name,) if rating.item_name else (),
        why="",
        handler="",
        first_due=due.first,
        final_due=due.final,
        cases=(rating.case_number,) if rating.case_number else (),
        rating_id=rating.id,
        department=rating.department,
        window=rating.window,
        clerk_id=rating.clerk_id,
        clerk_name=rating.clerk_name,
        due_provisional=due.provisional,
        updated_at=now,
    )


# --- as synced rows (the same at a counter's store and at the central) -----------------


def rating_payload(rating: Rating, device: str) -> dict[str, Any]:
    """A rating as the ``ratings`` row every counter and the central hold."""
    return {
        "id": rating.id,
        "request_id": rating.request_id,
        "device_id": device,
        "kind": rating.kind.value,
        "reference": rating.reference,
        "case_number": rating.case_number,
        "item_code": rating.item_code,
        "item_name": rating.item_name,
        "department": rating.department,
        "window": rating.window,
        "clerk_id": rating.clerk_id,
        "clerk_name": rating.clerk_name,
        "channel": rating.channel.value,
        "level": int(rating.level),
        "efficiency": None if rating.efficiency is None else int(rating.efficiency),
        "skill": None if rating.skill is None else int(rating.skill),
        "attitude": None if rating.attitude is None else int(rating.attitude),
        "comment": rating.comment,
        "rater_name": rating.rater_name,
        "rater_phone": rating.rater_phone,
        "served_at": iso(rating.served_at),
        "rated_at": iso(rating.rated_at),
    }


def _opt_level(value: Any) -> Level | None:
    return None if value is None else Level(int(value))


def rating_from_payload(row: Mapping[str, Any]) -> Rating:
    """A ``ratings`` row back as a :class:`Rating`."""
    return Rating(
        id=str(row["id"]),
        request_id=str(row["request_id"]),
        kind=ServiceKind(row["kind"]),
        reference=str(row["reference"]),
        case_number=str(row.get("case_number", "")),
        item_code=str(row.get("item_code", "")),
        item_name=str(row.get("item_name", "")),
        department=str(row.get("department", "")),
        window=str(row.get("window", "")),
        clerk_id=str(row.get("clerk_id", "")),
        clerk_name=str(row.get("clerk_name", "")),
        channel=Channel(row["channel"]),
        level=Level(int(row["level"])),
        efficiency=_opt_level(row.get("efficiency")),
        skill=_opt_level(row.get("skill")),
        attitude=_opt_level(row.get("attitude")),
        comment=str(row.get("comment", "")),
        served_at=datetime.fromisoformat(str(row["served_at"])),
        rated_at=datetime.fromisoformat(str(row["rated_at"])),
        rater_name=str(row.get("rater_name", "")),
        rater_phone=str(row.get("rater_phone", "")),
    )


def _opt_iso(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def followup_payload(f: FollowUp) -> dict[str, Any]:
    """A follow-up as the ``followups`` row every counter and the central hold."""
    return {
        "id": f.id,
        "kind": f.kind.value,
        "state": f.state.value,
        "opened_at": iso(f.opened_at),
        "who": f.who,
        "contact": f.contact,
        "matter": f.matter,
        "items": json.dumps(list(f.items), ensure_ascii=False),
        "why": f.why,
        "handler": f.handler,
        "first_due": _opt_iso(f.first_due),
        "final_due": iso(f.final_due),
        "due_provisional": int(f.due_provisional),
        "first_done_at": _opt_iso(f.first_done_at),
        "closed_at": _opt_iso(f.closed_at),
        "outcome": f.outcome,
        "cases": json.dumps(list(f.cases), ensure_ascii=False),
        "rating_id": f.rating_id or None,
        "department": f.department,
        "window": f.window,
        "clerk_id": f.clerk_id,
        "clerk_name": f.clerk_name,
        "staff_id": f.staff_id,
        "staff_name": f.staff_name,
        "updated_at": iso(f.updated_at or f.opened_at),
    }


# --- 扫码评价: the receipt's QR code --------------------------------------------------

#: A rating link's token: 22 URL-safe characters. Text of any other shape is no token.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def is_token(text: str) -> bool:
    return bool(_TOKEN.fullmatch(text))


def rating_link(template: str, number: str, token: str = "", central: str = "") -> str:
    """The QR code's address for rating a handed-over case online
    (:func:`counter.model.links.fill_link`): ``{token}`` is the case's rating token,
    the central's page being ``/rate/<token>``."""
    return fill_link(template, central=central, token=token, number=number)


#: The case event whose moment is the service a case's rating is for (出件).
DELIVER_ACTION = "出件"


def handed_over_request(case: Mapping[str, Any], event: Mapping[str, Any]) -> RatingRequest:
    """A handed-over case as a service to rate, from the synced rows of the case and of
    its 出件 event: what ``ratings_store.materialise_requests`` makes at a counter, made
    here for the central, which holds the same rows."""
    return RatingRequest(
        id=f"case:{case['id']}",
        kind=ServiceKind.CASE,
        reference=str(case.get("number", "")),
        case_number=str(case.get("number", "")),
        item_code=str(case.get("item_code") or case.get("bundle_code") or ""),
        item_name=str(case.get("title", "")),
        department=str(case.get("department", "")),
        window=str(event.get("window", "")),
        clerk_id=str(event.get("staff_id", "")),
        clerk_name=str(event.get("staff_name", "")),
        served_at=datetime.fromisoformat(str(event["at"])),
        rater_name=str(case.get("applicant_name", "")),
        rater_phone=str(case.get("applicant_phone", "")),
    )
