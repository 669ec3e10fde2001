"""The high band: the 7.6–20 kHz a 16 kHz take lacks, estimated from what it has.

The starter model works at 16 kHz, so a take resampled to 44.1/48 kHz for export has nothing
above ≈ 7.6 kHz. Rather than leave that octave and a half empty, :func:`extend_highs` fills it
the way spectral band replication does in HE-AAC (Dietz et al. 2002): the take's top octave
(3.7–7.4 kHz, under soxr's transition band), whitened, is copied up, bin for bin, into
7.6–11.3, 11.3–15 and 15–20 kHz (so every transient and every noisy texture keeps its timing
there), and a small network sets the level
of each of 12 high bands in every 5.3 ms frame from the 16 low bands around it (±8 frames):
how bright a sound is above 8 kHz follows from its spectrum under 8 kHz, learned on full-band
recordings (:class:`HighBandModel`, ``ambisketch train highs``).

The four channels keep their directions: each channel's high band is W's high band times that
channel's ratio to W in 2–7.6 kHz in the same frame (for a source on a path this is exactly
its encoding gains), plus, for the part of the channel's energy there that does not correlate
with W (a room's diffuse tail), W's high band through a short decorrelating filter at that
level — so the highs come from where the take's upper mids come from, and a diffuse
tail stays diffuse. What this cannot do: a sound whose highs do not follow
from its mids (a cymbal over a bass) gets the highs its mids suggest, and tonal highs come out
as shifted, not harmonic, partials — the levels are estimated, the fine structure is borrowed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d
from scipy.signal import fftconvolve

from .highband_net import CONFIG_FILE as CONFIG_FILE
from .highband_net import HIGH_BANDS as HIGH_BANDS
from .highband_net import LOW_BANDS as LOW_BANDS
from .highband_net import WEIGHTS_FILE as WEIGHTS_FILE
from .highband_net import FixedLevels as FixedLevels
from .highband_net import HighBandConfig as HighBandConfig
from .highband_net import HighBandModel as HighBandModel
from .highband_net import LevelPredictor as LevelPredictor
from .highband_net import default_folder as default_folder
from .highband_net import default_model as default_model
from .highband_net import load_highs as load_highs
from .highband_net import save_highs as save_highs

N_FFT = 1024  # at the output rate (21 ms at 48 kHz)
HOP = N_FFT // 4  # a bin shift that is a multiple of 4 keeps the copied phases continuous
CUTOFF_HZ = 7600.0  # where a 16 kHz take's band ends after soxr's transition
TOP_HZ = 20000.0  # the extension stops here (or under the output's Nyquist)
LOW_FROM_HZ = 150.0
REF_FROM_HZ = CUTOFF_HZ / 2  # the octave the band levels are set from
SOURCE_TOP_HZ = 7400.0  # the copied octave ends here, under soxr's transition (flat to 7.4 kHz)
SPATIAL_FROM_HZ = 2000.0
FLOOR_DB = -110.0
MIN_RATE = 32000


def low_edges() -> NDArray[np.float64]:
    return np.geomspace(LOW_FROM_HZ, CUTOFF_HZ, LOW_BANDS + 1)


def high_edges() -> NDArray[np.float64]:
    """The network's 12 bands, the same at every output rate (at 32 kHz the top ones lie
    above Nyquist and are left out)."""
    return np.geomspace(CUTOFF_HZ, TOP_HZ, HIGH_BANDS + 1)


def top_hz(rate: int) -> float:
    """Where the extension stops at ``rate``: TOP_HZ, or just under Nyquist."""
    return float(min(TOP_HZ, 0.49 * rate))


@lru_cache(maxsize=8)
def _band_matrix(rate: int, high: bool) -> NDArray[np.float32]:
    """``(bins, bands)``: 1/n for the n bins of each band (band power = mean power per bin)."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / rate)
    edges = high_edges() if high else low_edges()
    m = np.zeros((len(freqs), len(edges) - 1), np.float32)
    for b in range(len(edges) - 1):
        inside = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if edges[b] >= freqs[-1]:  # above Nyquist: no bins
            continue
        if not inside.any():  # a band narrower than a bin takes its nearest bin
            inside = np.abs(freqs - np.sqrt(edges[b] * edges[b + 1])) == np.min(
                np.abs(freqs - np.sqrt(edges[b] * edges[b + 1]))
            )
        m[inside, b] = 1.0 / inside.sum()
    return m


