"""The call board's voice: a chime, then the call, on every install (issue 30).

The wheel we install, PySide6-Essentials, has neither QtTextToSpeech nor QtMultimedia,
and a modern PC plays no ``QApplication.beep()``; with PySide6-Addons but no
speech-dispatcher the Qt engine sits in its error state and says nothing. So a call is
spoken by the first of these that works (:func:`make_voice`):

1. QtTextToSpeech, where the module exists, its engine is not in error and it has a
   Chinese voice; an engine that fails later hands over to espeak-ng for good;
2. ``espeak-ng`` with its Mandarin voice, rendering the call to a WAV file that a
   player program plays (``pw-play``, ``paplay`` or ``aplay``: the sound server's own
   client first, so the call goes to the output the desktop chose); with no player,
   espeak-ng plays it itself;
3. the chime alone, and a warning in the log, in Chinese, once, saying what to install.

Every step runs as a separate program through :class:`QProcess`, so neither rendering
nor playing ever blocks the GUI thread, and no Python thread runs beside Qt's. Calls
are said one after another, each after its chime, in the order they came.

The words are the board's (:func:`counter.model.queue.call_text`, the text on the
screen); :func:`counter.model.call_speech.spoken` only spells the ticket's digits.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QLocale, QObject, QProcess, QTimer
from PySide6.QtWidgets import QApplication

from counter.assets import resource
from counter.model.call_speech import spoken

log = logging.getLogger("counter.ui.voice")

ESPEAK = "espeak-ng"
#: Debian 12's espeak-ng-data (1.51) has two Mandarin voices: "cmn" reads Latin as
#: English and, with it, most characters of a call (请, 号, 到, 办理) as English words;
#: "cmn-latn-pinyin" says every character in Mandarin (``espeak-ng -x`` shows both).
ESPEAK_VOICE = "cmn-latn-pinyin"
#: Programs that play a WAV file, best first: PipeWire's (Debian 12's desktop), then
#: PulseAudio's (UOS, Kylin, and PipeWire's pulse layer), then plain ALSA (alsa-utils).
PLAYERS: tuple[tuple[str, ...], ...] = (("pw-play",), ("paplay",), ("aplay", "-q"))
#: How long any one step may take before it is stopped and the next call goes on: a
#: player hung on a busy sound device must not silence the board for the rest of the day.
STEP_TIMEOUT_MS = 60_000


class Voice(Protocol):
    """What the board needs of a voice."""

    def say(self, text: str) -> None: ...


class Player(Protocol):
    """Plays a WAV file, then calls ``done`` (also when it could not play it)."""

    def play(self, wav: Path, done: Callable[[], None]) -> None: ...


class Speech(Protocol):
    """A text-to-speech engine (QtTextToSpeech): ``done(True)`` once it has said
    ``text``, ``done(False)`` when it failed to."""

    def broken(self) -> bool: ...

    def speak(self, text: str, done: Callable[[bool], None]) -> None: ...


def chime_path() -> Path:
    """The chime played before each call (resources/sounds/chime.wav, made by
    make_chime.py beside it)."""
    return Path(str(resource("sounds", "chime.wav")))


def announcement(text: str) -> str:
    """What the board says for a call: its text twice, for whoever missed the first."""
    return f"{text}，{text}"


def find_player(which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """The command line (without the file) of the first WAV player installed, or None."""
    for command in PLAYERS:
        path = which(command[0])
        if path:
            return [path, *command[1:]]
    return None


class Runner(QObject):
    """Runs one program at a time through QProcess, never waiting on the GUI thread:
    ``done(True)`` when it exits with 0, ``done(False)`` when it fails, cannot start
    or outlasts ``timeout_ms`` (and is killed)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self.failures = 0
        self.stopping = False

    def run(self, argv: Sequence[str], done: Callable[[bool], None], timeout_ms: int) -> None:
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        watchdog = QTimer(process)
        watchdog.setSingleShot(True)
        settled = False

        def finish(ok: bool) -> None:
            nonlocal settled
            if settled:
                return
            settled = True
            watchdog.stop()
            if not ok and not self.stopping:
                self.failures += 1
                output = bytes(process.readAll().data()).decode("utf-8", "replace").strip()
                # Once per runner: a board without a sound card would fill the log.
                if self.failures == 1:
                    log.warning(
                        "声音程序运行失败（此后同类失败不再记录）：%s：%s %s",
                        " ".join(argv), process.errorString(), output[-300:],
                    )  # fmt: skip
            if self.process is process:
                self.process = None
            process.deleteLater()
            done(ok)

        def exited(code: int, status: QProcess.ExitStatus) -> None:
            finish(status == QProcess.ExitStatus.NormalExit and code == 0)

        def error(kind: QProcess.ProcessError) -> None:
            if kind == QProcess.ProcessError.FailedToStart:  # no finished() follows
                finish(False)

        process.finished.connect(exited)
        process.errorOccurred.connect(error)
        watchdog.timeout.connect(process.kill)
        self.process = process
        watchdog.start(timeout_ms)
        process.start(argv[0], list(argv[1:]))

    def stop(self) -> None:
        """Kill what runs (a board or a settings dialog closing), so no program is left
        behind and Qt destroys no running process."""
        process = self.process
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            self.stopping = True
            process.kill()
            process.waitForFinished(2000)


