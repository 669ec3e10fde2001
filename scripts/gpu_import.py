"""Turn what ``scripts/gpu_train.py`` wrote (fp16 model / EMA parts, ``info.json``,
``metrics.csv``) into a model bundle, with the codec of the DiT run the pack was made from.

``python scripts/gpu_import.py GPU_OUT RUN BUNDLE [--weights ema|model] [--steps-before N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file


def read_parts(folder: Path, name: str) -> dict[str, torch.Tensor]:
    parts = sorted(folder.glob(f"{name}-*.safetensors"))
    if not parts:
        raise SystemExit(f"{folder}: no {name}-N.safetensors files")
    state: dict[str, torch.Tensor] = {}
    for part in parts:
        state.update(
            {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(part)).items()}
        )
    return state


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("gpu_out")
    p.add_argument("run")
    p.add_argument("bundle")
    p.add_argument("--weights", choices=("ema", "model"), default="ema")
    p.add_argument(
        "--steps-before", type=int, required=True, help="steps the starting point had in all"
    )
    p.add_argument("--half", action="store_true")
    a = p.parse_args()

    from ambisketch.engine.models.bundle import BundleInfo, ModelBundle, save_bundle
    from ambisketch.engine.models.codec_bundle import load_codec_bundle
    from ambisketch.engine.models.diffusion import DiffusionModel
    from ambisketch.engine.models.weights import load_state_strict
    from ambisketch.training.dit.config import DitTrainConfig

    gpu, run = Path(a.gpu_out), Path(a.run)
    info = json.loads((gpu / "info.json").read_text())
    config = DitTrainConfig.from_dict(json.loads((run / "config.json").read_text()))
    model = DiffusionModel(config.dit, config.conditioner)
    load_state_strict(model, read_parts(gpu, a.weights), str(gpu))
    codec = load_codec_bundle(run / "codec")
    steps = int(info["steps"])
    name = Path(a.bundle).name
    bundle_info = BundleInfo(
        clip_seconds=config.clip_seconds,
        text_encoder=config.text_encoder,
        text_max_tokens=config.text_max_tokens,
        name=name,
        training_data={
            "run": str(run.resolve()),
            "step": a.steps_before + steps,
            "exported": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "caption_mode": config.caption_mode,
            "continued_on_gpu": {
                "from_run_step": info["pack_run_step"],
                "steps": steps,
                "batch": info["batch"],
                "lr": info["lr"],
                "ema": info["ema"],
                "weights": a.weights,
                "samples": "dry only (latent pack: scripts/gpu_pack.py)",
            },
        },
    )
    card = f"""# {name}

An Ambisketch FOA generator: the codec of run `{run.name}` and its DiT (width {config.dit.width},
depth {config.dit.depth}), continued from step {a.steps_before} for {steps} steps of batch
{info["batch"]} on a GPU from a latent pack (dry samples only; `scripts/gpu_pack.py`,
`scripts/gpu_train.py`), lr {info["lr"]:g} with warm-up and cosine decay; the weights are the
{"exponential moving average (decay " + str(info["ema"]) + ")" if a.weights == "ema" else "raw model"}.
"""
    save_bundle(
        a.bundle, ModelBundle(codec, model.eval(), bundle_info, card), overwrite=True, half=a.half
    )
    print(f"{a.bundle}: {steps} GPU steps on top of {a.steps_before}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
