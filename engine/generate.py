"""The generator: a :class:`GenerationRequest` in, one :class:`Take` per variation out.

Used the same way by the GUI, the CLI and the training evaluator. The request and take
types (:mod:`.generation_request`, re-exported here) import without torch;
:class:`Generator` loads a model bundle once and keeps it (and its text encoder) for every
later request.

A take is sampled over the model's full clip window, with ``seconds_total`` telling the model
how long the sound is, and cut to exactly the requested length (Stable Audio's scheme).
"""

from __future__ import annotations

import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .errors import EngineError, GenerationError, ModelLoadError
from .fades import fade_edges
from .generation_request import (  # noqa: F401  (callers import them here)
    MODES,
    PLACEMENTS,
    GenerationRequest,
    SamplingDefaults,
    Take,
)
from .models.names import PARAMETRIC_FIELDS, SAMPLER_NAMES  # noqa: F401  (callers import them here)
from .spatial.trajectory import Trajectory

if TYPE_CHECKING:
    from .models.bundle import ModelBundle
    from .models.init_latents import LatentStart
    from .models.text_encoder import TextEncoder

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


def cpu_threads() -> int | None:
    """Torch threads for CPU inference and training: None (keep torch's choice) when the user
    set OMP_NUM_THREADS, else half the cores. Torch's default (every core) thrashes once
    anything else runs: a 10 s take took 59 s with 2 threads on a busy 2-core machine and
    3 s with 1 (measured)."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return max(1, cores // 2)


def cpu_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU does bfloat16 arithmetic natively (x86 AVX512-BF16 or AMX), where
    ``precision="bf16"`` samples the DiT 1.7× faster (a 10 s take: 1.5 s against 2.6 s on one
    thread of an EPYC; against fp32 on the same thread count: waveform correlation 0.99996);
    elsewhere bf16 is emulated and slower than fp32. It is not the default on a CPU: in bf16 a
    take depends on the thread count (two threads against one: up to 0.16 in amplitude after
    20 sampler steps, fp32: 3e-5), so its sidecar would no longer make it again exactly.
    ``cpuinfo``: what /proc/cpuinfo says (read when not given)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:  # not Linux: no cheap way to ask
            return False
    return bool(re.search(r"\b(avx512_bf16|amx_bf16)\b", cpuinfo))


def pick_device(name: str = "auto") -> str:
    """``auto`` → CUDA, else MPS, else CPU; an explicit device that is missing is an error."""
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        return "mps" if mps is not None and mps.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise EngineError("--device cuda: no CUDA GPU is available")
    if name == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise EngineError("--device mps: Apple Metal (MPS) is not available")
    if name not in ("cpu", "cuda", "mps"):
        raise EngineError(f"unknown device {name!r} (choose from auto, cpu, cuda, mps)")
    return name


class Generator:
    """Loads a bundle once (on ``device``, half precision on a GPU) and generates takes.

    Args:
        bundle: a bundle folder or a loaded :class:`ModelBundle`.
        device: ``auto``, ``cpu``, ``cuda`` or ``mps``.
        text_encoder: an already loaded encoder to share (its id must match the bundle's).
        precision: ``auto`` (bf16 on CUDA where supported, else fp16; fp16 on MPS; fp32 on
            a CPU, or what ``AMBISKETCH_CPU_PRECISION`` names), or ``fp32``, ``bf16``,
            ``fp16`` — the DiT's autocast type; sampling maths and the codec stay in fp32.
            bf16 is faster on a CPU that does it natively (:func:`cpu_bf16`) but makes a take
            depend on the thread count.
        threads: torch threads on a CPU (process-wide; default :func:`cpu_threads`).
    """

    def __init__(
        self,
        bundle: str | Path | ModelBundle,
        device: str = "auto",
        text_encoder: TextEncoder | None = None,
        precision: str = "auto",
        threads: int | None = None,
    ) -> None:
        import torch

        from .models.bundle import ModelBundle, load_bundle

        self.device = pick_device(device)
        if self.device == "cpu":
            n = threads or cpu_threads()
            if n:
                torch.set_num_threads(n)
        if isinstance(bundle, ModelBundle):
            self.bundle = bundle
            self.bundle.codec.to(self.device).eval()
            self.bundle.model.to(self.device).eval()
        else:
            self.bundle = load_bundle(bundle, self.device)
        if text_encoder is not None and text_encoder.id != self.bundle.info.text_encoder:
            raise ModelLoadError(
                f"the model was trained with text encoder "
                f"{self.bundle.info.text_encoder!r}, not {text_encoder.id!r}"
            )
        self._text = text_encoder
        named = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
        if precision == "auto" and self.device == "cpu":
            precision = os.environ.get("AMBISKETCH_CPU_PRECISION", "").strip().lower() or "fp32"
            if precision not in ("fp32", "bf16"):
                raise EngineError(
                    f"AMBISKETCH_CPU_PRECISION={precision!r}: choose fp32 or bf16 (or unset it)"
                )
        if precision in named:
            self.dtype = named[precision]
        elif precision != "auto":
            raise EngineError(
                f"unknown precision {precision!r} (choose from auto, {', '.join(named)})"
            )
        elif self.device == "cuda":
            self.dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        else:  # mps
            self.dtype = torch.float16

    @property
    def text_encoder(self) -> TextEncoder:
        if self._text is None:
            from .models.text_encoder import TextEncoder

            info = self.bundle.info
            self._text = TextEncoder(info.text_encoder, self.device, info.text_max_tokens)
        return self._text

    @property
    def defaults(self) -> SamplingDefaults:
        return SamplingDefaults.from_meta(self.bundle.info.defaults)

    def model_info(self) -> dict[str, Any]:
        b = self.bundle
        return {
            "name": b.info.name,
            "path": str(b.path.resolve()) if b.path else None,
            "text_encoder": b.info.text_encoder,
            "clip_seconds": b.info.clip_seconds,
            "codec_kind": self.codec_kind,
            "device": self.device,
            "dtype": str(self.dtype).replace("torch.", ""),
            **({"dirac": self._dirac_layout()} if self.codec_kind == "factored" else {}),
        }

    def _dirac_layout(self) -> dict[str, str]:
        """Where a factored codec's latents keep the directions (the take's latents file
        carries it, so a take can be re-pathed without the model)."""
        from .takes.repath import DiracLayout

        return DiracLayout.of_codec(self.bundle.codec).to_meta()

    @property
    def codec_kind(self) -> str:
        from .models.codec_kinds import kind_of

        return kind_of(self.bundle.codec.config)

    def generate(
        self,
        request: GenerationRequest,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
        *,
        start: LatentStart | None = None,
    ) -> list[Take]:
        """Generate ``request.variations`` takes in one batch.

        ``progress(step, total)`` is called after every sampler step; ``cancel()`` returning
        True stops the work with :class:`~ambisketch.engine.errors.Cancelled`. A request with
        an ``init`` (a sound to start from, a take's range to regenerate) or longer than the
        model's clip goes through :mod:`.audio_start`; ``start`` (a
        :class:`~.models.init_latents.LatentStart`) is how it samples one window.
        """
        import torch

        from .errors import Cancelled
        from .models.conditioners import state_matrix
        from .models.placement import DenoiserWrapper, wrap_denoiser
        from .models.sampling import (
            get_sampler,
            guided,
            initial_noise,
            log_linear_sigmas,
            v_denoiser,
        )

        bundle = self.bundle
        if start is None and (
            request.init is not None or request.seconds > bundle.info.clip_seconds + 1e-9
        ):
            from .audio_start import generate_started

            return generate_started(self, request, progress, cancel)
        request.check(bundle.info.clip_seconds)
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        request = replace(request, seed=seed)
        path = request.path
        if path is not None and abs(path.duration - request.seconds) > 1e-6:
            path = path.with_duration(request.seconds)
        target, source = request.target_path()
        placement, note = self.resolve_placement(request.placement, target is not None)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        model, codec = bundle.model, bundle.codec
        cfg = model.conditioner.config
        frames, v = bundle.clip_frames, request.variations
        if start is None:  # whole frames covering the request: a 10 s take is 10.000 s
            frames = max(frames, math.ceil(request.seconds * bundle.latent_rate - 1e-6))
        dev = torch.device(self.device)

        text, mask = self.text_encoder.encode([request.prompt])
        numbers = {
            "seconds_start": torch.zeros(1, device=dev),
            "seconds_total": torch.full((1,), float(request.seconds), device=dev),
        }
        for key, value in request.parametric.items():
            numbers[key] = torch.full((1,), float(value), device=dev)
        states = None
        if path is not None:
            states = torch.from_numpy(
                state_matrix(
                    path,
                    frames,
                    bundle.latent_rate,
                    cfg.azimuth_bins,
                    cfg.elevation_bins,
                    cfg.bin_sigma,
                )
            )[None].to(dev)
        with torch.no_grad():
            cond = model.condition(text.to(dev), mask.to(dev), numbers, states).repeat(v)
            both = cond.cat(cond.null())
        timings["conditioning"] = time.perf_counter() - t0

        use_autocast = self.dtype != torch.float32

        def cond_model(x: torch.Tensor, t: torch.Tensor, with_uncond: bool) -> torch.Tensor:
            c = both if with_uncond else cond
            with torch.autocast(dev.type, dtype=self.dtype, enabled=use_autocast):
                return model(x, t, c).float()

        gen_device = "cuda" if self.device == "cuda" else "cpu"
        gen = torch.Generator(device=gen_device).manual_seed(seed)
        sigmas = (
            start.sigmas(request.steps, dev)
            if start is not None
            else log_linear_sigmas(request.steps, device=dev)
        )
        x = initial_noise(
            (v, codec.config.latent_channels, frames), float(sigmas[0]), gen, device=gen_device
        ).to(dev)
        if start is not None:
            x = start.initial(x)
        sampler = get_sampler(request.sampler)
        # Denoiser wrappers, applied in order (each maps a VE denoiser (x, sigma) -> x0 on the
        # DiT's standardised latents to another): the placement's direction hold first.
        wrappers: list[DenoiserWrapper] = []
        hold = None
        if placement == "held" and target is not None:
            from .models.factored_codec import FactoredCodec
            from .models.placement import DirectionHold

            assert isinstance(codec, FactoredCodec)  # resolve_placement: held needs it
            hold = DirectionHold.for_model(target, frames, codec, model)
            wrappers.append(hold)
        if start is not None and start.keep is not None:  # inpainting: kept frames pinned
            wrappers.append(lambda d: start.wrap(d, gen))

        def on_step(step: int, total: int, xi: torch.Tensor, denoised: torch.Tensor) -> None:
            if progress is not None:
                progress(step, total)

        t1 = time.perf_counter()
        with torch.no_grad():
            denoise = wrap_denoiser(v_denoiser(guided(cond_model, request.cfg_scale)), wrappers)
            latents = sampler(denoise, x, sigmas, generator=gen, callback=on_step, cancel=cancel)
            if hold is not None:  # the last step's output is the estimate: already held
                latents = hold.project(latents)
        timings["sampling"] = time.perf_counter() - t1
        if cancel is not None and cancel():
            raise Cancelled("generation cancelled")
        t2 = time.perf_counter()
        n = int(round(request.seconds * bundle.sample_rate))
        with torch.no_grad():
            codec_latents = model.denormalise(latents.float())
            decoded = codec.decode_chunked(codec_latents)[..., :n]
            audio = fade_edges(decoded.float().cpu().numpy(), bundle.sample_rate)  # edge clicks
        kept = codec_latents.float().cpu().numpy()
        timings["decode"] = time.perf_counter() - t2
        takes_audio = [np.ascontiguousarray(a, dtype=np.float32) for a in audio]
        return self.finish_takes(
            takes_audio, kept, request, timings, t0, request.steps, placement, note, target, source
        )

    def finish_takes(
        self,
        audio: list[NDArray[np.float32]],
        latents: NDArray[np.float32],
        request: GenerationRequest,
        timings: dict[str, float],
        t0: float,
        steps: int,
        placement: str,
        note: str,
        target: Trajectory | None,
        source: str | None,
    ) -> list[Take]:
        """Decoded ``audio`` (one ``(4, samples)`` per variation, its codec ``latents``
        ``(variations, C, frames)``) made into takes, as every way of generating ends: the
        timbre prior, refusing a broken model's output, the path lock, the measured path
        errors, the loudness target. ``steps``: sampler steps run in all (since ``t0``)."""
        from .spatial.path_lock import lock_to_path

        bundle = self.bundle
        audio = self.apply_timbre(audio, request, timings)
        for a in audio:  # a diverged model's output is an error, never a file
            check_generated(a, str(bundle.path) if bundle.path else bundle.info.name)
        if placement == "locked" and target is not None:
            t3 = time.perf_counter()
            audio = [lock_to_path(a, target, bundle.sample_rate) for a in audio]
            timings["path_lock"] = time.perf_counter() - t3
        errors: list[dict[str, Any] | None] = [None] * len(audio)
        if target is not None:
            from .spatial.doa import direction_errors, intensity_doa

            t4 = time.perf_counter()
            errors = [
                direction_errors(intensity_doa(a, bundle.sample_rate), target).to_dict()
                for a in audio
            ]
            timings["measure"] = time.perf_counter() - t4
        audio, loudness, gains = level_takes(audio, bundle.sample_rate, request.loudness_lufs)
        timings["total"] = time.perf_counter() - t0
        timings["steps_per_second"] = steps / max(timings["sampling"], 1e-9)
        info = self.model_info()
        return [
            Take(
                a,
                bundle.sample_rate,
                request,
                i,
                dict(timings),
                info,
                latents=np.ascontiguousarray(latents[i]),
                placement=placement,
                placement_note=note,
                path=target,
                path_source=source,
                path_errors=errors[i],
                loudness_lufs=loudness[i],
                latents_gain=gains[i],
            )
            for i, a in enumerate(audio)
        ]

    def apply_timbre(
        self,
        audio: list[NDArray[np.float32]],
        request: GenerationRequest,
        timings: dict[str, float] | None = None,
    ) -> list[NDArray[np.float32]]:
        """``audio`` (takes, each ``(4, samples)``) moved towards the spectral shape the
        bundle's timbre prior predicts for the prompt (:mod:`.models.timbre`), by
        ``request.timbre``; as it is when the bundle has no prior or the strength is 0."""
        prior = self.bundle.timbre
        if prior is None or request.timbre <= 0.0:
            return audio
        import torch

        from .models.timbre import apply_timbre, pool

        t0 = time.perf_counter()
        text, mask = self.text_encoder.encode([request.prompt])
        with torch.no_grad():
            pooled = pool(text.float().cpu(), mask.cpu())
            shape = prior.cpu().shape_db(pooled)[0].numpy()
        rate, hop = self.bundle.sample_rate, self.bundle.codec.config.hop
        out = [apply_timbre(a, shape, rate, hop, request.timbre) for a in audio]
        if timings is not None:
            timings["timbre"] = time.perf_counter() - t0
        return out

    def resolve_placement(self, asked: str, has_path: bool) -> tuple[str, str]:
        """The placement a request gets with this bundle, and a note when it differs from
        the one asked for: ``held`` needs the factored codec (a 4-channel codec is locked
        instead) and a path (none: the model's own placement)."""
        if not has_path:
            if asked == "learned":
                return "learned", ""
            return "learned", "no path and no spatial words in the prompt: the model placed it"
        if asked == "held" and self.codec_kind != "factored":
            return "locked", (
                "held placement needs a factored codec; this model's 4-channel "
                "codec was path-locked after sampling instead"
            )
        return asked, ""


def level_takes(
    audio: list[NDArray[np.float32]], rate: int, target_lufs: float | None
) -> tuple[list[NDArray[np.float32]], list[float | None], list[float]]:
    """Each take normalised to ``target_lufs`` (None: as it is), with its integrated loudness
    and the gain applied: take = gain · decoded latents, what a re-path or an edit of the
    latents applies again."""
    from .loudness import normalise_take

    levelled = [normalise_take(a, rate, target_lufs) for a in audio]
    gains = [_gain(before, after) for before, (after, _) in zip(audio, levelled, strict=True)]
    return [a for a, _ in levelled], [lufs for _, lufs in levelled], gains


def _gain(before: NDArray[np.float32], after: NDArray[np.float32]) -> float:
    """The gain that took ``before`` to ``after`` (1 for silence)."""
    num = float(np.dot(after[0].astype(np.float64), before[0].astype(np.float64)))
    den = float(np.dot(before[0].astype(np.float64), before[0].astype(np.float64)))
    return num / den if den > 0 else 1.0


def check_generated(audio: NDArray[np.float32], model: str) -> None:
    """Refuse what no model that works makes: samples that are not finite (a NaN weight, a
    diverged run exported anyway), a silent take, or one constant value (every sample -1 in
    24-bit after the NaN is clipped). The message names the model."""
    x = np.asarray(audio)
    if not np.isfinite(x).all():
        bad = int(x.size - np.isfinite(x).sum())
        raise GenerationError(
            f"{model}: the model's output is not finite ({bad} of {x.size} "
            "samples NaN or infinite); its weights are broken (a diverged "
            "training run?), no take was written"
        )
    if x.size and float(np.abs(x).max()) == 0.0:
        raise GenerationError(
            f"{model}: the model's output is silent (every sample 0); no take was written"
        )
    if x.shape[-1] > 1 and float(np.ptp(x, axis=-1).max()) < 1e-7:
        raise GenerationError(
            f"{model}: the model's output is one constant value "
            f"({float(x.flat[0]):g}); its weights are broken, "
            "no take was written"
        )
