"""Validation takes during DiT training: every N steps, a few takes generated with the EMA
weights, written as audio with their measured direction error.

The prompts and paths are items spread over the training source, moving ones preferred (the
plain caption with its path and room values: parametric mode), fixed for the whole run, so
the takes of different steps compare. Each take is ``RUN/validation/step-NNNNNNN/take-K.wav``
(AmbiX, with a JSON sidecar holding the request and the errors);
``RUN/validation/validation.csv`` collects the errors (the papers' L1 azimuth, L1 elevation
and spatial angle, intensity-vector DOA against the requested path) of every take.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ambisketch.engine.audio_io import write_audio
from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.models.bundle import BundleInfo, ModelBundle
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.spatial.trajectory import Trajectory

from .data import ROOM_NUMBERS, room_numbers

if TYPE_CHECKING:
    from ambisketch.engine.models.codec_kinds import AnyCodec
    from ambisketch.engine.models.text_encoder import TextEncoder

COLUMNS = ("step", "take", "azimuth_l1", "elevation_l1", "spatial_angle", "prompt")


def validation_requests(
    source: Any, count: int, seconds: float, steps: int, default_caption: str = "a sound"
) -> list[GenerationRequest]:
    """Requests for ``count`` items spread over ``source`` (moving ones preferred; fixed
    seeds): the plain caption, the item's path and its room values."""
    stride = max(1, len(source) // (2 * count))
    probe = [source[i] for i in range(min(1, len(source) - 1), len(source), stride)][: 4 * count]
    with_path = [it for it in probe if it.get("trajectory")]
    moving = [it for it in with_path if it.get("kind") != "static"]
    chosen = (moving + [it for it in with_path if it.get("kind") == "static"])[:count]
    requests: list[GenerationRequest] = []
    for item in chosen:
        path = Trajectory.from_dict(item["trajectory"])
        if abs(path.duration - seconds) > 1e-6:
            path = path.with_duration(seconds)
        numbers = dict(zip(ROOM_NUMBERS, room_numbers(item.get("room"))))
        params = {k: v for k, v in numbers.items() if not math.isnan(v)}
        prompt = str(item.get("caption") or item.get("spatial_caption") or default_caption)
        requests.append(
            GenerationRequest(
                prompt, path, seconds, seed=len(requests), steps=steps, parametric=params
            )
        )
    return requests


def write_validation(
    run_dir: Path,
    step: int,
    model: torch.nn.Module,
    codec: AnyCodec,
    text_encoder: TextEncoder,
    info: BundleInfo,
    requests: list[GenerationRequest],
    device: torch.device,
    log: Callable[[str], None],
) -> list[JSONObject]:
    """Generate ``requests`` with ``model`` (the EMA weights) and ``codec`` on ``device``;
    write the takes and their errors; returns the CSV rows. The global random state is left
    as it was (a resumed run stays exact)."""
    folder = Path(run_dir) / "validation"
    out = folder / f"step-{step:07d}"
    out.mkdir(parents=True, exist_ok=True)
    cuda = [device] if device.type == "cuda" else []
    rows = []
    with torch.random.fork_rng(devices=cuda):
        gen = Generator(
            ModelBundle(codec, model, info), device=device.type, text_encoder=text_encoder
        )
        for k, request in enumerate(requests):
            take = gen.generate(request)[0]
            track = intensity_doa(take.foa, take.rate)
            err = direction_errors(track, request.path)  # type: ignore[arg-type]
            rows.append(
                {
                    "step": step,
                    "take": k,
                    "azimuth_l1": err.azimuth_l1,
                    "elevation_l1": err.elevation_l1,
                    "spatial_angle": err.spatial_angle,
                    "prompt": request.prompt,
                }
            )
            write_audio(
                out / f"take-{k}.wav",
                take.foa,
                take.rate,
                bits="24",
                overwrite=True,
                sidecar={**take.sidecar(), "step": step, "errors": err.to_dict()},
            )
    _append_csv(folder / "validation.csv", rows)
    mean = np.nanmean([r["spatial_angle"] for r in rows]) if rows else math.nan
    log(
        f"step {step}: {len(rows)} validation takes in {out} "
        f"(mean spatial angle {mean:.1f} degrees)"
    )
    return rows


def _append_csv(path: Path, rows: list[JSONObject]) -> None:
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in r.items()})