class ProcessPlayer(QObject):
    """Plays WAV files through an installed player program (:func:`find_player`)."""

    def __init__(self, command: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.command = list(command)
        self.runner = Runner(self)

    def play(self, wav: Path, done: Callable[[], None]) -> None:
        self.runner.run([*self.command, str(wav)], lambda ok: done(), STEP_TIMEOUT_MS)

    def stop(self) -> None:
        self.runner.stop()


class QtSpeech:
    """QtTextToSpeech as a :class:`Speech`: done when the engine is back to Ready (or
    in error) after a call, or after :data:`STEP_TIMEOUT_MS` at most."""

    def __init__(self, engine: Any) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        self.engine = engine
        self.states = QTextToSpeech.State
        self.waiting: Callable[[bool], None] | None = None
        self.watchdog = QTimer()
        self.watchdog.setSingleShot(True)
        self.watchdog.timeout.connect(lambda: self._settle(False))
        engine.stateChanged.connect(self._changed)

    def broken(self) -> bool:
        return bool(self.engine.state() == self.states.Error)

    def speak(self, text: str, done: Callable[[bool], None]) -> None:
        self.waiting = done
        self.watchdog.start(STEP_TIMEOUT_MS)
        self.engine.say(text)

    def _changed(self, state: Any) -> None:
        if state == self.states.Ready:
            self._settle(True)
        elif state == self.states.Error:
            self._settle(False)

    def _settle(self, ok: bool) -> None:
        self.watchdog.stop()
        done, self.waiting = self.waiting, None
        if done is not None:
            done(ok)


def make_qt_speech() -> Speech | None:
    """QtTextToSpeech with a Chinese voice, or None when the module is missing (as in
    PySide6-Essentials), its engine is in error (no speech-dispatcher) or it has no
    Chinese voice (it would read the call with an English one)."""
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError:
        return None
    try:
        engine = QTextToSpeech()
        if engine.state() == QTextToSpeech.State.Error:
            log.info("QtTextToSpeech unusable (%s): the board speaks through espeak-ng",
                     engine.errorString())  # fmt: skip
            return None
        chinese = [
            locale
            for locale in engine.availableLocales()
            if locale.language() == QLocale.Language.Chinese
        ]
        if not chinese:
            log.info("QtTextToSpeech has no Chinese voice: the board speaks through espeak-ng")
            return None
        mainland = [c for c in chinese if c.territory() == QLocale.Country.China]
        engine.setLocale((mainland or chinese)[0])
        return QtSpeech(engine)
    except Exception:
        log.warning("QtTextToSpeech unusable", exc_info=True)
        return None


class Speaker(QObject):
    """The board's voice: for each call in turn, the chime, then the call spoken by the
    Qt engine, or rendered by espeak-ng and played, or only the chime (see the module
    docstring). Nothing here raises: a call the voice cannot say is still on screen."""

    def __init__(
        self,
        player: Player | None,
        *,
        espeak: str | None,
        speech: Speech | None = None,
        chime: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.player = player
        self.espeak = espeak
        self.speech = speech
        self.chime = chime or chime_path()
        self.runner = Runner(self)
        self.pending: deque[str] = deque()
        self.busy = False
        self.stopped = False
        self.numbers = itertools.count(1)
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def say(self, text: str) -> None:
        if self.stopped:
            return
        self.pending.append(text)
        self._next()

    def idle(self) -> bool:
        """Nothing being said and nothing waiting (for tests and the 试听 button)."""
        return not self.busy and not self.pending

    def stop(self) -> None:
        """Say nothing more, stop what is being played, remove the rendered files."""
        self.stopped = True
        self.pending.clear()
        self.runner.stop()
        stop_player = getattr(self.player, "stop", None)
        if callable(stop_player):
            stop_player()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def _next(self) -> None:
        if self.busy or not self.pending or self.stopped:
            return
        self.busy = True
        text = self.pending.popleft()
        if self.player is None:
            QApplication.beep()
            self._speak(text)
        else:
            self.player.play(self.chime, lambda: self._speak(text))

    def _speak(self, text: str) -> None:
        if self.stopped:
            return self._done()
        words = spoken(text)
        if self.speech is not None and self.speech.broken():
            self._speech_failed()
        if self.speech is not None:
            return self.speech.speak(words, lambda ok: self._spoken(ok, text))
        if self.espeak is None:
            return self._done()
        if self.player is None:  # espeak-ng plays it through its own audio output
            argv = [self.espeak, "-v", ESPEAK_VOICE, words]
            return self.runner.run(argv, lambda ok: self._done(), STEP_TIMEOUT_MS)
        wav = self._folder_path() / f"call-{next(self.numbers)}.wav"
        argv = [self.espeak, "-v", ESPEAK_VOICE, "-w", str(wav), words]
        self.runner.run(argv, lambda ok: self._rendered(ok, wav), STEP_TIMEOUT_MS)

    def _spoken(self, ok: bool, text: str) -> None:
        if ok:
            return self._done()
        self._speech_failed()
        self._speak(text)  # this call too, through espeak-ng

    def _speech_failed(self) -> None:
        log.warning(
            "QtTextToSpeech 语音引擎出错（未安装 speech-dispatcher？），叫号改用 %s 播报",
            "espeak-ng" if self.espeak else "提示音",
        )
        self.speech = None

    def _rendered(self, ok: bool, wav: Path) -> None:
        if not ok or not wav.exists() or self.player is None or self.stopped:
            wav.unlink(missing_ok=True)
            return self._done()

        def played() -> None:
            wav.unlink(missing_ok=True)
            self._done()

        self.player.play(wav, played)

    def _done(self) -> None:
        self.busy = False
        if self.pending and not self.stopped:
            QTimer.singleShot(0, self, self._next)  # not nested in a player's callback

    def _folder_path(self) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="counter-voice-")
        return Path(self._folder.name)


def make_voice(
    parent: QObject | None = None,
    *,
    qt_speech: Callable[[], Speech | None] = make_qt_speech,
    which: Callable[[str], str | None] = shutil.which,
) -> Speaker:
    """The best voice this machine has (see the module docstring), with a warning in
    the log, once, in Chinese, for hall IT when calls will not be spoken or chimed."""
    player = find_player(which)
    espeak = which(ESPEAK)
    speech = qt_speech()
    if speech is None and espeak is None:
        log.warning(
            "未安装 espeak-ng，PySide6 也没有可用的 QtTextToSpeech：叫号屏叫号时只响提示音，"
            "不播报语音。请安装：sudo apt-get install espeak-ng"
        )
    if player is None:
        log.warning(
            "找不到播放声音的程序（pw-play、paplay 或 aplay）：提示音改为系统提示音%s。"
            "请安装：sudo apt-get install alsa-utils",
            "，语音由 espeak-ng 直接播放" if espeak and speech is None else "",
        )
    log.info(
        "call board voice: %s, player %s",
        "QtTextToSpeech" if speech else (f"{espeak} -v {ESPEAK_VOICE}" if espeak else "none"),
        " ".join(player) if player else "none",
    )
    return Speaker(
        ProcessPlayer(player) if player else None, espeak=espeak, speech=speech, parent=parent
    )
