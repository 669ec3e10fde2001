"""From a training run to a model bundle the app loads (EMA weights, config, model card)."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.models.codec import count_parameters
from ambisketch.engine.models.codec_bundle import save_codec_bundle
from ambisketch.engine.models.codec_kinds import AnyCodec, build_codec
from ambisketch.engine.models.factored_codec import FactoredCodec
from ambisketch.engine.models.weights import load_state_strict

from .checkpoint import load_checkpoint
from .codec.config import CodecTrainConfig
from .dit.config import DitTrainConfig


def codec_from_run(run_dir: str | Path) -> tuple[AnyCodec, int]:
    """The EMA weights of a run's latest checkpoint as an eval-mode codec of the run's kind,
    and the step they come from."""
    run = Path(run_dir)
    found = load_checkpoint(run)
    if found is None:
        raise ModelLoadError(f"{run}: no checkpoint yet (train first)")
    tensors, meta = found
    config = CodecTrainConfig.from_dict(meta["config"])
    model = build_codec(config.codec)
    ema = {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")}
    state = {k: ema.get(k, v) for k, v in model.state_dict().items()}
    load_state_strict(model, state, str(run / "checkpoints"))
    return model.eval(), int(meta["step"])


def _card(model: AnyCodec, run: Path, step: int, config: CodecTrainConfig) -> str:
    c = config.codec
    size = (
        f"{c.latent_channels} latent channels at {c.latent_rate:.2f} Hz (×{c.hop} "
        f"downsampling, {c.compression:g}× compression), "
        f"{count_parameters(model) / 1e6:.2f} M parameters"
    )
    if isinstance(model, FactoredCodec):
        f = model.config
        what = (
            f"A spatially factored FOA codec: a 1-channel convolutional VAE for W "
            f"({f.mono.latent_channels} channels) plus DirAC direction channels (the "
            f"active-intensity vector of {f.bands} bands, {f.direction_channels} channels)"
            + (
                f" and W's mel envelope ({f.envelope_bands} bands, imposed on the decoded W)"
                if f.envelope_bands
                else ""
            )
            + f": {size}. Direction"
            + (" and envelope are" if f.envelope_bands else " is")
            + " measured and rebuilt, not learned."
        )
        losses = (
            f"- Losses (on W): multi-resolution STFT, time-domain L1, KL "
            f"{config.kl_weight:g}; multi-scale STFT discriminator from step "
            f"{config.adversarial_after}."
        )
    else:
        what = (
            f"A 4-channel (AmbiX) convolutional VAE: {c.in_channels} channels at "
            f"{c.sample_rate} Hz → {size}."
        )
        losses = (
            f"- Losses: multi-resolution STFT per channel and on the six first-order beams "
            f"(W±X, W±Y, W±Z, so direction is kept), time-domain L1, KL "
            f"{config.kl_weight:g}; multi-scale STFT discriminator from step "
            f"{config.adversarial_after}."
        )
    return f"""# Ambisketch FOA codec

{what}

- Trained for {step} steps, batch {config.batch_size} of {config.crop_seconds:g} s crops, from
  run `{run.name}`; the weights are the exponential moving average (decay {config.ema_decay}).
{losses}
- Architecture after SonicMotion (arXiv 2507.07318) and stable-audio-tools' Oobleck VAE.
- Files: `codec.json` (config), `codec.safetensors` (weights). Load with
  `ambisketch.engine.models.codec_bundle.load_codec_bundle`.
"""


def export_codec(
    run_dir: str | Path, out_dir: str | Path, *, half: bool = False, overwrite: bool = False
) -> Path:
    """Write the run's EMA codec as a bundle folder."""
    run = Path(run_dir)
    model, step = codec_from_run(run)
    config = CodecTrainConfig.from_dict(json.loads((run / "config.json").read_text("utf-8")))
    info = {
        "training": {
            "run": str(run.resolve()),
            "step": step,
            "exported": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "config": config.to_dict(),
        }
    }
    return save_codec_bundle(
        out_dir,
        model,
        half=half,
        info=info,
        card=_card(model, run, step, config),
        overwrite=overwrite,
    )


