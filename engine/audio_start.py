"""Generating from a sound, regenerating part of a take, and takes longer than the clip.

:meth:`Generator.generate <ambisketch.engine.generate.Generator.generate>` hands a request
here when it has a :class:`~ambisketch.engine.start_from.StartFrom` or is longer than the
model's clip:

- **audio-to-audio** (SDEdit): the init sound is read (mono placed along the take's path,
  stereo mixed down, 4-channel as AmbiX), resampled, looped or cut to the length, encoded by
  the model's codec, noised to the strength's level and denoised with the prompt and path;
- **inpainting**: the take's latents (the ones kept beside it; else its audio encoded) in a
  clip-long window around the range; the range's frames are generated, the rest kept (a
  latent mask, re-noised to each step's level), and the new part is spliced into the take's
  own audio with short cross-fades inside the range, so outside it not a sample changes;
- **long takes** (:mod:`.long_takes`), with or without an init sound.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .errors import GenerationError
from .start_from import StartFrom, file_sha256, read_init_audio

if TYPE_CHECKING:
    from .generate import CancelCheck, GenerationRequest, Generator, Progress, Take
    from .models.init_latents import LatentStart

SPLICE_FADE = 0.02  # seconds of cross-fade at each edge of a regenerated range


def generate_started(
    gen: Generator,
    request: GenerationRequest,
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> list[Take]:
    """Dispatch a request with a start or longer than the clip (see the module)."""
    from .long_takes import generate_long

    request.check()
    if request.seed is None:
        request = replace(request, seed=secrets.randbelow(2**31))
    init = request.init
    if init is not None:
        init.check()
        if init.inpaint:
            return inpaint(gen, request, progress, cancel)
        audio = str(init.audio)
        if not Path(audio).is_file():
            from .errors import AudioFileError

            raise AudioFileError(f"{audio}: no such file")
        request = replace(request, init=replace(init, sha256=file_sha256(audio)))
    clip = gen.bundle.info.clip_seconds
    if request.seconds > clip + 1e-9:
        latents = init_latents(gen, request, request.seconds)[0] if init is not None else None
        return generate_long(
            gen, request, progress, cancel, latents, init.strength if init is not None else 1.0
        )
    start = audio_start(gen, request)
    return gen.generate(request, progress, cancel, start=start)


def init_latents(gen: Generator, request: GenerationRequest, seconds: float) -> NDArray[np.float32]:
    """Codec latents ``(1, C, frames)`` of the request's init sound over ``seconds`` (at
    least the clip: the rest of the window is silence, as a shorter take's is)."""
    import torch

    from .models.init_latents import encode_foa

    bundle = gen.bundle
    init = request.init
    assert init is not None and init.audio is not None
    rate = bundle.sample_rate
    n = int(round(request.seconds * rate))
    target, _ = request.target_path()
    az = el = None
    if target is not None:
        az, el, _ = target.sample(np.arange(n) / rate)
    foa, _notes = read_init_audio(init.audio, rate, request.seconds, az, el)
    frames = bundle.clip_frames  # one window: the model's clip, as generate() samples it
    if seconds > bundle.info.clip_seconds + 1e-9:  # a long take: every frame of its windows
        frames = max(frames, int(math.ceil(seconds * bundle.latent_rate - 1e-9)))
    dev = next(bundle.codec.parameters()).device
    z = encode_foa(bundle.codec, torch.from_numpy(foa)[None].to(dev), frames)
    return z.float().cpu().numpy()


def audio_start(gen: Generator, request: GenerationRequest) -> LatentStart:
    """The :class:`~.models.init_latents.LatentStart` of a one-window audio-to-audio."""
    import torch

    from .models.init_latents import LatentStart

    assert request.init is not None
    z = init_latents(gen, request, gen.bundle.info.clip_seconds)
    model = gen.bundle.model
    with torch.no_grad():
        x0 = model.normalise(torch.from_numpy(z).to(next(model.parameters()).device))
    return LatentStart(x0, request.init.strength)


def take_latents(
    gen: Generator, wav: Path, foa: NDArray[np.float32]
) -> tuple[NDArray[np.float32], str, float]:
    """A take's codec latents ``(C, frames)``: the ones kept beside it when they fit this
    model's codec, else its audio encoded. Returns them, ``"kept"`` or ``"encoded"``, and the
    gain from what they decode to to the take's samples (its loudness levelling)."""
    import torch

    from .models.init_latents import encode_foa
    from .takes.latents import LatentsError, load_latents

    bundle = gen.bundle
    frames = int(math.ceil(foa.shape[1] / bundle.codec.config.hop))
    try:
        latents, _meta = load_latents(wav)
        if latents.shape[0] == bundle.codec.config.latent_channels and latents.shape[1] >= frames:
            try:
                gain = float(_meta.get("gain", "1.0"))
            except ValueError:
                gain = 1.0
            return latents, "kept", gain if math.isfinite(gain) and gain > 0 else 1.0
    except LatentsError:
        pass
    dev = next(bundle.codec.parameters()).device
    z = encode_foa(bundle.codec, torch.from_numpy(foa)[None].to(dev), frames)
    return z[0].float().cpu().numpy(), "encoded", 1.0


