"""Changing this station's settings: supervisors only, checked values only.

What the station uses is its own file with the hall's published settings on top
(:mod:`counter.model.hall_settings`); only the station's own values are ever written
back to its file, so a hall setting changed centrally is not shadowed by a stale copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter.model.hall_settings import HALL_KEYS, overlay
from counter.model.settings import Settings
from counter.model.staff import Role
from counter.store.settings_file import load_settings, save_settings

# Only a change needs a session, and it brings one: every start opens this service, so
# it does not load the sign-in's modules (argon2, the outbox, the audit trail) itself.
if TYPE_CHECKING:
    from counter.services.session import Session


class SettingsService:
    def __init__(self, path: Path, settings: Settings | None = None) -> None:
        self.path = path
        self.own = settings if settings is not None else load_settings(path)
        self.published: dict[str, Any] = {}
        self.settings = self.own

    def use_published(self, values: Mapping[str, Any]) -> None:
        """The hall's settings as pulled from the central; they win over the file."""
        self.published = {k: v for k, v in values.items() if k in HALL_KEYS}
        self.settings = overlay(self.own, self.published)

    def update(self, session: Session, changes: dict[str, Any]) -> Settings:
        """Check every value first; write nothing unless all are valid."""
        session.require(Role.SUPERVISOR)
        own = {k: v for k, v in changes.items() if k not in self.published}
        updated = self.own.changed(**own)
        save_settings(self.path, updated)
        self.own = updated
        self.settings = overlay(updated, self.published)
        return self.settings
