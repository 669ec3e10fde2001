"""One track's contribution to any stretch of the scene's timeline, as AmbiX ``(4, n)``.

The offline render and the playback block mixer both call :meth:`PreparedTrack.add_into`,
the first with large blocks and the second with the audio device's, so they agree to float
precision by construction.

A mono source is encoded along its path by :func:`.panning.encode_into`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..spatial.ambisonics import air_absorption, distance_gain, foa_rotation_matrix
from ..spatial.room_render import render_in_room
from .media import MediaCache
from .panning import encode_into
from .tracks import Track

FADE_SECONDS = 0.005  # a trimmed edge fades over 5 ms so the cut does not click


@dataclass
class PreparedTrack:
    """A track ready to play: its samples at the scene's rate and where they sit.

    ``kind`` is "mono" (``signal`` (frames,) of the whole file, encoded per block), "foa"
    (``signal`` (4, frames) of the whole file, rotated per block) or "rendered" (``signal``
    (4, frames) of the clip itself, a room render with its ring-out).
    """

    track: Track
    kind: str
    signal: NDArray[np.float32]
    rate: int
    start: int  # scene frame of the clip's first sample
    frames: int  # frames the clip occupies on the timeline (with a room's ring-out)
    offset: int  # media frame of the clip's first sample (0 for "rendered")
    gain: float
    fade_in: int = 0
    fade_out: int = 0
    clip: int = 0  # frames of the clip itself (before a ring-out)
    matrix: NDArray[np.float32] | None = None

    @property
    def end(self) -> int:
        return self.start + self.frames

    def add_into(self, out: NDArray[np.float32], first: int) -> None:
        """Add this track to ``out`` (4, n), which holds scene frames ``first … first + n``."""
        n = out.shape[1]
        lo, hi = max(first, self.start), min(first + n, self.end)
        if lo >= hi or self.gain == 0.0:
            return
        r0, r1 = lo - self.start, hi - self.start  # clip-relative
        dst = out[:, lo - first : hi - first]
        if self.kind == "rendered":
            dst += self.signal[:, r0:r1] * np.float32(self.gain)
            return
        m0 = self.offset + r0
        src = self.signal[..., m0 : self.offset + r1]
        env = self._envelope(r0, r1)
        if self.kind == "foa":
            if env is not None:
                src = src * env[None, :]
            if self.matrix is not None:
                dst += (self.matrix * np.float32(self.gain)) @ src
            else:
                dst += src * np.float32(self.gain)
            return
        x = src * env if env is not None else src
        encode_into(dst, x, self.track.trajectory, self.rate, m0, self.gain)

    def _envelope(self, r0: int, r1: int) -> NDArray[np.float32] | None:
        """Fade gains for clip frames ``r0 … r1`` (None where no fade touches them)."""
        fin, fout, clip = self.fade_in, self.fade_out, self.clip
        if not ((fin and r0 < fin) or (fout and r1 > clip - fout)):
            return None
        r = np.arange(r0, r1, dtype=np.float32)
        env = np.ones(r1 - r0, dtype=np.float32)
        if fin:
            np.minimum(env, (r + 1) / fin, out=env)
        if fout:
            np.minimum(env, (clip - r) / fout, out=env)
        return env


def prepare_track(track: Track, gain: float, rate: int, media: MediaCache) -> PreparedTrack:
    """Read (or reuse) the track's media and, for a room, render the clip in it."""
    if track.kind == "foa" and track.path is not None:  # re-pathed: rendered on its path
        data = media.repathed(track.media, track.path)
    else:
        data = media.samples(track.media)
    start = int(round(track.start * rate))
    offset = min(int(round(track.trim_start * rate)), data.shape[1] - 1)
    clip = max(1, min(int(round(track.clip_length * rate)), data.shape[1] - offset))
    fade = int(round(FADE_SECONDS * rate))
    fade_in = min(fade, clip // 2) if offset > 0 else 0
    fade_out = min(fade, clip // 2) if offset + clip < data.shape[1] else 0
    common = dict(track=track, rate=rate, start=start, gain=gain, clip=clip)
    if track.kind == "foa":
        matrix = None
        if track.path is None and any(track.rotation):
            matrix = foa_rotation_matrix(*track.rotation).astype(np.float32)
        return PreparedTrack(
            kind="foa",
            signal=data,
            frames=clip,
            offset=offset,
            fade_in=fade_in,
            fade_out=fade_out,
            matrix=matrix,
            **common,
        )
    mono = data[0]
    if track.room is not None:
        rendered = media.derived(
            (
                "room",
                track.room,
                track.rt60,
                track.distance,
                track.trajectory.to_json(),
                offset,
                clip,
                fade_in,
                fade_out,
                rate,
            ),
            track.media,
            lambda: _render_room(track, mono, offset, clip, fade_in, fade_out, rate),
        )
        return PreparedTrack(
            kind="rendered", signal=rendered, frames=rendered.shape[1], offset=0, **common
        )
    if track.distance is not None:
        d = track.distance
        mono = media.derived(
            ("air", d, rate),
            track.media,
            lambda: (air_absorption(mono, d, rate) * distance_gain(d)).astype(np.float32),
        )
    return PreparedTrack(
        kind="mono",
        signal=mono,
        frames=clip,
        offset=offset,
        fade_in=fade_in,
        fade_out=fade_out,
        **common,
    )


def _render_room(
    track: Track,
    mono: NDArray[np.float32],
    offset: int,
    clip: int,
    fade_in: int,
    fade_out: int,
    rate: int,
) -> NDArray[np.float32]:
    """The clip placed in the track's room, from its first sample to the end of the ring-out.

    The room sees the media from its start with everything outside the clip silent, so the
    path keeps the media's time and the reflections are those of the clip alone.
    """
    x = np.zeros(offset + clip, dtype=np.float32)
    x[offset:] = mono[offset : offset + clip]
    probe = PreparedTrack(track, "mono", x, rate, 0, clip, offset, 1.0, fade_in, fade_out, clip)
    env = probe._envelope(0, clip)
    if env is not None:
        x[offset:] *= env
    room = track.room_model()
    assert room is not None
    foa = render_in_room(x, track.trajectory, rate, room, distance=track.distance).foa
    return np.ascontiguousarray(foa[:, offset:])
