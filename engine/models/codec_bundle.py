"""A trained codec on disk: ``codec.json`` + ``codec.safetensors`` (+ ``MODEL_CARD.md``).

``codec.json`` carries the format name and version, the codec's kind (:mod:`.codec_kinds`;
absent = the 4-channel ``foa`` kind), its config and how the weights were made; loading an
unknown format, kind or a newer version is a clear error, and the weights load strictly
(any missing or mis-shaped tensor is named). Weights may be stored in half precision; they
are loaded as float32.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ambisketch import __version__

from ..errors import ModelLoadError
from ..files import atomic_folder
from .codec_kinds import DEFAULT_KIND, AnyCodec, build_codec, format_version, get_kind, kind_of
from .configs import read_versioned_json
from .weights import load_state_strict, load_weights, save_weights

CODEC_FORMAT = "ambisketch-codec"
CODEC_FORMAT_VERSION = 3  # 2: codec kinds; 3: W envelope channels. Written with the oldest
# version that describes the codec (codec_kinds.format_version): a "foa" codec is still 1,
# which Ambisketch from before kinds reads.
CONFIG_FILE, WEIGHTS_FILE, CARD_FILE = "codec.json", "codec.safetensors", "MODEL_CARD.md"


def save_codec_bundle(
    out_dir: str | Path,
    codec: AnyCodec,
    *,
    half: bool = False,
    info: dict[str, Any] | None = None,
    card: str = "",
    overwrite: bool = False,
) -> Path:
    """Write a codec bundle folder atomically (staged next to it, then renamed)."""
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise ModelLoadError(f"{out}: already exists (use --force to replace it)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ModelLoadError(f"{out}: folder {parent} does not exist")
    with atomic_folder(out, overwrite=overwrite) as staging:
        state = codec.state_dict()
        if half:
            state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        save_weights(staging / WEIGHTS_FILE, state, {"format": CODEC_FORMAT})
        kind = kind_of(codec.config)
        meta = {
            "format": CODEC_FORMAT,
            "version": format_version(codec.config),
            "ambisketch_version": __version__,
            "kind": kind,
            "config": codec.config.to_dict(),
            "dtype": "float16" if half else "float32",
            **(info or {}),
        }
        (staging / CONFIG_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if card:
            (staging / CARD_FILE).write_text(card, encoding="utf-8")
    return out


def read_codec_meta(path: str | Path) -> dict[str, Any]:
    """The checked ``codec.json`` of a bundle folder."""
    folder = Path(path)
    cfg_path = folder / CONFIG_FILE
    if not folder.is_dir():
        raise ModelLoadError(f"{folder}: no such model folder")
    if not cfg_path.is_file():
        raise ModelLoadError(f"{folder}: not a codec bundle (no {CONFIG_FILE})")
    return read_versioned_json(cfg_path, CODEC_FORMAT, CODEC_FORMAT_VERSION, "codec")


def load_codec_bundle(path: str | Path, device: str | torch.device = "cpu") -> AnyCodec:
    """Load a codec bundle folder into an eval-mode codec of its kind on ``device``."""
    folder = Path(path)
    meta = read_codec_meta(folder)
    try:
        kind = get_kind(meta.get("kind", DEFAULT_KIND))
    except ValueError as exc:
        raise ModelLoadError(f"{folder / CONFIG_FILE}: {exc}") from None
    try:
        config = kind.config.from_dict(meta["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{folder / CONFIG_FILE}: invalid codec config ({exc})") from None
    state = load_weights(folder / WEIGHTS_FILE)
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    model = build_codec(config)
    load_state_strict(model, state, str(folder / WEIGHTS_FILE))
    return model.to(device).eval()
