"""The call board's voice (issue 30): a chime, then the call, on every install.

The call is rendered by the real espeak-ng to a WAV file, and the file is read back
with the ``wave`` module: not silence, and as long as a spoken call is. A test that
needs espeak-ng skips when it is missing, unless COUNTER_REQUIRE_SPEECH is set (CI
sets it, so a lost package fails there instead of passing quietly). Playing is
counted on a fake player: a test machine has no sound card.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import struct
import sys
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlite_utils import Database

from counter.model.call_speech import spoken
from counter.model.queue import call_text
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.queue_service import LocalQueue
from counter.services.session import Session, sign_in
from counter.services.settings_service import SettingsService
from counter.store import staff_store
from counter.ui.board import BoardWindow
from counter.ui.settings_dialog import SettingsDialog
from counter.ui.voice import (
    ESPEAK_VOICE,
    ProcessPlayer,
    Runner,
    Speaker,
    Speech,
    announcement,
    chime_path,
    find_player,
    make_voice,
)

ESPEAK = shutil.which("espeak-ng")


@pytest.fixture
def espeak() -> str:
    """espeak-ng's path; the test skips without it, or fails if COUNTER_REQUIRE_SPEECH
    is set (as CI does)."""
    if ESPEAK is None:
        message = "espeak-ng is not installed (sudo apt-get install espeak-ng)"
        if os.environ.get("COUNTER_REQUIRE_SPEECH"):
            pytest.fail(message + ", and COUNTER_REQUIRE_SPEECH is set")
        pytest.skip(message + "; set COUNTER_REQUIRE_SPEECH=1 to fail instead")
    return ESPEAK


@dataclass
class Played:
    path: Path
    seconds: float
    rms: float  # of full scale, 0–1


def measure(path: Path) -> tuple[float, float]:
    """(duration in seconds, RMS level as a share of full scale) of a 16-bit WAV."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples))) / 32768
    return seconds, rms


class FakePlayer:
    """Counts the play requests and measures each file as it is handed over (the voice
    removes a rendered call once played)."""

    def __init__(self) -> None:
        self.played: list[Played] = []

    def play(self, wav: Path, done: Callable[[], None]) -> None:
        self.played.append(Played(wav, *measure(wav)))
        done()


class FakeSpeech:
    """QtTextToSpeech's engine stand-in: working, broken from the start, or failing on
    its first call (as with PySide6-Addons and no speech-dispatcher)."""

    def __init__(self, *, broken: bool = False, fails: bool = False) -> None:
        self.is_broken = broken
        self.fails = fails
        self.said: list[str] = []

    def broken(self) -> bool:
        return self.is_broken

    def speak(self, text: str, done: Callable[[bool], None]) -> None:
        self.said.append(text)
        if self.fails:
            self.is_broken = True
        done(not self.fails)


@pytest.fixture
def speakers() -> Iterator[list[Speaker]]:
    """Speakers made by a test, stopped after it: no program outlives its test."""
    made: list[Speaker] = []
    yield made
    for speaker in made:
        speaker.stop()


def speaker(made: list[Speaker], player: FakePlayer | None, **kw: object) -> Speaker:
    voice = Speaker(player, **kw)  # type: ignore[arg-type]
    made.append(voice)
    return voice


def installed(*names: str) -> Callable[[str], str | None]:
    """shutil.which on a machine with only ``names`` installed."""
    return lambda name: f"/usr/bin/{name}" if name in names else None


# --- the chime and the words ---------------------------------------------------------


def test_the_bundled_chime_is_a_short_audible_sound() -> None:
    seconds, rms = measure(chime_path())
    assert 0.5 <= seconds <= 2.0
    assert rms > 0.05


def test_the_ticket_is_read_digit_by_digit_and_the_window_as_a_number() -> None:
    text = call_text("B012", "12")
    assert spoken(text) == "请B零一二号到12号窗口办理"
    assert spoken(announcement(text)) == "请B零一二号到12号窗口办理，请B零一二号到12号窗口办理"


