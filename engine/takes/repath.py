"""Re-path a take without regenerating it: the same sound on another path.

With the factored codec a take's direction *is* its DirAC band vectors (see
:mod:`ambisketch.engine.models.factored_codec`): turning them onto a new path, lengths kept,
and resynthesising X, Y, Z around the unchanged W gives exactly the take the codec would
decode from the re-pathed latents — timbre and diffuseness untouched. A :class:`Repather`
keeps everything that does not depend on the path (W split into bands, the decorrelated
diffuse signals, the band vectors' lengths), so each new path costs only the panning:
tens of milliseconds for a 10 s take, fast enough to follow a path being dragged.

Takes without latents (imported files, the 4-channel codec) go through the DSP path lock
(:func:`~ambisketch.engine.spatial.path_lock.lock_to_path`) instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import NDArray

from ..errors import EngineError
from ..models.placement import path_directions
from ..spatial.dirac import band_filters, check_band_edges, split_band
from ..spatial.dirac_synthesis import decorrelators, diffuse_gains, limit_length, orthogonal_diffuse
from ..spatial.trajectory import Trajectory
from .latents import LatentsError, load_latents

if TYPE_CHECKING:
    from ..models.codec_kinds import AnyCodec
    from ..models.factored_codec import FactoredCodec
    from .records import TakeRecord
    from .store import TakeStore


@dataclass(frozen=True)
class DiracLayout:
    """Where the direction channels sit in a factored codec's latents and how to read them."""

    mono_channels: int
    band_edges: tuple[float, ...]
    hop: int
    rate: int
    direction_scale: float
    envelope_bands: int = 0  # channels after the directions: W's envelope (kept as they are)

    @classmethod
    def of_codec(cls, codec: AnyCodec) -> DiracLayout:
        factored = _factored(codec)
        cfg = factored.config
        return cls(
            cfg.mono.latent_channels,
            tuple(cfg.band_edges),
            int(cfg.hop),
            int(cfg.sample_rate),
            float(factored.direction_scale),
            int(cfg.envelope_bands),
        )

    def to_meta(self) -> dict[str, str]:
        return {
            "mono_channels": str(self.mono_channels),
            "band_edges": ",".join(f"{e:g}" for e in self.band_edges),
            "hop": str(self.hop),
            "dirac_rate": str(self.rate),
            "direction_scale": repr(self.direction_scale),
            **({"envelope_bands": str(self.envelope_bands)} if self.envelope_bands else {}),
        }

    @classmethod
    def from_meta(cls, meta: dict[str, str], where: str = "latents") -> DiracLayout:
        try:
            edges = tuple(float(e) for e in meta["band_edges"].split(",") if e)
            layout = cls(
                int(meta["mono_channels"]),
                edges,
                int(meta["hop"]),
                int(meta["dirac_rate"]),
                float(meta["direction_scale"]),
                int(meta.get("envelope_bands", "0")),
            )
        except (KeyError, ValueError) as exc:
            raise LatentsError(
                f"{where}: its metadata does not describe DirAC directions "
                f"({type(exc).__name__}: {exc}); made by a 4-channel codec?"
            ) from None
        if not (
            layout.hop > 0
            and layout.rate > 0
            and layout.direction_scale > 0
            and math.isfinite(layout.direction_scale)
        ):
            raise LatentsError(f"{where}: bad DirAC metadata {meta}")
        check_band_edges(layout.band_edges, layout.rate)
        return layout


