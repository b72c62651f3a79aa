"""Changing this station's settings: supervisors only, checked values only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter.model.settings import Settings
from counter.model.staff import Role
from counter.services.session import Session
from counter.store.settings_file import load_settings, save_settings


class SettingsService:
    def __init__(self, path: Path, settings: Settings | None = None) -> None:
        self.path = path
        self.settings = settings if settings is not None else load_settings(path)

    def update(self, session: Session, changes: dict[str, Any]) -> Settings:
        """Check every value first; write nothing unless all are valid."""
        session.require(Role.SUPERVISOR)
        updated = self.settings.changed(**changes)
        save_settings(self.path, updated)
        self.settings = updated
        return updated
