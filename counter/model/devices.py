"""The kinds of device a hall enrols, and what each may be trusted with.

A device's kind and window are fixed by the enrol code the supervisor made for it on
the central; the central reads them from its own record of the device, never from a
request. A kiosk, a call board or a rating pad stands in the public part of the hall
and runs without anyone signed in: it holds no personal data and no password hashes.
"""

from __future__ import annotations

from enum import StrEnum

from counter.model.errors import ValidationError


class DeviceKind(StrEnum):
    WINDOW = "window"
    LAPTOP = "laptop"
    KIOSK = "kiosk"
    BOARD = "board"
    PAD = "pad"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def has_window(self) -> bool:
        """A window counter and the rating pad beside it belong to one window."""
        return self in (DeviceKind.WINDOW, DeviceKind.PAD)

    @property
    def public(self) -> bool:
        """Stands where the public can reach it, with nobody signed in."""
        return self in (DeviceKind.KIOSK, DeviceKind.BOARD, DeviceKind.PAD)


_LABELS = {
    DeviceKind.WINDOW: "窗口电脑",
    DeviceKind.LAPTOP: "帮代办笔记本",
    DeviceKind.KIOSK: "取号机",
    DeviceKind.BOARD: "叫号屏",
    DeviceKind.PAD: "评价器",
}


def check_device_kind(kind: str, window: str) -> tuple[DeviceKind, str]:
    """A kind and, where the kind has one, a window number 1-999; else a clear refusal."""
    try:
        found = DeviceKind(kind.strip().lower())
    except ValueError:
        names = "、".join(f"{k.value}（{k.label}）" for k in DeviceKind)
        raise ValidationError("kind", f"设备类型应为 {names} 之一") from None
    window = window.strip()
    if not found.has_window:
        if window:
            raise ValidationError("window", f"{found.label}不属于某个窗口，不要填窗口号")
        return found, ""
    if not window.isdecimal() or not 1 <= int(window) <= 999:
        raise ValidationError("window", f"{found.label}须指定窗口号（1–999）")
    return found, str(int(window))
