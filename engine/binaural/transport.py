"""Binaural playback of an FOA take: play, pause, stop, seek, loop, live head rotation.

The :meth:`Transport.callback` is sounddevice's stream callback; it can also be driven
directly (tests, offline bounces). It always fills the whole ``outdata`` buffer, never
raises (an error is recorded in :attr:`Transport.errors` and the block is silent), and
applies requested changes at block boundaries without clicks: pause, stop and seek fade
the current block out (and the next one in); rotation and HRTF changes crossfade inside
the :class:`BlockRenderer`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..audio_io import resample
from ..errors import AudioDeviceError
from . import devices
from .cache import DecoderCache, decoder_for
from .devices import OutputDevice
from .hrirs import HrirSet
from .hrtf import load_hrtf
from .render import BlockRenderer

if TYPE_CHECKING:
    from ..monitoring.speaker_decoder import SpeakerDecoder

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"


class Transport:
    """Plays an AmbiX take ``(4, frames)`` at ``rate`` Hz binaurally.

    Args:
        foa: the take.
        rate: its sample rate.
        hrirs: the HRIR set (None = the default set).
        device: output device index or name part (None = the system default).
        device_output: False = open no audio stream; whoever calls :meth:`callback` drives it.
        cache: where decoders come from (None = the process's shared cache).
        speakers: a loudspeaker decoder (:class:`~ambisketch.engine.monitoring.SpeakerDecoder`):
            play its channels on a multichannel device instead of binaural.
        lfe: with ``speakers``, feed the LFE channel (W low-passed at 120 Hz).
        rotation_source: called once per audio block for the head (yaw, pitch, roll), e.g. a
            head tracker's ``head_rotation``; it overrides :meth:`set_rotation`.
    """

    def __init__(
        self,
        foa: ArrayLike,
        rate: int,
        hrirs: HrirSet | None = None,
        *,
        device: int | str | None = None,
        device_output: bool = True,
        diffuse_eq: bool = True,
        cache: DecoderCache | None = None,
        yaw: float = 0.0,
        pitch: float = 0.0,
        roll: float = 0.0,
        speakers: SpeakerDecoder | None = None,
        lfe: bool = False,
        rotation_source: Callable[[], tuple[float, float, float]] | None = None,
    ) -> None:
        take = np.asarray(foa, dtype=np.float32)
        if take.ndim != 2 or take.shape[0] != 4:
            raise ValueError(f"expected FOA of shape (4, frames), got {take.shape}")
        self._take = np.ascontiguousarray(take)
        self._rate = int(rate)
        self._hrirs = hrirs if hrirs is not None else load_hrtf()
        self._diffuse_eq = diffuse_eq
        self._cache = cache
        self._speakers, self._lfe = speakers, lfe
        self.rotation_source = rotation_source
        self._renderer = self._make_renderer(self._rate, yaw, pitch, roll)
        self._device = device
        self._device_output = device_output
        self._stream: Any = None
        self._lock = threading.RLock()
        self._pos = 0
        self._state = STOPPED
        self._pending: tuple[str, int] | None = None  # (state after the fade, new position)
        self._fade_in = False
        self.loop = False
        self.errors: list[str] = []
        self.finished = threading.Event()  # set when the take played to its end (no loop)

    # --- what the UI reads ------------------------------------------------------------
    @property
    def rate(self) -> int:
        return self._rate

    @property
    def duration(self) -> float:
        return self._take.shape[1] / self._rate

    @property
    def position(self) -> float:
        """Seconds from the start of the take (where the next block starts)."""
        with self._lock:
            pos = self._pending[1] if self._pending else self._pos
            return pos / self._rate

    @property
    def state(self) -> str:
        with self._lock:
            return self._pending[0] if self._pending else self._state

    @property
    def channels(self) -> int:
        """Output channels: 2 (binaural) or the loudspeaker layout's."""
        return 2 if self._speakers is None else int(self._speakers.channels)

    @property
    def hrirs(self) -> HrirSet:
        return self._hrirs

    @property
    def rotation(self) -> tuple[float, float, float]:
        return self._renderer.rotation

    @property
    def device(self) -> OutputDevice | None:
        """The device of the open stream (None before the first :meth:`play`)."""
        return getattr(self, "_device_info", None)

    # --- controls ---------------------------------------------------------------------
    def play(self) -> None:
        """Start or resume (opens the audio stream the first time)."""
        if self._device_output and self._stream is None:
            self._open_stream()
        with self._lock:
            self.finished.clear()
            if self._pending:  # a pause/stop/seek not yet faded out: it becomes a seek
                self._pending = (PLAYING, self._pending[1])
            elif self._state != PLAYING:
                self._state = PLAYING
                self._fade_in = True

    def pause(self) -> None:
        self._change(PAUSED, None)

    def stop(self) -> None:
        """Stop and go back to the start."""
        self._change(STOPPED, 0)

    def seek(self, seconds: float) -> None:
        """Go to ``seconds`` (clamped to the take); while playing, fade out and in."""
        frames = int(round(min(max(float(seconds), 0.0), self.duration) * self._rate))
        with self._lock:
            self._change(self._state if not self._pending else self._pending[0], frames)

    def set_loop(self, on: bool) -> None:
        self.loop = bool(on)

    def set_rotation(self, yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> None:
        """Head rotation in degrees (positive yaw = head turns left); crossfaded."""
        with self._lock:
            self._renderer.set_rotation(yaw, pitch, roll)

    def set_hrtf(self, hrirs: HrirSet | None, diffuse_eq: bool | None = None) -> None:
        """Switch the HRTF (None = default), also while playing: crossfaded over one block."""
        hrirs = hrirs if hrirs is not None else load_hrtf()
        if diffuse_eq is not None:
            self._diffuse_eq = diffuse_eq
        if self._speakers is not None:  # playing on loudspeakers: kept for a switch back
            self._hrirs = hrirs
            return
        dec = self._decoder(hrirs, self._rate)  # designed outside the lock: may take 0.2 s
        with self._lock:
            self._hrirs = hrirs
            self._renderer.set_decoder(dec)

    def set_speakers(self, speakers: SpeakerDecoder | None = None, lfe: bool = False) -> None:
        """Play on loudspeakers (a :class:`~ambisketch.engine.monitoring.SpeakerDecoder`) or,
        with None, binaurally again; switched at a block boundary, an open stream re-opened
        with the new channel count (:class:`AudioDeviceError` when the device has too few)."""
        yaw, pitch, roll = self._renderer.rotation
        old = self._speakers, self._lfe
        self._speakers, self._lfe = speakers, lfe
        renderer = self._make_renderer(self._rate, yaw, pitch, roll)  # a design: outside the lock
        with self._lock:
            self._renderer = renderer
        if self._stream is not None:
            self._close_stream()
            try:
                self._open_stream()
            except AudioDeviceError:
                self._speakers, self._lfe = old
                self._renderer = self._make_renderer(self._rate, yaw, pitch, roll)
                self._open_stream()
                raise

    def set_device(self, device: int | str | None) -> None:
        """Play on another output device (re-opens the stream if one is open)."""
        self._device = device
        if self._stream is not None:
            self._close_stream()
            self._open_stream()

    def close(self) -> None:
        """Stop and release the audio device."""
        with self._lock:
            self._state, self._pending = STOPPED, None
        self._close_stream()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the audio callback -----------------------------------------------------------
    def callback(
        self, outdata: NDArray[np.float32], frames: int, time: Any = None, status: Any = None
    ) -> None:
        """Fill ``outdata`` ``(frames, 2)`` with the next block (sounddevice's signature)."""
        try:
            with self._lock:
                if self._state != PLAYING:
                    outdata.fill(0)
                    return
                block = self._next_block(frames)
                if self.rotation_source is not None:  # a head tracker: read once per block
                    self._renderer.set_rotation(*self.rotation_source())
                out = self._renderer.process(block)
                if self._fade_in:
                    out *= np.linspace(0, 1, frames, dtype=np.float32)[None, :] if frames else 1
                    self._fade_in = False
                if self._pending:
                    out *= np.linspace(1, 0, frames, dtype=np.float32)[None, :] if frames else 1
                    self._apply_pending()
                outdata[:] = out.T
        except Exception as exc:  # an exception would stop the stream silently: record it
            outdata.fill(0)
            if len(self.errors) < 100:
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def _next_block(self, frames: int) -> NDArray[np.float32]:
        """The next ``frames`` of the take (wrapping when looping, zeros past the end)."""
        total = self._take.shape[1]
        block = np.zeros((4, frames), dtype=np.float32)
        filled = 0
        while filled < frames:
            if self._pos >= total:
                if self.loop and total > 0:
                    self._pos = 0
                else:
                    self._state, self._pos = STOPPED, 0
                    self.finished.set()
                    break
            n = min(frames - filled, total - self._pos)
            block[:, filled : filled + n] = self._take[:, self._pos : self._pos + n]
            filled += n
            self._pos += n
        return block

    # --- internals --------------------------------------------------------------------
    def _change(self, state: str, frames: int | None) -> None:
        with self._lock:
            pos = (
                frames if frames is not None else (self._pending[1] if self._pending else self._pos)
            )
            if self._state == PLAYING:
                self._pending = (state, pos)  # the callback fades out, then applies it
                return
            self._pending = None
            self._state = state
            if pos != self._pos:
                self._pos = pos
                self._renderer.reset()

    def _apply_pending(self) -> None:
        assert self._pending is not None
        state, pos = self._pending
        self._pending = None
        if pos != self._pos:
            self._renderer.reset()
            self._pos = pos
        self._state = state
        self._fade_in = state == PLAYING

    def _make_renderer(self, rate: int, yaw: float, pitch: float, roll: float) -> Any:
        if self._speakers is not None:
            from ..monitoring.speaker_decoder import SpeakerRenderer

            return SpeakerRenderer(self._speakers, rate, yaw, pitch, roll, lfe=self._lfe)
        return BlockRenderer(self._decoder(self._hrirs, rate), yaw, pitch, roll)

    def _decoder(self, hrirs: HrirSet, rate: int) -> Any:
        return decoder_for(hrirs, rate, diffuse_eq=self._diffuse_eq, cache=self._cache)

    def _open_stream(self) -> None:
        sd = devices.sounddevice_module()  # looked up on the module: tests replace it
        info = devices.pick_output_device(self._device)
        if info.channels < self.channels:
            raise AudioDeviceError(
                f"output device {info.index} ({info.name}) has "
                f"{info.channels} channel(s); this playback needs "
                f"{self.channels}"
            )
        try:
            sd.check_output_settings(
                device=info.index, channels=self.channels, dtype="float32", samplerate=self._rate
            )
        except Exception:  # the device cannot play this rate: play at its own rate
            self._use_rate(int(info.default_rate))
        try:
            stream = sd.OutputStream(
                samplerate=self._rate,
                channels=self.channels,
                dtype="float32",
                device=info.index,
                latency="high",
                callback=self.callback,
            )
            stream.start()
        except Exception as exc:  # sd.PortAudioError and friends
            raise AudioDeviceError(
                f"cannot play on output device {info.index} ({info.name}): {exc}"
            ) from None
        self._stream = stream
        self._device_info = info

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:
                self.errors.append(f"closing the stream: {exc}")

    def _use_rate(self, rate: int) -> None:
        """Resample the take and redesign the decoder for a device that needs ``rate``."""
        with self._lock:
            pos = self._pos / self._rate
            self._take = resample(self._take, self._rate, rate)
            yaw, pitch, roll = self._renderer.rotation
            self._renderer = self._make_renderer(rate, yaw, pitch, roll)
            self._rate = rate
            self._pos = int(round(pos * rate))