@lru_cache(maxsize=8)
def _live_bands(rate: int) -> NDArray[np.float32]:
    """:func:`_band_matrix` of the high bands over the bins under :func:`top_hz` only (where
    the extension is), a band with none there taking the last one that has some — so that at
    32 kHz the bands at and above Nyquist do not read as empty and raise the band under them."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / rate)
    bins = (_band_matrix(rate, high=True) > 0) & (freqs < top_hz(rate))[:, None]
    counts = bins.sum(axis=0)
    out = bins / np.maximum(counts, 1)
    last = int(np.flatnonzero(counts)[-1])  # the bands are contiguous from CUTOFF_HZ up
    out[:, last + 1 :] = out[:, last : last + 1]
    return out.astype(np.float32)


def _ref_mask(rate: int) -> NDArray[np.bool_]:
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / rate)
    return (freqs >= REF_FROM_HZ) & (freqs < CUTOFF_HZ)


def stft(x: NDArray[np.floating]) -> NDArray[np.complex64]:
    """``(frames, bins)`` of a mono signal: Hann, N_FFT, HOP, centred (padded by N_FFT/2)."""
    x = np.asarray(x, np.float32).reshape(-1)
    pad = np.concatenate([np.zeros(N_FFT // 2, np.float32), x, np.zeros(N_FFT, np.float32)])
    frames = 1 + len(x) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    return np.fft.rfft(pad[idx] * _window(), axis=1).astype(np.complex64)


def istft(spec: NDArray[np.complexfloating], length: int) -> NDArray[np.float32]:
    """Overlap-add inverse of :func:`stft` (Hann analysis and synthesis, normalised)."""
    frames = np.fft.irfft(spec, n=N_FFT, axis=1).astype(np.float32) * _window()
    total = N_FFT + HOP * (len(spec) - 1)
    out = np.zeros(total, np.float32)
    norm = np.zeros(total, np.float32)
    w2 = _window() ** 2
    for t in range(len(spec)):
        out[t * HOP : t * HOP + N_FFT] += frames[t]
        norm[t * HOP : t * HOP + N_FFT] += w2
    scaled = (out / np.maximum(norm, 1e-3)).astype(np.float32)
    return scaled[N_FFT // 2 : N_FFT // 2 + length]


@lru_cache(maxsize=1)
def _window() -> NDArray[np.float32]:
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)


def _db(power: NDArray[np.floating]) -> NDArray[np.float32]:
    return (10.0 * np.log10(np.maximum(power, 10 ** (FLOOR_DB / 10)))).astype(np.float32)


def features(
    power: NDArray[np.floating], rate: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``(frames, LOW_BANDS + 1)`` network input from the power ``(frames, bins)`` of a band-
    limited signal, and each frame's reference level (dB, mean power per bin in 3.8–7.6 kHz).
    Input: the low bands in dB relative to the reference, and the reference relative to the
    clip's loudest frame (so that the floor of a quiet passage is told from a sound)."""
    ref = _db(power[:, _ref_mask(rate)].mean(axis=1))
    low = _db(power @ _band_matrix(rate, high=False)) - ref[:, None]
    loud = (ref - ref.max()) if len(ref) else ref
    feats = np.concatenate([np.clip(low, -60, 60) / 20.0, np.clip(loud, -80, 0)[:, None] / 20.0], 1)
    return feats.astype(np.float32), ref


def targets(
    power: NDArray[np.floating], rate: int, ref: NDArray[np.float32]
) -> NDArray[np.float32]:
    """``(frames, HIGH_BANDS)``: each high band's level (dB) relative to the reference."""
    return np.clip(_db(power @ _band_matrix(rate, high=True)) - ref[:, None], -80.0, 20.0)


