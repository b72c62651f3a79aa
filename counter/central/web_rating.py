"""扫码评价 (issue 31, point 1): the hand-over receipt's QR code opens ``/rate/<token>``,
the central's own page for rating that one service from a phone.

The token is 128 random bits the window made when it took the case in and synced with
the case (``cases.rating_token``, counter.services.intake_service.new_rating_token):
whoever holds the receipt may rate its service, and nobody can reach another service by
guessing. An unknown token and a case whose hand-over has not reached the central yet
get the same answer, so the page tells nobody which tokens exist.

The rating is the same record as the pad's (counter.model.ratings): channel 扫码, which
the hall's rules count as online, so only the overall level and a comment (no
sub-ratings); the same period (``check_can_rate``); the service's one rating id
(``rating_id``), so a rating the pad made offline and this one end as one row, the
first the central receives. The central publishes it, and the follow-up a 差评 opens
(``bad_review_followup``, with the hall's deadlines from its published settings and
calendar), as rows every counter pulls. docs/security.md says why.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from counter.central.engine import Engine
from counter.central.migrations import json_field
from counter.central.published import published_settings
from counter.central.web_pages import TOO_FAST, HallFacts, Pages
from counter.model.clock import HALL_TZ
from counter.model.errors import NotAllowedError, ValidationError
from counter.model.followups import FollowUpKind, deadlines_for
from counter.model.ratings import (
    DELIVER_ACTION,
    LEVELS,
    MAX_COMMENT,
    SUB_RATINGS,
    Channel,
    Level,
    Rating,
    RatingRequest,
    Scores,
    bad_review_followup,
    check_can_rate,
    check_scores,
    followup_payload,
    followup_rules,
    handed_over_request,
    is_token,
    make_rating,
    rating_from_payload,
    rating_id,
    rating_payload,
)

_TITLE = "服务评价"
#: An unknown token, a forged one and a case whose hand-over the central has not
#: received yet: one answer, so the page is no oracle for which tokens exist.
NOT_FOUND = (
    "暂时查不到这次服务的评价信息：办件的出件记录可能还没有从窗口同步到中心。"
    "请过一会儿再扫码；如仍不能评价，请到大厅综合窗口或拨打大厅电话评价。"
)
EXPIRED = "页面已过期，请重新选择后提交"


@dataclass(frozen=True)
class Service:
    """A handed-over case as the page rates it, with the device whose window served it
    (the rating counts in that counter's own figures, as the pad's would)."""

    request: RatingRequest
    device: str


def _rows(engine: Engine, table: str, field: str, value: str) -> list[tuple[dict[str, Any], str]]:
    """Live rows of ``table`` whose payload ``field`` is ``value``, with their owner."""
    # Literal table and field (never from a request): the partial expression indexes of
    # central migrations 2 and 5 serve these.
    found = engine.query(
        f"SELECT payload, owner FROM rows WHERE table_name = '{table}' AND kind <> 'delete'"
        f" AND {json_field(engine.dialect, field)} = ?",
        [value],
    )
    return [(json.loads(text), str(owner or "")) for text, owner in found]


def find_service(engine: Engine, token: str) -> Service | None:
    """The handed-over case whose rating token is ``token``, or None (no such token, a
    sub-case, or no 出件 at the central yet)."""
    if not is_token(token):
        return None
    cases = [c for c, _ in _rows(engine, "cases", "rating_token", token)]
    if len(cases) != 1 or cases[0].get("parent_id"):
        return None
    case = cases[0]
    handed = sorted(
        (
            (e, owner)
            for e, owner in _rows(engine, "case_events", "case_id", str(case.get("id", "")))
            if e.get("action") == DELIVER_ACTION and e.get("at")
        ),
        key=lambda found: str(found[0]["at"]),
    )
    if not handed:
        return None
    event, owner = handed[0]
    return Service(handed_over_request(case, event), owner)


def rating_for(engine: Engine, request_id: str) -> Rating | None:
    """The service's rating as the central holds it, whatever its id (a pad's from
    before one id per service included)."""
    found = _rows(engine, "ratings", "request_id", request_id)
    return rating_from_payload(found[0][0]) if found else None


@dataclass(frozen=True)
class Outcome:
    rating: Rating
    callback_days: int


class Rater:
    """Records one rating per service: the first the central receives. The rating and
    the follow-up a 差评 opens are written together only if no rating of the service
    is held by then (:meth:`Engine.publish_new`, under the engine's write lock), so two
    posts — to this process or to several ``--workers`` — record one rating, and a
    crash leaves both rows or neither."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    def rate(self, token: str, scores: Scores, hall: HallFacts, now_ms: int) -> Outcome:
        """The rating recorded; ``LookupError`` (no such service), NotAllowedError
        (rated already, or the period over) or ValidationError (the scores)."""
        now = datetime.fromtimestamp(now_ms / 1000, HALL_TZ)
        scores = check_scores(scores, Channel.QR)
        settings = published_settings(self.engine)
        with self._lock:
            service = find_service(self.engine, token)
            if service is None:
                raise LookupError(NOT_FOUND)
            request = service.request
            already = rating_for(self.engine, request.id)
            check_can_rate(request, already, now, int(settings["rating_default_days"]))
            rating = make_rating(rating_id(request.id), request, scores, Channel.QR, now)
            rows = [("ratings", rating.id, rating_payload(rating, service.device))]
            if rating.level.bad:
                due = deadlines_for(
                    FollowUpKind.BAD_REVIEW,
                    now,
                    followup_rules(settings),
                    hall.calendar,
                    settings.working_hours,
                )
                followup = bad_review_followup(rating, now, due)
                rows.append(("followups", followup.id, followup_payload(followup)))
            # The rating and its follow-up in one transaction, and only if no rating of
            # the service arrived meanwhile (another --workers process, or a pad's push):
            # the hall keeps the first rating the central received.
            if not self.engine.publish_new(rows, now_ms):
                already = rating_for(self.engine, request.id)
                check_can_rate(request, already, now, int(settings["rating_default_days"]))
                raise NotAllowedError(f"{request.reference} 已经评价过了（一次服务只评一次）")
        return Outcome(rating, int(settings["followup_callback_days"]))


def _level(text: str) -> Level | None:
    try:
        return Level(int(text))
    except ValueError:
        return None


def _sub(fields: Any, name: str) -> Level | None:
    """An optional sub-rating ("" for none chosen; anything not a level is none)."""
    text = str(fields.get(name, "") or "")[:8]
    return _level(text) if text else None


def add_rating_routes(app: FastAPI, pages: Pages) -> None:
    rater = Rater(pages.engine)

    def form(
        hall: HallFacts, service: Service, token: str, status: int = 200, **values: Any
    ) -> HTMLResponse:
        values.setdefault("chosen", "")
        values.setdefault("comment", "")
        values.setdefault("picked", {})
        return pages.form_page(
            "rate.html",
            hall,
            status,
            title=_TITLE,
            token=token,
            s=service.request,
            levels=LEVELS,
            subs=SUB_RATINGS,
            max_comment=MAX_COMMENT,
            **values,
        )

    def answer(hall: HallFacts, text: str, status: int, *, done: bool = False) -> HTMLResponse:
        return pages.render("rate_done.html", hall, status, title=_TITLE, message=text, done=done)

    def refused(hall: HallFacts, request: RatingRequest, already: Rating | None) -> str | None:
        settings = published_settings(pages.engine)
        try:
            check_can_rate(request, already, pages.now(), int(settings["rating_default_days"]))
        except NotAllowedError as exc:
            return exc.message
        return None

    @app.get("/rate/{token}", include_in_schema=False, response_class=HTMLResponse)
    async def rate_form(token: str, request: Request) -> HTMLResponse:
        hall = await pages.hall()
        if not pages.allowed(request):
            return answer(hall, TOO_FAST, 429)
        token = token[:64]
        service = await pages.in_thread(find_service, pages.engine, token)
        if service is None:
            return answer(hall, NOT_FOUND, 404)
        already = await pages.in_thread(rating_for, pages.engine, service.request.id)
        why = await pages.in_thread(refused, hall, service.request, already)
        if why is not None:
            return answer(hall, why, 409)
        return form(hall, service, token)

    @app.post("/rate/{token}", include_in_schema=False, response_class=HTMLResponse)
    async def rate_post(token: str, request: Request) -> HTMLResponse:
        hall = await pages.hall()
        if not pages.allowed(request):
            return answer(hall, "提交太频繁，请稍候一分钟再试", 429)
        token = token[:64]
        fields = await pages.form(request)
        service = await pages.in_thread(find_service, pages.engine, token)
        if service is None:
            return answer(hall, NOT_FOUND, 404)
        chosen = str(fields.get("level", "") or "")[:8]
        # Whole (the request's size is bounded before it is read), so the answer says
        # how long it really was; check_scores holds it to MAX_COMMENT.
        comment = str(fields.get("comment", "") or "")
        again = {"chosen": chosen, "comment": comment[: MAX_COMMENT * 2],
                 "picked": {k: str(fields.get(k, ""))[:8] for k, _ in SUB_RATINGS}}  # fmt: skip
        if not pages.token_ok(request, fields):
            return form(hall, service, token, 403, message=EXPIRED, **again)
        level = _level(chosen)
        if level is None:
            errors = {"level": "请选择一个满意程度"}
            return form(hall, service, token, 400, errors=errors, **again)
        scores = Scores(
            level,
            efficiency=_sub(fields, "efficiency"),
            skill=_sub(fields, "skill"),
            attitude=_sub(fields, "attitude"),
            comment=comment,
        )
        try:
            outcome = await pages.in_thread(rater.rate, token, scores, hall, pages.now_ms())
        except ValidationError as exc:
            if exc.field == "comment":
                return form(hall, service, token, 400, errors={"comment": exc.message}, **again)
            return form(hall, service, token, 400, message=exc.message, **again)
        except NotAllowedError as exc:
            return answer(hall, exc.message, 409)
        except LookupError:
            return answer(hall, NOT_FOUND, 404)
        text = f"感谢您的评价：{outcome.rating.level.label}。"
        if outcome.rating.level.bad:
            text += f"大厅值班长会在 {outcome.callback_days} 个工作日内与您联系，了解情况并整改。"
        return answer(hall, text, 200, done=True)
