"""``ambisketch generate``: a prompt (and a path) in, an FOA take and its JSON sidecar out."""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

from ambisketch.engine import audio_io
from ambisketch.engine.catalog import default_bundle
from ambisketch.engine.errors import EngineError
from ambisketch.engine.generate import (
    PARAMETRIC_FIELDS,
    PLACEMENTS,
    SAMPLER_NAMES,
    GenerationRequest,
)
from ambisketch.engine.models.highband import to_rate
from ambisketch.engine.spatial import preset_names
from ambisketch.engine.spatial.room import room_conditioning

from .cli_support import add_output_args, note
from .cmd_monitor import DEFAULT_TARGET_LUFS, add_loudness_arg, loudness_target, target_note
from .init_options import add_init_args, apply_init, check_init_args, default_seconds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="generate a moving FOA clip from a prompt (and a path)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generate a First-Order Ambisonics take with the diffusion model. With "
        "--path the sound follows the path (parametric mode); without, spatial "
        "words in the prompt place it (descriptive mode). Writes OUT.wav and "
        "OUT.wav.json with everything needed to make the take again.",
        epilog="examples:\n"
        '  ambisketch generate "a bee buzzing" -o bee.wav --path orbit --seconds 6\n'
        '  ambisketch generate "a dog barking on the left" -o dog.wav --seed 3\n'
        '  ambisketch generate "rain" -o rain.wav --path fly.json --placement locked '
        "--variations 4\n"
        '  ambisketch generate "a car passing from left to right quickly" -o car.wav\n'
        '  ambisketch generate "footsteps" -o steps.wav --path pass-by --room medium '
        "--distance 4\n"
        '  ambisketch generate "a choir" -o choir.wav --room 25x40x15 --decay 2.5\n'
        '  ambisketch generate "a dog growling" -o dog.wav --init-audio my_dog.wav '
        "--init-strength 0.4 --path orbit\n"
        '  ambisketch generate "thunder rolling" -o storm.wav --from-library ~/sfx '
        "--seconds 60\n\n"
        "room values (models trained on rooms): --distance in metres; --room a preset, "
        "WxDxH in metres or the room's edge in metres (the size number is the cube root "
        "of the volume: small 3.4, medium 5.4, large 12.8, hall 24.7); --decay the RT60 "
        "in seconds (default with --room: the preset's, or typical for the volume). "
        "Left out, the model picks.\n"
        f"presets: {', '.join(preset_names())} (or a JSON file; see 'ambisketch path')",
    )
    p.add_argument("prompt", help="what the sound is")
    add_output_args(p)
    p.add_argument(
        "--no-highs",
        action="store_true",
        help="with --rate 32000 or more, leave the band above 7.6 kHz empty instead of "
        "estimating it (README: the high band)",
    )
    p.add_argument(
        "--path",
        metavar="PRESET|FILE.json",
        help="where the sound travels (a preset stretched to --seconds, or a file)",
    )
    p.add_argument(
        "--seconds",
        type=float,
        metavar="S",
        help="length (default: the path file's, else the model's clip length); "
        "longer than the clip is made in overlapping windows (up to 60 s)",
    )
    p.add_argument("--seed", type=int, metavar="N", help="random seed (default: a new one)")
    p.add_argument(
        "--steps", type=int, metavar="N", help="sampler steps (default: the model's own, else 100)"
    )
    p.add_argument(
        "--cfg",
        type=float,
        metavar="X",
        help="classifier-free guidance scale (default: the model's own, else 7)",
    )
    p.add_argument(
        "--sampler",
        choices=SAMPLER_NAMES,
        help="sampler (default: the model's own, else dpmpp-3m-sde)",
    )
    p.add_argument(
        "--variations",
        type=int,
        default=1,
        metavar="N",
        help="takes to make in one batch (OUT_1.wav … OUT_N.wav)",
    )
    p.add_argument(
        "--placement",
        choices=PLACEMENTS,
        help="held (default): the direction is held on the path at every sampler "
        "step (the drawn path, or the one the prompt's spatial words describe; "
        "4-channel models: locked); learned: the model places it; locked: the "
        "direct sound is re-encoded onto the path after sampling",
    )
    p.add_argument("--lock-path", action="store_true", help="the same as --placement locked")
    p.add_argument(
        "--distance",
        type=float,
        metavar="M",
        help="distance of the source in metres (a model trained on rooms)",
    )
    p.add_argument(
        "--room",
        metavar="small|medium|large|hall|WxDxH|EDGE",
        help="room size: a preset, WxDxH in metres, or the edge in metres",
    )
    p.add_argument(
        "--decay", type=float, metavar="S", help="reverberation time (RT60) in seconds; 0 is dry"
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a parametric value: {', '.join(PARAMETRIC_FIELDS)} (repeatable)",
    )
    p.add_argument(
        "--model",
        metavar="BUNDLE_DIR",
        help="model bundle folder (default: the one in resources/models/)",
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where to run (default: a GPU when there is one)",
    )
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="CPU threads (default: OMP_NUM_THREADS, else half the cores)",
    )
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "fp16"),
        default="auto",
        help="the DiT's arithmetic (default auto: half precision on a GPU, fp32 on a CPU). "
        "bf16 is 1.7x faster on a CPU that does it natively (AVX512-BF16, AMX), but the take "
        "then depends on --threads: its sidecar no longer remakes it exactly",
    )
    p.add_argument(
        "--format",
        choices=("ambix", "fuma"),
        default="ambix",
        help="channel order/normalisation of the output (default: ambix)",
    )
    add_loudness_arg(p, "default -23 (EBU R 128), measured on W; 'off' keeps the model's level")
    p.add_argument(
        "--timbre",
        type=float,
        default=1.0,
        metavar="S",
        help="how far the model's timbre prior moves the take towards the spectrum its "
        "prompt names, 0 (off) to 1 (default 1; models without a prior ignore it)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_init_args(p)
    p.set_defaults(func=cmd_generate)


def _params(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in PARAMETRIC_FIELDS:
            raise EngineError(
                f"--param {item!r}: expected NAME=VALUE with NAME one of "
                f"{', '.join(PARAMETRIC_FIELDS)}"
            )
        try:
            out[name] = float(value)
        except ValueError:
            raise EngineError(f"--param {item!r}: {value!r} is not a number") from None
        if not math.isfinite(out[name]):
            raise EngineError(f"--param {item!r}: {value!r} is not a finite number")
    return out


def _outputs(out: Path, n: int) -> list[Path]:
    if n == 1:
        return [out]
    return [out.with_name(f"{out.stem}_{i + 1}{out.suffix}") for i in range(n)]


def cmd_generate(args: argparse.Namespace) -> int:
    from ambisketch.engine.generate import Generator
    from ambisketch.engine.spatial.ambisonics import ambix_to_fuma

    from .cmd_spatial import resolve_path, take_metadata

    if args.rate is not None and not 8000 <= args.rate <= 384000:
        raise EngineError(f"--rate {args.rate}: choose a rate between 8000 and 384000 Hz")
    if args.variations < 1:
        raise EngineError("--variations must be at least 1")
    target = loudness_target(
        DEFAULT_TARGET_LUFS if args.loudness is None else args.loudness, allow_off=True
    )
    outs = _outputs(Path(args.output), args.variations)
    for o in outs:
        audio_io.check_writable(o, args.force, sidecar=True)
    params = _params(args.param)
    for name, value in room_conditioning(args.distance, args.room, args.decay).items():
        if name in params and params[name] != value:
            raise EngineError(
                f"--param {name}={params[name]:g} contradicts the room flags "
                f"({name} {value:g}); give one of them"
            )
        params[name] = value
    check_init_args(args)
    model_dir = Path(args.model) if args.model else default_bundle()
    if args.threads is not None and args.threads < 1:
        raise EngineError("--threads must be at least 1")
    gen = Generator(model_dir, device=args.device, threads=args.threads, precision=args.precision)
    clip = gen.bundle.info.clip_seconds
    seconds = args.seconds if args.seconds is not None else default_seconds(args, clip)
    path = None
    if args.path:
        path = resolve_path(args.path, seconds if seconds else clip)
        if seconds is None:
            seconds = path.duration
    seconds = clip if seconds is None else seconds
    defaults = gen.defaults
    steps = args.steps if args.steps is not None else defaults.steps
    cfg = args.cfg if args.cfg is not None else defaults.cfg_scale
    if args.lock_path and args.placement not in (None, "locked"):
        raise EngineError(f"--lock-path contradicts --placement {args.placement}; give one")
    placement = "locked" if args.lock_path else (args.placement or "held")
    request = GenerationRequest(
        args.prompt,
        path,
        seconds,
        args.seed,
        steps,
        cfg,
        args.sampler or defaults.sampler,
        args.variations,
        args.lock_path,
        params,
        placement=placement,
    )
    if not 0.0 <= args.timbre <= 1.0:
        raise EngineError(f"--timbre must be between 0 and 1, got {args.timbre:g}")
    request = dataclasses.replace(request, loudness_lufs=target, timbre=args.timbre)
    request.check()
    request = apply_init(args, request, gen, clip)
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=request.steps, desc="generating", unit="step", leave=False)

    def progress(step: int, total: int) -> None:
        if bar is not None:
            if bar.total != total:  # a long take: every window's steps
                bar.total = total
            bar.update(step - bar.n)

    try:
        takes = gen.generate(request, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    rate = takes[0].rate
    written: list[Path] = []
    high_band = None
    for take, out in zip(takes, outs):
        data, high_band = to_rate(take.foa, rate, args.rate or rate, not args.no_highs)
        if args.format == "fuma":
            data = ambix_to_fuma(data)
        target_note(str(out), take.loudness_lufs, request.loudness_lufs)
        peak = audio_io.peak_dbfs(data)
        if args.bits != "32f" and peak > 0.0:
            note(
                f"{out}: peak {peak:+.1f} dBFS clipped in {args.bits}-bit PCM; --bits 32f keeps it"
            )
        meta = take_metadata(
            "generate",
            path if path is not None else take.path,
            args.format,
            args.rate or rate,
            args.bits,
            take.sidecar(),
        )
        if high_band is not None:
            meta["high_band"] = high_band
        try:
            audio_io.write_audio(
                out, data, args.rate or rate, bits=args.bits, overwrite=args.force, sidecar=meta
            )
        except EngineError as exc:
            _report_partial(written, len(outs), exc)
        written.append(out)
    _keep_latents(takes, outs, args.format == "ambix" and not (args.rate and args.rate != rate))
    t = takes[0].timings
    first = takes[0]
    if first.placement_note:
        note(first.placement_note)
    placed = first.placement + (
        ""
        if first.path_error_deg is None
        else f" {first.path_error_deg:.1f}° from the "
        + ("path" if first.path_source == "drawn" else "path the words describe")
    )
    print(
        f"wrote {', '.join(str(o) for o in outs)} ({request.mode}, seed {takes[0].request.seed}, "
        f"{seconds:g} s in {t['total']:.1f} s, {t['steps_per_second']:.1f} steps/s on "
        f"{gen.device}; placement {placed}"
        + ("; band above 7.6 kHz estimated" if high_band is not None else "")
        + ")"
    )
    return 0


def _report_partial(written: list[Path], total: int, exc: EngineError) -> None:
    """A take could not be written (a full disk): the takes already written are kept and
    named, on stdout and in the one-line error."""
    if not written:
        raise exc
    names = ", ".join(str(o) for o in written)
    print(f"wrote {names} ({len(written)} of {total} takes; the others failed)", flush=True)
    raise type(exc)(f"{exc}; kept the {len(written)} take(s) written before: {names}") from None


def _keep_latents(takes: list, outs: list[Path], native: bool) -> None:
    """``OUT.wav.latents.safetensors`` beside each native-rate AmbiX output, so the take can
    be re-pathed ('takes add' carries them into a project); a stale one from an earlier take
    of that name is removed when the output is resampled or FuMa."""
    from ambisketch.engine.takes.latents import latents_path, save_latents
    from ambisketch.engine.takes.store import latents_meta

    for take, out in zip(takes, outs):
        if native and take.latents is not None:
            save_latents(out, take.latents, latents_meta(take))
        else:
            latents_path(out).unlink(missing_ok=True)