class Repather:
    """One take's path-independent parts, ready to be placed on any path.

    Args:
        w: the take's W (samples,) — the decoded W (a held or learned take's W channel is
            exactly that).
        latents: the codec latents ``(channels, frames)`` (as the codec decodes them).
        layout: the direction channels' layout (:meth:`DiracLayout.of_codec` or the latents'
            metadata).
    """

    def __init__(
        self, w: NDArray[np.floating], latents: NDArray[np.floating], layout: DiracLayout
    ) -> None:
        mono = np.asarray(w, dtype=np.float64).reshape(-1)
        lat = np.asarray(latents, dtype=np.float64)
        m = layout.mono_channels
        bands = len(layout.band_edges) + 1
        env = layout.envelope_bands
        if lat.ndim != 2 or lat.shape[0] != m + 3 * bands + env:
            raise LatentsError(
                f"latents of shape {lat.shape} do not hold {m} W channels, "
                f"{bands} bands of directions" + (f" and {env} envelope bands" if env else "")
            )
        self.layout, self.latents = layout, np.asarray(latents, dtype=np.float32)
        self.n = mono.size
        self.frames = lat.shape[1]
        vectors = lat[m : m + 3 * bands].reshape(bands, 3, self.frames) / layout.direction_scale
        self.lengths = np.linalg.norm(limit_length(vectors), axis=1)  # (bands, frames)
        edges, rate = layout.band_edges, float(layout.rate)
        from scipy.signal import oaconvolve

        diffuse = oaconvolve(
            np.broadcast_to(mono, (3, self.n)), decorrelators(edges, rate), mode="same", axes=-1
        )
        norm = diffuse_gains(edges, rate)
        self.w = mono.astype(np.float32)
        filters = band_filters(edges, rate)
        w_bands = [split_band(mono, band) for band in filters]
        self.w_bands = np.stack(w_bands).astype(np.float32)  # (bands, n)
        self.diffuse_bands = np.stack(
            [
                orthogonal_diffuse(w_bands[b], split_band(diffuse, band), rate) * norm[b][:, None]
                for b, band in enumerate(filters)
            ]
        ).astype(np.float32)  # (bands, 3, n)
        # Linear interpolation between frame centres ((j + ½)·hop − ½ samples, held before
        # the first and after the last), as dirac_synthesis.interpolate_frames does. Between
        # two centres lie exactly ``hop`` samples, so after a ``head`` before the first
        # centre the take is blocks of ``hop`` samples with one weight ramp for all of them.
        hop = layout.hop
        self._head = min(self.n, int(math.ceil(hop / 2 - 0.5)))
        self._ramp = ((np.arange(hop) + self._head - (hop / 2 - 0.5)) / hop).astype(np.float32)
        blocks = max(0, math.ceil((self.n - self._head) / hop))
        self._j0 = np.minimum(np.arange(blocks), self.frames - 1)
        self._j1 = np.minimum(np.arange(blocks) + 1, self.frames - 1)

    @classmethod
    def from_take(
        cls, wav: str | Path, foa: NDArray[np.floating] | None = None, codec: AnyCodec | None = None
    ) -> Repather:
        """The repather of a stored take: its latents file and its W.

        The W channel of a held or learned take is the decoded W; a path-locked take's was
        changed by the lock, so its W is decoded from the latents with ``codec`` (the
        take's model's codec), which must then be given."""
        latents, meta = load_latents(wav)
        layout = DiracLayout.from_meta(meta, str(wav))
        if meta.get("placement") == "locked":
            if codec is None:
                raise LatentsError(
                    f"{wav}: a path-locked take; re-pathing it needs its model's codec to decode W"
                )
            try:
                gain = float(meta.get("gain", "1"))
            except ValueError:
                raise LatentsError(f"{wav}: bad gain {meta.get('gain')!r} in its latents") from None
            return cls.from_latents(latents, codec, int(meta.get("samples", 0)) or None, gain)
        if foa is None:
            from .records import read_take_audio

            foa, _ = read_take_audio(Path(wav))
        return cls(np.asarray(foa)[0], latents, layout)

    @classmethod
    def from_latents(
        cls,
        latents: NDArray[np.floating],
        codec: AnyCodec,
        samples: int | None = None,
        gain: float = 1.0,
    ) -> Repather:
        """Decode W from ``latents`` with a factored ``codec`` (cut to ``samples``, times
        ``gain``: the take's loudness normalisation)."""
        import torch

        layout = DiracLayout.of_codec(codec)
        x = torch.from_numpy(np.ascontiguousarray(latents, dtype=np.float32))[None]
        with torch.no_grad():
            w = _factored(codec).decode_w(x)[0, 0].float().numpy()
        return cls((w[:samples] if samples else w) * np.float32(gain), latents, layout)

    def vectors(self, trajectory: Trajectory) -> NDArray[np.float64]:
        """Band vectors ``(bands, 3, frames)`` on ``trajectory``, lengths kept."""
        d = path_directions(trajectory, self.frames, self.layout.hop, self.layout.rate)
        return self.lengths[:, None, :] * d[None]

    def render(self, trajectory: Trajectory) -> NDArray[np.float32]:
        """The take on ``trajectory``: AmbiX ``(4, samples)`` float32 (W unchanged)."""
        v = self.vectors(trajectory).astype(np.float32)  # (bands, 3, frames)
        bands, n, head = v.shape[0], self.n, self._head
        a, b = v[..., self._j0, None], v[..., self._j1, None]
        ramped = (a + (b - a) * self._ramp).reshape(bands, 3, -1)[..., : n - head]
        gains = np.concatenate([np.broadcast_to(v[..., :1], (bands, 3, head)), ramped], -1)
        xyz = np.zeros((3, n), dtype=np.float32)
        third = np.float32(1.0 / 3.0)
        for k in range(bands):
            g = gains[k]
            spread = np.sqrt(np.maximum(1.0 - (g * g).sum(axis=0), 0.0) * third)
            xyz += self.w_bands[k] * g
            xyz += self.diffuse_bands[k] * spread
        return np.stack([self.w, xyz[1], xyz[2], xyz[0]])

    def repathed_latents(self, trajectory: Trajectory) -> NDArray[np.float32]:
        """The latents with the direction channels on ``trajectory`` (to keep beside the new
        take, so it can be re-pathed again)."""
        m = self.layout.mono_channels
        v = self.vectors(trajectory).reshape(-1, self.frames) * self.layout.direction_scale
        tail = self.latents[m + v.shape[0] :]  # the envelope, if any
        return np.concatenate([self.latents[:m], v.astype(np.float32), tail])


