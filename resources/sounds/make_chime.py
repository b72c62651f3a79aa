"""Makes chime.wav, the call board's two-tone chime (叮咚) before each call.

Generated here rather than taken from a sound library so that its licence is the
project's own and it can be remade: ``python resources/sounds/make_chime.py``. The
format is espeak-ng's (22 050 Hz, mono, 16-bit), so the chime and the call sound
alike through any player. Two bell-like tones, E5 then C5, each with a few overtones
and a soft attack (no click) and a decay, about a second in all: long enough to turn
heads in a hall, short enough not to delay the call.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22_050
#: (frequency in Hz, start in s, length in s) of each tone.
TONES = ((659.25, 0.0, 0.9), (523.25, 0.45, 0.9))
#: Overtones of a small bell: (multiple of the tone, relative loudness).
PARTIALS = ((1.0, 1.0), (2.0, 0.35), (3.0, 0.12), (4.2, 0.05))
PEAK = 0.55  # of full scale: loud, with room so overlapping tones never clip


def samples() -> list[float]:
    length = max(start + seconds for _, start, seconds in TONES)
    out = [0.0] * int(length * RATE)
    for frequency, start, seconds in TONES:
        first = int(start * RATE)
        for n in range(int(seconds * RATE)):
            t = n / RATE
            attack = min(1.0, t / 0.008)  # 8 ms: no click at the start
            decay = math.exp(-t * 4.5)
            tail = min(1.0, (seconds - t) / 0.05)  # fades out, no click at the end
            tone = sum(
                loud * math.sin(2 * math.pi * frequency * times * t) for times, loud in PARTIALS
            )
            out[first + n] += tone * attack * decay * tail
    top = max(abs(s) for s in out)
    return [s / top * PEAK for s in out]


def write(path: Path) -> None:
    frames = b"".join(struct.pack("<h", round(s * 32767)) for s in samples())
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("chime.wav"))