# --- the generator (DiT run + its codec) → a full model bundle ------------------------------
def dit_from_run(run_dir: str | Path) -> tuple[Any, DitTrainConfig, int]:
    """The EMA weights of a DiT run's latest checkpoint as an eval-mode
    :class:`~ambisketch.engine.models.diffusion.DiffusionModel`, its config and step."""
    from ambisketch.engine.models.diffusion import DiffusionModel

    run = Path(run_dir)
    found = load_checkpoint(run)
    if found is None:
        raise ModelLoadError(f"{run}: no checkpoint yet (train first)")
    tensors, meta = found
    config = DitTrainConfig.from_dict(meta["config"])
    model = DiffusionModel(config.dit, config.conditioner)
    ema = {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")}
    state = {k: ema.get(k, v) for k, v in model.state_dict().items()}
    load_state_strict(model, state, str(run / "checkpoints"))
    return model.eval(), config, int(meta["step"])


def export_dit(
    run_dir: str | Path,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    name: str | None = None,
    half: bool = False,
) -> Path:
    """Write a DiT run (EMA weights) and the codec it was trained with as a model bundle
    that :class:`ambisketch.engine.generate.Generator` loads (``half``: float16 weights,
    loaded as float32). A run continued from another model (``--init-from``) says so in
    ``training_data["init_from"]`` and its card, with the steps in all."""
    from ambisketch.engine.models.bundle import BundleInfo, ModelBundle, save_bundle
    from ambisketch.engine.models.codec_bundle import load_codec_bundle

    from .lineage import read_init_record

    run = Path(run_dir)
    if not run.is_dir():
        raise ModelLoadError(f"{run}: no such run folder")
    if not (run / "codec").is_dir():
        raise ModelLoadError(f"{run}: not a DiT run (no codec/ folder)")
    model, config, step = dit_from_run(run)
    codec = load_codec_bundle(run / "codec")
    exported = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    init = read_init_record(run)
    info = BundleInfo(
        clip_seconds=config.clip_seconds,
        text_encoder=config.text_encoder,
        text_max_tokens=config.text_max_tokens,
        name=name or run.name,
        training_data={
            "run": str(run.resolve()),
            "step": step,
            "exported": exported,
            "caption_mode": config.caption_mode,
            **({"init_from": init} if init is not None else {}),
            **(
                {"plain_phase_steps": config.plain_phase_steps}
                if config.caption_mode == "two-phase"
                else {}
            ),
        },
    )
    c = config
    phase = (
        f" (plain until step {c.plain_phase_steps}, then spatial)"
        if c.caption_mode == "two-phase"
        else ""
    )
    card = f"""# {info.name}

An Ambisketch FOA generator: the FOA codec ({codec.config.latent_channels} latent channels at
{codec.config.latent_rate:.2f} Hz) and a conditioned diffusion transformer (width {c.dit.width},
depth {c.dit.depth}, {count_parameters(model) / 1e6:.2f} M parameters with its conditioner).

- Trained for {step} steps{_continued(init, step)}, batch {c.batch_size}×{c.grad_accum} of {c.clip_seconds:g} s clips,
  captions "{c.caption_mode}"{phase}, text encoder `{c.text_encoder}`; the weights are the
  exponential moving average (decay {c.ema_decay}).
- v-objective; classifier-free dropout: text {c.text_dropout:g}, path {c.trajectory_dropout:g},
  each room number (distance, room size, decay time; where the data had rooms) {c.room_dropout:g};
  AdamW lr {c.lr:g} (path conditioner ×{c.trajectory_lr_mult:g}), inverse LR schedule.
- From run `{run.name}`.
"""
    return save_bundle(
        out_dir, ModelBundle(codec, model, info, card), overwrite=overwrite, half=half
    )


def _continued(init: dict[str, Any] | None, step: int) -> str:
    if init is None:
        return ""
    before = init.get("steps")
    total = f", {int(before) + step} in all" if isinstance(before, int) else ""
    its = f" (its {before} steps)" if isinstance(before, int) else ""
    return f" continued from `{init.get('name') or init.get('path')}`{its}{total}"
