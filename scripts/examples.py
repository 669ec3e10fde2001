"""Make the README's listening examples from a model bundle:

    .venv/bin/python scripts/examples.py [--model resources/models/starter] [--out resources/examples]

Each example is a prompt and a path (or no path: descriptive mode, the direction is in the
words). For each one this writes ``NAME.wav`` (binaural, the default HRTF, 16-bit) and
``NAME.png`` (the spectrogram of W, and azimuth/elevation over time: the drawn path against the
direction measured from the take), plus ``README.md``: a table with the command that makes
the same take again (same model, same seed) and the measured direction errors.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ambisketch.engine.files import atomic_target

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Example:
    name: str
    prompt: str
    path: str | None  # a preset, "KEYFRAMES:t,az,el;…", or None for descriptive mode
    seconds: float = 10.0
    seed: int = 1
    words: tuple[float, float] | None = None  # descriptive mode: the direction the words name


EXAMPLES = (
    Example("helicopter-orbit", "a helicopter flying", "orbit"),
    Example("birds-fly-over", "birds chirping", "fly-over"),
    Example("siren-pass-by", "a police siren wailing", "pass-by"),
    Example("insect-figure-eight", "an insect buzzing", "figure-eight"),
    Example(
        "steps-keyframes", "footsteps on gravel", "KEYFRAMES:0,120,0;4,30,20;7,-60,0;10,-150,-10"
    ),
    Example("bell-descriptive", "a church bell ringing on the left", None, words=(90.0, 0.0)),
)


def trajectory(spec: str | None, seconds: float) -> Any:
    from ambisketch.engine.spatial.presets import preset
    from ambisketch.engine.spatial.trajectory import Trajectory

    if spec is None:
        return None
    if spec.startswith("KEYFRAMES:"):
        frames = [
            dict(zip(("time", "azimuth", "elevation"), map(float, item.split(","))))
            for item in spec[len("KEYFRAMES:") :].split(";")
        ]
        return Trajectory.from_dict({"duration": seconds, "keyframes": frames})
    return preset(spec, seconds)


def command(ex: Example, path_file: str | None, steps: int) -> str:
    where = f" --path {path_file or ex.path}" if ex.path else ""
    return (
        f'ambisketch generate "{ex.prompt}"{where} --seconds {ex.seconds:g} --seed {ex.seed}'
        f" --steps {steps} -o {ex.name}.wav"
    )


def plot(
    out: Path, ex: Example, foa: np.ndarray, rate: int, path: Any, track: Any, caption: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        3, 1, figsize=(8, 6.4), sharex=True, gridspec_kw={"height_ratios": [1.4, 1, 1]}
    )
    axes[0].specgram(foa[0], NFFT=512, Fs=rate, noverlap=384, cmap="magma", vmin=-120)
    axes[0].set_ylabel("Hz (W)")
    axes[0].set_title(f'"{ex.prompt}" — {caption}', fontsize=10)
    weight = np.clip((track.energy_db - track.energy_db.max() + 40) / 40, 0.05, 1)
    ok = track.valid
    if path is not None:
        t = np.linspace(0, path.duration, 400)
        az, el, _ = path.sample(t)
        az = np.where(np.abs(np.diff(az, prepend=az[0])) > 180, np.nan, az)  # break at ±180 wraps
    for ax, name, values, limit, drawn in (
        (axes[1], "azimuth °", track.azimuth, 180, "az"),
        (axes[2], "elevation °", track.elevation, 90, "el"),
    ):
        colours = np.zeros((ok.sum(), 4))
        colours[:, 2] = 0.8
        colours[:, 3] = weight[ok]
        ax.scatter(track.times[ok], values[ok], s=5, c=colours, label="measured")
        if path is not None:
            ax.plot(
                t,
                az if drawn == "az" else el,
                color="tab:orange",
                lw=1.5,
                label="drawn" if ex.path else "in the words",
            )
        ax.set_ylim(-limit, limit)
        ax.set_yticks(np.linspace(-limit, limit, 5))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[1].legend(loc="upper right", fontsize=8)
    axes[2].set_xlabel("seconds")
    fig.tight_layout()
    with atomic_target(out) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="bundle folder (default: the installed one)")
    ap.add_argument("--out", default=str(ROOT / "resources" / "examples"))
    ap.add_argument("--steps", type=int, default=None, help="default: the bundle's")
    ap.add_argument("--only", nargs="*", default=None, help="example names")
    args = ap.parse_args(argv)

    from ambisketch.engine import audio_io
    from ambisketch.engine.binaural.cache import decoder_for
    from ambisketch.engine.binaural.hrtf import load_hrtf
    from ambisketch.engine.binaural.render import render
    from ambisketch.engine.catalog import default_bundle
    from ambisketch.engine.generate import GenerationRequest, Generator
    from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
    from ambisketch.engine.spatial.trajectory import Trajectory

    gen = Generator(Path(args.model) if args.model else default_bundle(), device="cpu")
    defaults = gen.defaults
    steps, cfg = args.steps or defaults.steps, defaults.cfg_scale
    clip = gen.bundle.info.clip_seconds
    hrirs = load_hrtf()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for ex in EXAMPLES:
        if args.only and ex.name not in args.only:
            continue
        path = trajectory(ex.path, ex.seconds)
        ex = replace(ex, seconds=min(ex.seconds, clip))
        path = path.with_duration(ex.seconds) if path is not None else None
        path_file = None
        if ex.path and ex.path.startswith("KEYFRAMES:"):
            path_file = f"{ex.name}.path.json"
            with atomic_target(out / path_file) as tmp:
                tmp.write_text(path.to_json(), encoding="utf-8")
        take = gen.generate(
            GenerationRequest(ex.prompt, path, ex.seconds, ex.seed, steps, cfg, defaults.sampler)
        )[0]
        stereo = render(take.foa, decoder_for(hrirs, take.rate))
        audio_io.write_audio(out / f"{ex.name}.wav", stereo, take.rate, bits="16", overwrite=True)
        track = intensity_doa(take.foa, take.rate)
        reference = (
            path
            if path is not None
            else (Trajectory.static(*ex.words, duration=ex.seconds) if ex.words else None)
        )
        if reference is not None:
            err = direction_errors(track, reference)
            where = (
                ("keyframes" if path_file else ex.path)
                if path is not None
                else "no path: the words say az {:g}°, el {:g}°".format(*ex.words)
            )
            caption = f"{where}; measured vs asked {err.spatial_angle:.1f}° mean"
            errors = f"{err.azimuth_l1:.1f}° / {err.elevation_l1:.1f}° / {err.spatial_angle:.1f}°"
        else:
            caption, errors = "no path (descriptive mode)", "–"
        plot(out / f"{ex.name}.png", ex, take.foa, take.rate, reference, track, caption)
        rows.append((ex, command(ex, path_file, steps), errors, take.timings["total"]))
        print(f"{ex.name}: {errors} ({take.timings['total']:.1f} s)", flush=True)
    write_index(out, rows, gen.bundle.info.name)
    return 0


def write_index(out: Path, rows: list[tuple[Example, str, str, float]], model: str) -> None:
    lines = [
        "# Listening examples",
        "",
        f"Made by `scripts/examples.py` with the model *{model}* on a CPU.",
        "Listen on headphones: the WAVs are binaural (the default HRTF). Each PNG",
        "shows the spectrogram of W and the direction measured from the take (blue, darker =",
        "louder) against the drawn path (orange). Errors are L1 azimuth / L1 elevation /",
        "spatial angle, means over the audible frames. These are the takes as they come",
        "(seed 1, no picking). A take holds its direction on the drawn path by default",
        "(`--placement held`; or on the path its spatial words describe: the bell);",
        "`--placement learned` lets the model place it, which the model card measures.",
        "",
        "| example | prompt | path | errors | make it again |",
        "|---|---|---|---|---|",
    ]
    for ex, cmd, errors, _seconds in rows:
        where = (
            ex.path
            if ex.path and not ex.path.startswith("KEYFRAMES:")
            else ("keyframes" if ex.path else "none: in the words")
        )
        lines.append(
            f"| [{ex.name}.wav]({ex.name}.wav) · [png]({ex.name}.png) | {ex.prompt} | "
            f"{where} | {errors} | `{cmd}` |"
        )
    lines += [""] + [f"![{ex.name}]({ex.name}.png)" for ex, *_ in rows] + [""]
    with atomic_target(out / "README.md") as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
