"""The materials a test hands over at the window, marked on a checklist."""

from __future__ import annotations

from datetime import date

from counter.model.catalog import Checklist
from counter.model.intake import LineState, MaterialStatus, initial_states, set_status


def originals(checklist: Checklist, missing: int = 0) -> tuple[LineState, ...]:
    """Every line asked for received as an original, but the first ``missing`` ones;
    exempt lines stay as they start."""
    states, asked = [], 0
    for line, state in zip(checklist, initial_states(checklist), strict=True):
        if not line.exempt:
            asked += 1
            if asked > missing:
                state = set_status(line, state, MaterialStatus.ORIGINAL)
        states.append(state)
    return tuple(states)


def rongque_states(checklist: Checklist, due: date) -> tuple[LineState, ...]:
    """容缺: the lines that allow it promised by ``due``, every other line asked for
    received as an original; exempt lines stay as they start."""
    states = []
    for line, state in zip(checklist, initial_states(checklist), strict=True):
        if line.rongque:
            state = set_status(line, state, MaterialStatus.PROMISED, promised_due=due)
        elif not line.exempt:
            state = set_status(line, state, MaterialStatus.ORIGINAL)
        states.append(state)
    return tuple(states)
