"""Benchmarks of scenes (collected by ``ambisketch bench``).

* ``scene.render_16x60s``: the offline AmbiX mix of 16 tracks of 60 s (12 mono sources on
  moving paths, 4 FOA beds, two of them rotated) — real-time factor of the whole scene.
* ``scene.playback_block``: one 1024-frame block of the same scene through the playback
  transport (block mixer + binaural decoder) while the head turns every block — the cost as a
  percentage of the block's period (the audio thread's budget).
* ``scene.save_100`` / ``scene.load_100``: a 100-track scene written (atomic, with backup)
  and read back (validated, every media header checked).
* ``scene.repath_first`` / ``scene.repath_edit``: a 10 s take (16 kHz, with the starter
  codec's latent layout) on a scene track re-pathed from its latents and resampled to the
  scene's 48 kHz — the first path (the take's path-independent parts are built) and each
  further edit of a dragged path (real-time factors of the take's length).

The media are written to a temporary folder first; the decoder cache is memory-only.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from ..benchmarking import Benchmark, Measurement, ratio, realtime, time_call
from ..spatial.presets import preset
from .media import MediaCache
from .mixer import prepare_scene, render_blocks
from .project_file import load_scene, save_scene, scene_to_json
from .scene import SCENE_RATE, Scene

SECONDS = 60.0
TRACKS = 16
BLOCK = 1024
PATHS = (
    "orbit",
    "fly-over",
    "pass-by",
    "figure-eight",
    "half-orbit",
    "rising-spiral",
    "left-to-right",
    "orbit",
    "static",
    "fly-over",
    "pass-by",
    "figure-eight",
)


def _write_media(folder: Path, seconds: float, rate: int = SCENE_RATE) -> list[Path]:
    rng = np.random.default_rng(0)
    n = int(seconds * rate)
    paths = []
    for i in range(TRACKS):
        channels = 1 if i < len(PATHS) else 4
        p = folder / f"src{i:02d}.wav"
        sf.write(
            p, (rng.standard_normal((n, channels)) * 0.05).astype(np.float32), rate, subtype="FLOAT"
        )
        paths.append(p)
    return paths


def _scene(media: list[Path], seconds: float) -> Scene:
    from . import new_track

    scene = Scene(name="bench")
    for i, p in enumerate(media):
        fields: dict[str, object] = {"gain_db": -6.0, "start": 0.0}
        if i < len(PATHS):
            fields["path"] = preset(PATHS[i], seconds)
        elif i % 2:
            fields["rotation"] = (30.0 * i, 10.0, 0.0)
        scene = scene.with_track(new_track(scene, str(p), name=f"t{i}", **fields))
    return scene


def bench_scene(repeats: int) -> list[Measurement]:
    from ..binaural.cache import DecoderCache
    from ..binaural.hrtf import load_hrtf
    from .mixer import BlockMixer
    from .player import SceneTransport

    with tempfile.TemporaryDirectory(prefix="ambisketch-bench-") as tmp:
        folder = Path(tmp)
        media = _write_media(folder, SECONDS)
        scene = _scene(media, SECONDS)
        cache = MediaCache(SCENE_RATE)
        prepared = prepare_scene(scene, cache)  # files read once, as the app's cache does

        def offline() -> None:
            for _ in render_blocks(prepared):
                pass

        def offline_stems() -> None:
            for _ in render_blocks(prepared, stems=True):
                pass

        t_mix = time_call(offline, max(1, repeats // 2))
        t_stems = time_call(offline_stems, 1)
        mixer = BlockMixer(scene, cache)
        player = SceneTransport(
            scene, mixer, hrirs=load_hrtf(), device_output=False, cache=DecoderCache(folder=False)
        )
        player.play()
        out = np.zeros((BLOCK, 2), dtype=np.float32)
        angle = iter(range(10**9))

        def block() -> None:
            player.set_rotation(yaw=float(next(angle) % 360), pitch=5.0)
            player.callback(out, BLOCK)

        for _ in range(20):  # warm the filter spectra and the caches
            block()
        player.seek(20.0)
        t_block = time_call(block, max(200, repeats * 100), warmup=5)
        period = BLOCK / SCENE_RATE
        errors = list(player.errors)

        big = Scene(
            tuple(
                t.edited(id=f"{t.id[:8]}{i:04d}")
                for i in range(100 // TRACKS + 1)
                for t in scene.tracks
            )[:100],
            "hundred",
        )
        target = folder / "hundred.json"
        save_scene(big, target)
        t_save = time_call(lambda: save_scene(big, target), repeats)
        t_load = time_call(lambda: load_scene(target), repeats)
        plain = folder / "plain.json"
        t_plain = time_call(lambda: plain.write_text(scene_to_json(big, target)), repeats)
        t_parse = time_call(lambda: json.loads(target.read_text()), repeats)
    if errors:
        raise RuntimeError(f"playback errors during the benchmark: {errors[0]}")
    detail = f"{TRACKS} tracks x {SECONDS:g} s at {SCENE_RATE} Hz (12 mono on moving paths, 4 FOA)"
    return [
        realtime("scene.render_16x60s", SECONDS, t_mix, f"AmbiX mix of {detail}"),
        realtime("scene.render_16x60s_stems", SECONDS, t_stems, f"mix + 16 stems of {detail}"),
        Measurement(
            "scene.playback_block",
            100.0 * t_block / period,
            "% of the block period",
            f"{BLOCK}-frame block ({1000 * period:.1f} ms): {TRACKS}-track mix + binaural, "
            "head turning every block",
            t_block,
        ),
        replace(
            ratio(
                "scene.save_100",
                t_save,
                t_plain,
                "json.dumps + plain write",
                tracks=100,
                ms=1000 * t_save,
            ),
            detail=f"100 tracks, atomic with backup: {1000 * t_save:.1f} ms",
        ),
        replace(
            ratio(
                "scene.load_100",
                t_load,
                t_parse,
                "a plain json.loads",
                tracks=100,
                ms=1000 * t_load,
            ),
            detail=f"100 tracks, validated, media headers checked: {1000 * t_load:.1f} ms",
        ),
    ]


def _latent_take(folder: Path, seconds: float) -> Path:
    """A 16 kHz FOA take with latents in the starter codec's layout (W latents zero: the
    re-path reads W from the take itself; directions from DirAC analysis)."""
    from ..spatial.ambisonics import encode
    from ..spatial.dirac import analyze
    from ..takes.latents import save_latents
    from ..takes.repath import DiracLayout

    rate, hop, edges, scale = 16000, 2048, (400.0, 1200.0, 3600.0), 1.0
    x = (np.random.default_rng(1).standard_normal(int(seconds * rate)) * 0.1).astype(np.float32)
    foa = encode(x, preset("fly-over", seconds), rate)
    wav = folder / "take.wav"
    sf.write(wav, foa.T, rate, subtype="FLOAT")
    vectors = analyze(foa, rate, hop, band_edges=edges).vectors
    frames = vectors.shape[-1]
    latents = np.concatenate([np.zeros((20, frames)), vectors.reshape(-1, frames) * scale])
    layout = DiracLayout(20, edges, hop, rate, scale)
    save_latents(wav, latents, {**layout.to_meta(), "placement": "held", "samples": str(x.size)})
    return wav


def bench_repath(repeats: int) -> list[Measurement]:
    from . import new_track
    from .mixer import BlockMixer

    seconds = 10.0
    with tempfile.TemporaryDirectory(prefix="ambisketch-bench-") as tmp:
        wav = _latent_take(Path(tmp), seconds)
        scene = Scene(name="repath")
        track = new_track(scene, str(wav))
        scene = scene.with_track(track)
        paths = iter(
            preset(name, seconds).with_duration(seconds + 1e-3 * i)  # a new path every call
            for i in range(10**6)
            for name in ("orbit", "pass-by", "figure-eight")
        )

        def first() -> None:
            mixer = BlockMixer(scene, MediaCache(SCENE_RATE))  # nothing kept between calls
            mixer.set_scene(scene.replace_track(track.edited(path=next(paths))))

        t_first = time_call(first, max(1, repeats // 2))
        mixer = BlockMixer(scene, MediaCache(SCENE_RATE))
        mixer.set_scene(scene.replace_track(track.edited(path=next(paths))))

        def edit() -> None:
            mixer.set_scene(scene.replace_track(track.edited(path=next(paths))))

        t_edit = time_call(edit, max(3, repeats))
        plain = BlockMixer(scene, MediaCache(SCENE_RATE, highs=False))
        plain.set_scene(scene.replace_track(track.edited(path=next(paths))))

        def edit_plain() -> None:
            plain.set_scene(scene.replace_track(track.edited(path=next(paths))))

        t_plain = time_call(edit_plain, max(3, repeats))
    detail = f"a {seconds:g} s 16 kHz take on a {SCENE_RATE} Hz scene track, from its latents"
    return [
        realtime("scene.repath_first", seconds, t_first, f"first path: {detail}"),
        realtime(
            "scene.repath_edit",
            seconds,
            t_edit,
            f"each further edit ({1000 * t_edit:.0f} ms): {detail}, its highs panned",
        ),
        ratio(
            "scene.repath_edit_highs",
            t_edit,
            t_plain,
            "the same edit without the take's high band (a cache with highs=False)",
        ),
    ]


BENCHMARKS = [
    Benchmark(
        "scene",
        "scenes: 16x60 s offline mix, playback block with rotation, 100-track save/load",
        bench_scene,
    ),
    Benchmark(
        "scene-repath",
        "a take on a scene track re-pathed from its latents: first path and each edit",
        bench_repath,
    ),
]