@lru_cache(maxsize=8)
def _interp_matrix(rate: int) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """``(HIGH_BANDS, bins inside)`` weights that interpolate band values linearly on a
    log-frequency axis between band centres (flat beyond the first and last), and which bins
    are inside CUTOFF…top."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / rate)
    edges = high_edges()
    centres = np.log(np.sqrt(edges[:-1] * edges[1:]))
    inside = (freqs >= CUTOFF_HZ) & (freqs < top_hz(rate))
    eye = np.eye(HIGH_BANDS)
    lf = np.log(np.maximum(freqs[inside], 1.0))
    m = np.stack([np.interp(lf, centres, eye[b]) for b in range(HIGH_BANDS)])
    return m.astype(np.float32), inside


def _bin_gains(levels_db: NDArray[np.float32], rate: int) -> NDArray[np.float32]:
    """Band levels ``(frames, HIGH_BANDS)`` → per-bin dB ``(frames, bins)``, interpolated
    between band centres (:func:`_interp_matrix`), −inf outside CUTOFF…top."""
    m, inside = _interp_matrix(rate)
    out = np.full((len(levels_db), len(inside)), -np.inf, np.float32)
    out[:, inside] = np.asarray(levels_db, np.float32) @ m
    return out


def copy_up(spec: NDArray[np.complexfloating], rate: int) -> NDArray[np.complex64]:
    """The octave under SOURCE_TOP_HZ, whitened, copied up over CUTOFF…top (zero elsewhere),
    bin for bin, as often as it takes (patches of one octave's width, each a whole number of 4 bins
    higher, so that their phases run on continuously from frame to frame)."""
    bin_hz = rate / N_FFT
    cut = int(np.ceil(CUTOFF_HZ / bin_hz))
    src_top = int(SOURCE_TOP_HZ / bin_hz)
    shift = 4 * max(1, int(round(SOURCE_TOP_HZ / 2 / bin_hz / 4)))
    top = min(int(np.floor(top_hz(rate) / bin_hz)), spec.shape[1] - 1)
    out = np.zeros_like(spec, dtype=np.complex64)
    dest = np.arange(cut, top + 1)
    # Each destination bin f takes the source bin f - k * shift with k the smallest whole
    # number that lands it in [src_top - shift, src_top) ...
    k = np.ceil((dest - src_top + 1) / shift).astype(int)
    src = dest - k * shift
    # ... and k * shift is a multiple of 4 bins whatever k is (shift is).
    out[:, dest] = spec[:, src] / np.sqrt(_smoothed_power(spec)[:, src] + 1e-20)
    return out


def _smoothed_power(spec: NDArray[np.complexfloating], half: int = 8) -> NDArray[np.float32]:
    """Each frame's power spectrum averaged over ±``half`` bins: the copied octave is divided
    by it (whitened), so that its slope does not repeat as a sawtooth in every patch."""
    return _smooth(np.abs(spec) ** 2, half, axis=1)


def _smooth(x: NDArray[np.floating], half: int, axis: int = 0) -> NDArray[np.float32]:
    """Moving average of ``2 * half + 1`` values along ``axis`` (over time by default), the
    ends held."""
    if half <= 0 or x.shape[axis] == 0:
        return np.asarray(x, np.float32)
    avg = uniform_filter1d(np.asarray(x, np.float64), 2 * half + 1, axis=axis, mode="nearest")
    return avg.astype(np.float32)


def spatial_gains(
    specs: NDArray[np.complexfloating], rate: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Per channel and frame (``(channels, frames)`` each, smoothed over ±2 frames), measured
    against W in SPATIAL_FROM_HZ…CUTOFF: the coherent gain (the real ratio to W: a source's
    encoding gains; W's is 1; the directional part capped at unit length) and the diffuse
    gain (the rest of the channel's energy, uncorrelated with W: a room's tail, where X, Y
    and Z each hold about a third of W's energy in SN3D)."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / rate)
    band = (freqs >= SPATIAL_FROM_HZ) & (freqs < CUTOFF_HZ)
    w = specs[0][:, band]
    ww = np.maximum(_smooth((np.abs(w) ** 2).sum(axis=1), 2), 1e-20)
    coherent = np.ones((len(specs), specs.shape[1]), np.float32)
    energy = np.ones((len(specs), specs.shape[1]), np.float32)
    for c in range(1, len(specs)):
        coherent[c] = _smooth(np.real(specs[c][:, band] * np.conj(w)).sum(axis=1), 2) / ww
        energy[c] = _smooth((np.abs(specs[c][:, band]) ** 2).sum(axis=1), 2) / ww
    if len(specs) > 1:
        norm = np.sqrt((coherent[1:] ** 2).sum(axis=0))
        coherent[1:] /= np.maximum(norm, 1.0)
    diffuse = np.sqrt(np.clip(np.minimum(energy, 1.0) - coherent**2, 0.0, None))
    diffuse[0] = 0.0
    return coherent.astype(np.float32), diffuse.astype(np.float32)


@lru_cache(maxsize=8)
def _decorrelator(channel: int, rate: int) -> NDArray[np.float32]:
    """A short filter of decaying noise (10 ms, 3 ms decay, unit energy; a different one per
    channel): the diffuse part of a channel's high band is W's high band through it, so that
    it keeps its energy but does not correlate with W's (nor with the other channels')."""
    n = int(0.010 * rate)
    rng = np.random.default_rng(1000 + channel)
    h = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.003 * rate))
    return (h / np.sqrt(np.sum(h**2))).astype(np.float32)


def _high_spectrum(
    spec_w: NDArray[np.complexfloating], rate: int, model: LevelPredictor, amount_db: float
) -> NDArray[np.complex64]:
    """W's high band as an STFT (frames, bins): its top octave copied up, at the levels
    ``model`` estimates from the band under CUTOFF."""
    feats, ref = features(np.abs(spec_w) ** 2, rate)
    levels = model.predict(feats) + ref[:, None] + amount_db
    exc = copy_up(spec_w, rate)
    exc_db = _db(np.abs(exc) ** 2 @ _live_bands(rate))
    target, have = _bin_gains(levels, rate), _bin_gains(exc_db, rate)
    inside = np.isfinite(target)
    gains_db = np.full(target.shape, -200.0, np.float32)
    gains_db[inside] = target[inside] - have[inside]
    gains_db = _smooth(gains_db, 1)
    return exc * (10.0 ** (np.minimum(gains_db, 60.0) / 20.0)).astype(np.float32)


def _check_rate(rate: int) -> None:
    if rate < MIN_RATE:
        raise ValueError(
            f"the high band needs an output rate of at least {MIN_RATE} Hz, not {rate}"
        )


def extend_highs(
    foa: NDArray[np.floating], rate: int, model: LevelPredictor, amount_db: float = 0.0
) -> NDArray[np.float32]:
    """``foa`` ``(channels, samples)`` at ``rate`` (≥ 32 kHz, band-limited to ≈ 7.6 kHz, as a
    16 kHz take after resampling) with the high band added; channel 0 is W. ``amount_db``
    raises or lowers the added band (0 = as estimated)."""
    x = np.asarray(foa, np.float32)
    _check_rate(rate)
    specs = np.stack([stft(ch) for ch in x])
    high = _high_spectrum(specs[0], rate, model, amount_db)
    coherent, diffuse = spatial_gains(specs, rate)
    out = x.copy()
    for c in range(len(x)):
        out[c] += istft(high * coherent[c][:, None], x.shape[1])
        if diffuse[c].any():
            tail = istft(high * diffuse[c][:, None], x.shape[1])
            out[c] += fftconvolve(tail, _decorrelator(c, rate))[: x.shape[1]].astype(np.float32)
    return out


def w_high_band(
    w: NDArray[np.floating], rate: int, model: LevelPredictor, amount_db: float = 0.0
) -> NDArray[np.float32]:
    """The high band alone that :func:`extend_highs` gives W (mono ``w`` at ``rate``): what a
    re-pathed take's highs are made of — it does not depend on the path, so it is made once
    and panned along each new path (:mod:`ambisketch.engine.scene.media`)."""
    x = np.asarray(w, np.float32)
    _check_rate(rate)
    return istft(_high_spectrum(stft(x), rate, model, amount_db), x.shape[0])


BAND_LIMITED_RATE = 16000  # takes at this rate (the starter model's) are the ones extended


def applies(native_rate: int, out_rate: int) -> bool:
    """Whether a take at ``native_rate`` exported at ``out_rate`` gets a high band."""
    return native_rate == BAND_LIMITED_RATE and out_rate >= MIN_RATE


def describe(rate: int) -> dict[str, Any]:
    """What a sidecar says of an added high band."""
    return {
        "estimated": True,
        "from_hz": CUTOFF_HZ,
        "to_hz": round(top_hz(rate)),
        "method": "spectral band replication; levels from the band under 7.6 kHz "
        "(ambisketch high-band model)",
    }


def to_rate(
    foa: NDArray[np.floating], native: int, out_rate: int, highs: bool = True
) -> tuple[NDArray[np.float32], dict[str, Any] | None]:
    """``foa`` resampled from ``native`` to ``out_rate`` (soxr), with the high band added
    when :func:`applies` and ``highs``; and what a sidecar says of it (None: nothing added)."""
    from ..audio_io import resample

    data = resample(foa, native, out_rate)
    if not (highs and applies(native, out_rate)):
        return data, None
    return extend_highs(data, out_rate, default_model()), describe(out_rate)