# --- rendering with espeak-ng ----------------------------------------------------------


def test_a_call_is_rendered_to_a_wav_that_is_not_silence(
    qtbot: QtBot, speakers: list[Speaker], espeak: str
) -> None:
    player = FakePlayer()
    voice = speaker(speakers, player, espeak=espeak)
    voice.say(announcement(call_text("A001", "3")))
    qtbot.waitUntil(lambda: len(player.played) == 2 and voice.idle(), timeout=20_000)
    chime, call = player.played
    assert chime.path == chime_path()
    assert call.path.suffix == ".wav" and call.path.parent != chime.path.parent
    # 请A零零一号到3号窗口办理 twice: some 4–20 s of speech at espeak-ng's pace, loud.
    assert 4 <= call.seconds <= 20, call.seconds
    assert call.rms > 0.02, call.rms
    assert not call.path.exists()  # removed once played


def test_the_mandarin_voice_says_every_character_in_mandarin(espeak: str) -> None:
    """Debian's "cmn" voice reads 请, 号 and 到 as English; the voice used does not."""
    import subprocess

    phonemes = subprocess.run(
        [espeak, "-q", "-x", "-v", ESPEAK_VOICE, spoken(call_text("A001", "3"))],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    assert "(en)" not in phonemes and phonemes.strip()


def test_calls_are_said_in_order_each_after_its_chime(
    qtbot: QtBot, speakers: list[Speaker], espeak: str
) -> None:
    player = FakePlayer()
    voice = speaker(speakers, player, espeak=espeak)
    voice.say(call_text("A001", "3"))
    voice.say(call_text("B012", "12"))
    qtbot.waitUntil(lambda: len(player.played) == 4 and voice.idle(), timeout=20_000)
    chime = chime_path()
    assert [p.path == chime for p in player.played] == [True, False, True, False]
    first, second = player.played[1].path.name, player.played[3].path.name
    assert (first, second) == ("call-1.wav", "call-2.wav")


def test_a_real_player_program_is_handed_each_wav_in_turn(
    qtbot: QtBot, speakers: list[Speaker], espeak: str, tmp_path: Path
) -> None:
    """The whole way out, through QProcess: a stand-in player program (no sound card
    here) measures each WAV it is given, as aplay would read it."""
    log = tmp_path / "played.txt"
    script = tmp_path / "player.py"
    script.write_text(
        "import sys, wave\n"
        "with wave.open(sys.argv[1]) as w:\n"
        "    n = w.getnframes() / w.getframerate()\n"
        f"with open({str(log)!r}, 'a') as out:\n"
        "    out.write(f'{sys.argv[1]} {n:.2f}\\n')\n"
    )
    voice = speaker(speakers, None, espeak=espeak)
    voice.player = ProcessPlayer([sys.executable, str(script)], parent=voice)
    voice.say(call_text("A001", "3"))
    qtbot.waitUntil(lambda: voice.idle() and log.exists(), timeout=20_000)
    qtbot.waitUntil(lambda: len(log.read_text().splitlines()) == 2, timeout=20_000)
    (chime, _), (call, seconds) = (line.rsplit(" ", 1) for line in log.read_text().splitlines())
    assert chime == str(chime_path()) and call.endswith("call-1.wav")
    assert float(seconds) >= 2


# --- the fallback order --------------------------------------------------------------


def test_without_qt_speech_the_board_speaks_through_espeak(
    speakers: list[Speaker], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "counter.ui.voice"):
        voice = make_voice(qt_speech=lambda: None, which=installed("espeak-ng", "paplay"))
    speakers.append(voice)
    assert voice.speech is None and voice.espeak == "/usr/bin/espeak-ng"
    assert voice.player is not None and voice.player.command == ["/usr/bin/paplay"]  # type: ignore[attr-defined]
    assert caplog.records == []


def test_a_working_qt_engine_comes_first(speakers: list[Speaker]) -> None:
    engine = FakeSpeech()
    voice = make_voice(qt_speech=lambda: engine, which=installed("espeak-ng", "aplay"))
    speakers.append(voice)
    assert voice.speech is engine
    assert voice.player.command == ["/usr/bin/aplay", "-q"]  # type: ignore[union-attr]


def test_without_espeak_only_the_chime_plays_and_the_log_says_so_once(
    qtbot: QtBot, speakers: list[Speaker], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "counter.ui.voice"):
        voice = make_voice(qt_speech=lambda: None, which=installed("pw-play"))
        player = FakePlayer()
        voice.player = player
        speakers.append(voice)
        voice.say(call_text("A001", "3"))
        voice.say(call_text("A002", "3"))
        qtbot.waitUntil(lambda: len(player.played) == 2 and voice.idle())
    assert [p.path for p in player.played] == [chime_path(), chime_path()]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "espeak-ng" in warnings[0] and "只响提示音" in warnings[0]


def test_without_a_player_the_chime_is_a_beep_and_espeak_plays_the_call_itself(
    speakers: list[Speaker], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with caplog.at_level(logging.WARNING, "counter.ui.voice"):
        voice = make_voice(qt_speech=lambda: None, which=installed("espeak-ng"))
    speakers.append(voice)
    assert voice.player is None and voice.espeak == "/usr/bin/espeak-ng"
    assert ["语音由 espeak-ng 直接播放" in r.getMessage() for r in caplog.records] == [True]
    beeps: list[int] = []
    runs: list[list[str]] = []
    monkeypatch.setattr(QApplication, "beep", lambda: beeps.append(1))
    monkeypatch.setattr(voice.runner, "run", lambda argv, done, timeout_ms: runs.append(list(argv)))
    voice.say(call_text("A001", "3"))
    assert beeps == [1]
    assert runs == [["/usr/bin/espeak-ng", "-v", ESPEAK_VOICE, "请A零零一号到3号窗口办理"]]


def test_nothing_installed_still_beeps(
    speakers: list[Speaker], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "counter.ui.voice"):
        voice = make_voice(qt_speech=lambda: None, which=installed())
    speakers.append(voice)
    beeps: list[int] = []
    monkeypatch.setattr(QApplication, "beep", lambda: beeps.append(1))
    voice.say(call_text("A001", "3"))
    assert beeps == [1] and voice.idle()
    assert len(caplog.records) == 2  # no voice, no player: each said once


def test_qt_speech_speaks_after_the_chime(speakers: list[Speaker]) -> None:
    engine, player = FakeSpeech(), FakePlayer()
    voice = speaker(speakers, player, espeak=None, speech=engine)
    voice.say(call_text("A001", "3"))
    assert [p.path for p in player.played] == [chime_path()]
    assert engine.said == ["请A零零一号到3号窗口办理"]


def test_a_qt_engine_that_fails_hands_over_to_espeak_for_good(
    qtbot: QtBot, speakers: list[Speaker], caplog: pytest.LogCaptureFixture
) -> None:
    engine, player = FakeSpeech(fails=True), FakePlayer()
    voice = speaker(speakers, player, espeak="/usr/bin/espeak-ng", speech=engine)
    runs: list[list[str]] = []
    voice.runner.run = lambda argv, done, timeout_ms: runs.append(list(argv))  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, "counter.ui.voice"):
        voice.say(call_text("A001", "3"))
    assert engine.said == ["请A零零一号到3号窗口办理"]  # tried once, failed
    assert voice.speech is None
    assert runs and runs[0][:4] == ["/usr/bin/espeak-ng", "-v", ESPEAK_VOICE, "-w"]
    assert runs[0][-1] == "请A零零一号到3号窗口办理"  # the same call, through espeak-ng
    assert ["QtTextToSpeech" in r.getMessage() for r in caplog.records] == [True]


def test_an_engine_in_error_from_the_start_is_passed_over() -> None:
    engine: Speech = FakeSpeech(broken=True)
    player = FakePlayer()
    voice = Speaker(player, espeak=None, speech=engine)
    voice.say(call_text("A001", "3"))
    assert engine.said == [] and voice.speech is None  # type: ignore[attr-defined]
    voice.stop()


def test_players_are_looked_for_sound_server_first() -> None:
    assert find_player(installed("aplay", "paplay", "pw-play")) == ["/usr/bin/pw-play"]
    assert find_player(installed("aplay", "paplay")) == ["/usr/bin/paplay"]
    assert find_player(installed("aplay")) == ["/usr/bin/aplay", "-q"]
    assert find_player(installed()) is None


def test_a_program_that_cannot_start_lets_the_next_call_go_on(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    runner = Runner()
    results: list[bool] = []
    with caplog.at_level(logging.WARNING, "counter.ui.voice"):
        runner.run(["/nonexistent/player", "x.wav"], results.append, 10_000)
        qtbot.waitUntil(lambda: results == [False])
        runner.run(["/nonexistent/player", "y.wav"], results.append, 10_000)
        qtbot.waitUntil(lambda: results == [False, False])
    assert len(caplog.records) == 1  # logged once, not at every call


# --- the board and the 试听 button -----------------------------------------------------


def test_the_board_announces_through_its_voice_and_stops_it_on_close(
    qtbot: QtBot, db: Database, clock: Callable[[], datetime], now: datetime,
    speakers: list[Speaker],
) -> None:  # fmt: skip
    engine, player = FakeSpeech(), FakePlayer()
    voice = speaker(speakers, player, espeak=None, speech=engine)
    queue = LocalQueue(db)
    board = BoardWindow(queue, clock, hall_name="示范市政务服务中心", voice=voice)
    qtbot.addWidget(board)
    staff = staff_store.find_by_login(db, "lina")
    assert staff is not None
    queue.issue("A", now)
    queue.call_next(Session(staff, "3", now), now)
    board.refresh()
    assert engine.said == [spoken(announcement("请A001号到3号窗口办理"))]
    assert [p.path for p in player.played] == [chime_path()]
    board.close()
    assert voice.stopped


def listen_dialog(qtbot: QtBot, db: Database, now: datetime, tmp_path: Path) -> SettingsDialog:
    session = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    dialog = SettingsDialog(SettingsService(tmp_path / "settings.toml"), session)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


class FakeVoice:
    def __init__(self) -> None:
        self.said: list[str] = []
        self.stopped = False

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None:
        self.stopped = True


def test_the_listen_button_says_a_sample_call_for_this_window(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path
) -> None:
    dialog = listen_dialog(qtbot, db, now, tmp_path)
    voice = FakeVoice()
    dialog.make_voice = lambda parent: voice
    assert dialog.listen.text() == "试听" and dialog.listen.isVisible()
    dialog.editors["window_number"].setText("7")  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.listen, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.listen, Qt.MouseButton.LeftButton)
    assert voice.said == [announcement(call_text("A001", "7"))] * 2
    dialog.reject()
    assert voice.stopped  # nothing plays on once the dialog is closed


def test_the_listen_button_plays_the_chime_and_a_rendered_call(
    qtbot: QtBot, db: Database, now: datetime, tmp_path: Path, espeak: str
) -> None:
    dialog = listen_dialog(qtbot, db, now, tmp_path)
    player = FakePlayer()
    made: list[Speaker] = []

    def make(parent: object) -> Speaker:
        made.append(Speaker(player, espeak=espeak, parent=dialog))
        return made[-1]

    dialog.make_voice = make
    qtbot.mouseClick(dialog.listen, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(player.played) == 2 and made[0].idle(), timeout=20_000)
    chime, call = player.played
    assert chime.path == chime_path()
    assert call.seconds >= 4 and call.rms > 0.02
    dialog.reject()
    assert made[0].stopped
