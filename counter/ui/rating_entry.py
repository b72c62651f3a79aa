"""Entering a rating that came by hotline, QR code, website or app, against its case.

The supervisor types what the applicant said; the rules (one rating per service, the
rating period, which channels carry sub-ratings) are the model's, so a refusal is
shown at the field it concerns. A bad rating opens its follow-up like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from counter.model.errors import CounterError, NotFoundError, ValidationError
from counter.model.ratings import Channel, Level, Scores
from counter.services.ratings_service import RatingOutcome, RatingsService
from counter.services.session import Session
from counter.ui.forms import FieldErrors

ENTERED_CHANNELS = (Channel.HOTLINE, Channel.QR, Channel.WEB, Channel.APP)


def _levels(optional: bool) -> QComboBox:
    box = QComboBox()
    if optional:
        box.addItem("不评", None)
    for level in Level:
        box.addItem(level.label, int(level))
    return box


class RatingEntryDialog(QDialog):
    def __init__(
        self,
        ratings: RatingsService,
        session: Session,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ratings = ratings
        self.session = session
        self.clock = clock
        self.outcome: RatingOutcome | None = None
        self.setWindowTitle(self.tr("录入热线、扫码评价"))
        self.setMinimumWidth(480)
        self.errors = FieldErrors()
        self.case_number = QLineEdit()
        self.case_number.setObjectName("ratedCase")
        self.case_number.setPlaceholderText(self.tr("办件编号（可扫码）"))
        self.channel = QComboBox()
        self.channel.setObjectName("ratingChannel")
        for channel in ENTERED_CHANNELS:
            self.channel.addItem(channel.value, channel.value)
        self.level = _levels(optional=False)
        self.level.setObjectName("ratingLevel")
        self.efficiency = _levels(optional=True)
        self.skill = _levels(optional=True)
        self.attitude = _levels(optional=True)
        self.comment = QLineEdit()
        self.comment.setObjectName("ratingComment")
        form = QFormLayout(self)
        self.errors.add_row(form, self.tr("办件编号"), "case_number", self.case_number)
        form.addRow(self.tr("渠道"), self.channel)
        self.errors.add_row(form, self.tr("总体评价"), "level", self.level)
        self.errors.add_row(form, self.tr("办事效率"), "efficiency", self.efficiency)
        form.addRow(self.tr("业务水平"), self.skill)
        form.addRow(self.tr("服务态度"), self.attitude)
        self.errors.add_row(form, self.tr("意见建议"), "comment", self.comment)
        form.addRow(self.errors.general)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        save = buttons.button(QDialogButtonBox.StandardButton.Ok)
        save.setText(self.tr("保存 (Enter)"))
        save.setDefault(True)
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.channel.currentIndexChanged.connect(self._channel_changed)
        self._channel_changed()

    def _channel_changed(self) -> None:
        """Only some channels carry sub-ratings (Channel.sub_ratings); the others hide them."""
        carries = self.chosen_channel().sub_ratings
        for box in (self.efficiency, self.skill, self.attitude):
            box.setEnabled(carries)
            if not carries:
                box.setCurrentIndex(0)

    def chosen_channel(self) -> Channel:
        # Items hold plain values: Qt keeps some enums as objects and findData misses them.
        return Channel(self.channel.currentData())

    def scores(self) -> Scores:
        def level(box: QComboBox) -> Level | None:
            value = box.currentData()
            return None if value is None else Level(value)

        overall = level(self.level)
        assert overall is not None
        return Scores(
            overall,
            level(self.efficiency),
            level(self.skill),
            level(self.attitude),
            self.comment.text(),
        )

    def on_save(self) -> None:
        try:
            self.outcome = self.ratings.rate_case(
                self.session,
                self.case_number.text(),
                self.scores(),
                self.chosen_channel(),
                self.clock(),
            )
        except NotFoundError as exc:
            self.errors.show(ValidationError("case_number", exc.message))
            return
        except CounterError as exc:
            self.errors.show(exc)
            return
        self.accept()