def inpaint(
    gen: Generator,
    request: GenerationRequest,
    progress: Progress | None,
    cancel: CancelCheck | None,
) -> list[Take]:
    """Regenerate ``request.init``'s range of its take (see the module)."""
    import torch

    from .long_takes import slice_path
    from .loudness import normalise_take
    from .models.init_latents import LatentStart, frame_mask
    from .takes.records import read_take_audio

    init = request.init
    assert init is not None and init.take is not None
    wav = Path(init.take)
    foa, rate = read_take_audio(wav)
    bundle = gen.bundle
    if rate != bundle.sample_rate:
        raise GenerationError(
            f"{wav}: is at {rate} Hz; this model makes {bundle.sample_rate} Hz "
            "takes (regenerate part of a take with the model that made it)"
        )
    length = foa.shape[1] / rate
    t0, t1 = float(init.start), float(init.end)  # type: ignore[arg-type]
    if t0 >= length or t1 > length + 1e-3:
        raise GenerationError(
            f"{wav}: range {t0:g}–{t1:g} s is outside the take (0–{length:.2f} s)"
        )
    t1 = min(t1, length)
    clip = bundle.info.clip_seconds
    if t1 - t0 > clip - 2 * SPLICE_FADE:
        raise GenerationError(
            f"{wav}: range {t0:g}–{t1:g} s is longer than this model's clip "
            f"({clip:g} s) less its context; regenerate it in parts"
        )
    latents, how, gain = take_latents(gen, wav, foa)
    request = replace(request, init=replace(init, sha256=file_sha256(wav)), seconds=length)
    window, lrate = bundle.clip_frames, bundle.latent_rate
    total = latents.shape[1]
    mid = 0.5 * (t0 + t1) * lrate
    f0 = int(min(max(0, round(mid - window / 2)), max(0, total - window)))
    x0 = np.zeros((latents.shape[0], window), dtype=np.float32)
    part = latents[:, f0 : f0 + window]
    x0[:, : part.shape[1]] = part
    win_seconds = min(clip, length - f0 / lrate)
    keep = frame_mask(window, lrate, t0 - f0 / lrate, t1 - f0 / lrate)
    model = bundle.model
    dev = next(model.parameters()).device
    with torch.no_grad():
        xn = model.normalise(torch.from_numpy(x0)[None].to(dev))
    start = LatentStart(xn, init.strength, keep.to(dev))
    target, _source = request.target_path()
    win_path = (
        slice_path(target, f0 / lrate, f0 / lrate + win_seconds) if target is not None else None
    )
    # The window at the latents' own level: the take's levelling gain is applied to it.
    win_request = replace(
        request, path=win_path, seconds=win_seconds, init=None, loudness_lufs=None
    )
    made = gen.generate(win_request, progress, cancel, start=start)
    offset = f0 * bundle.codec.config.hop
    out: list[Take] = []
    for take in made:
        audio = splice(foa, take.foa * np.float32(gain), offset, t0, t1, rate)
        full = latents.copy()
        assert take.latents is not None
        span = min(window, full.shape[1] - f0)
        full[:, f0 : f0 + span] = np.where(
            keep[0].cpu().numpy()[:, :span], full[:, f0 : f0 + span], take.latents[:, :span]
        )
        timings = dict(take.timings)
        timings["window_start"] = f0 / lrate
        _, lufs = normalise_take(audio, rate, None)  # the take's level is kept, not reset
        out.append(
            replace(
                take,
                foa=audio,
                request=request,
                latents=full,
                model={**take.model, "inpaint_latents": how},
                timings=timings,
                latents_gain=gain,
                loudness_lufs=lufs,
            )
        )
    return out


def splice(
    original: NDArray[np.float32],
    window: NDArray[np.float32],
    offset: int,
    t0: float,
    t1: float,
    rate: int,
) -> NDArray[np.float32]:
    """``original`` with [t0, t1) seconds taken from ``window`` (which starts at sample
    ``offset``), cross-faded over :data:`SPLICE_FADE` inside the range: outside it the samples
    are the original's, bit for bit."""
    out = original.copy()
    a, b = int(round(t0 * rate)), min(int(round(t1 * rate)), original.shape[1])
    b = min(b, offset + window.shape[1])
    if b <= a:
        return out
    new = window[:, a - offset : b - offset]
    fade = min(int(SPLICE_FADE * rate), (b - a) // 4)
    gain = np.ones(b - a, dtype=np.float32)
    if fade > 0:
        ramp = (np.arange(fade, dtype=np.float32) + 0.5) / fade
        if a > 0:
            gain[:fade] = ramp
        if b < original.shape[1]:
            gain[-fade:] = ramp[::-1]
    out[:, a:b] = original[:, a:b] * (1 - gain) + new * gain
    return out


def init_from_take_or_file(path: str | Path, strength: float) -> StartFrom:
    """The start of "vary this take" / "start from a sound": a file's (or a take's) audio."""
    return StartFrom(audio=str(path), strength=float(strength))