def _factored(codec: AnyCodec) -> FactoredCodec:
    """``codec`` as the factored kind (DirAC directions in its latents), or an error."""
    if not hasattr(codec.config, "band_edges"):
        raise EngineError(
            "re-pathing from latents needs a factored codec (DirAC "
            "directions); this one is the 4-channel kind"
        )
    return cast("FactoredCodec", codec)


def repath(
    latents: NDArray[np.floating],
    trajectory: Trajectory,
    codec: AnyCodec,
    samples: int | None = None,
) -> NDArray[np.float32]:
    """The take decoded from ``latents`` by a factored ``codec``, placed on ``trajectory``
    (one call; hold a :class:`Repather` to place the same take on many paths)."""
    return Repather.from_latents(latents, codec, samples).render(trajectory)


def lock_take(foa: NDArray[np.floating], trajectory: Trajectory, rate: int) -> NDArray[np.float32]:
    """A take without latents on ``trajectory``: the DSP path lock."""
    from ..spatial.path_lock import lock_to_path

    return lock_to_path(foa, trajectory, rate)


def repath_take(
    store: TakeStore,
    record: TakeRecord,
    trajectory: Trajectory,
    name: str | None = None,
    codec: AnyCodec | None = None,
    repather: Repather | None = None,
) -> TakeRecord:
    """A new take in ``store``: ``record``'s sound on ``trajectory`` (its length: the take's).

    From the take's latents when it has them (placement ``held``: exact, the new take keeps
    latents and can be re-pathed again), else by the DSP path lock (``locked``). The new
    take's sidecar is the old one's with the new path, its placement and measured error,
    and ``repathed_from``. Returns the new :class:`~.records.TakeRecord`."""
    from ..audio_io import write_audio
    from ..spatial.captions import describe
    from ..spatial.doa import direction_errors, intensity_doa
    from .latents import latents_path, save_latents
    from .metadata import now_iso
    from .store import STORE_BITS

    foa, rate = store.load(record)
    seconds = foa.shape[1] / rate
    if abs(trajectory.duration - seconds) > 1e-6:
        trajectory = trajectory.with_duration(seconds)
    latents = None
    if repather is None and record.has_latents:
        repather = Repather.from_take(record.path, foa, codec)
    if repather is not None:
        out, placement = repather.render(trajectory), "held"
        latents = repather.repathed_latents(trajectory)
        _, meta = load_latents(record.path)
    else:
        out, placement = lock_take(foa, trajectory, rate), "locked"
    errors = direction_errors(intensity_doa(out, rate), trajectory).to_dict()
    side = dict(record.sidecar)
    side.update(
        {
            "created": now_iso(),
            "path": trajectory.to_dict(),
            "path_caption": describe(trajectory),
            "path_source": "drawn",
            "placement": placement,
            "path_errors": errors,
            "path_error_deg": errors["spatial_angle"],
            "repathed_from": record.name,
            "seconds": round(seconds, 6),
        }
    )
    side.pop("parsed_path", None)
    side.pop("placement_note", None)
    if isinstance(side.get("request"), dict):
        side["request"] = {**side["request"], "path": trajectory.to_dict(), "mode": "parametric"}
    target = store._new_path(name) if name is not None else store._free(f"{record.name}_repath")
    store._make_folder()
    if latents is not None:
        save_latents(target, latents, {**meta, "placement": placement})
    try:
        write_audio(target, out, rate, bits=STORE_BITS, sidecar=side)
    except BaseException:
        latents_path(target).unlink(missing_ok=True)
        raise
    return store.read_record(target)
