"""A compact *latent pack* of a DiT run, so that the run can continue on a machine that holds
neither the corpus nor the text encoder's package (a lent GPU machine takes 64 MiB in all).

What a dry training sample of the factored codec is made of, and how it is packed:

* the W latents of its clip — the run's W memo (``w-latents/``), one entry per training
  clip, quantised to int8 in steps of :data:`W_STEP` of the model's per-channel latent std
  (error ≈ 0.014 std, far under the diffusion noise the DiT is trained at);
* the DirAC direction channels, which for a dry source are a function of the path and of the
  clip's band energies: per band ``b`` and frame ``j``, ``v = Σ h·s_b²·u / (Σ h·s_b² + ε)``
  (:mod:`ambisketch.engine.spatial.dirac` with ``(W, X, Y, Z) = s·(1, u)``). The pack keeps
  each clip's band energies per :data:`BLOCK` samples (log, uint8) and :func:`directions`
  evaluates the path inside the blocks, so any path can be drawn on the far machine;
  ``build`` reports how far this is from the codec's analysis of a real render;
* for a codec with envelope channels (:mod:`ambisketch.engine.models.envelope`), W's mel
  envelope of the crop — for a dry source W is the clip itself, so it does not depend on the
  path — in steps of :data:`ENV_STEP_DB` dB (uint8, code 0 = the envelope's floor, silence).
  Its 42 MB raw are what compresses least; at 2 dB steps ``xz`` makes them ≈ 14 MB (1 dB: 20),
  which keeps the whole pack as it travels (``pack.tar.xz``) under the 64 MiB;
* the plain caption of the clip (spatial captions are made from the drawn path there);
* the text encoder (all-MiniLM-L6-v2) cut to the word pieces the captions use, int8 per row;
* the DiT's weights (int8 per row: a starting point, trained on at once).

Samples in a room are not packed (their W carries the room and needs the audio): a run
continued from a pack trains dry samples only, and the room numbers of a dry sample.

``python scripts/gpu_pack.py RUN CORPUS OUT`` builds ``OUT/pack.safetensors`` and
``OUT/pack.json``; ``scripts/gpu_train.py`` trains from them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

BLOCK = 1024  # samples per band-energy block (half a codec hop at 16 kHz)
CELLS = 8  # path positions per block
W_STEP = 0.05  # int8 step of the W latents, in latent standard deviations
E_FLOOR = -12.0  # log10 energy of code 0
E_PER_DECADE = 16.0  # codes per decade (0.625 dB)
EPSILON = 1e-10  # the DirAC energy floor (engine.spatial.dirac.EPSILON)
ENV_STEP_DB = 2.0  # envelope code step (dB): error ≤ 1 dB, 0.05 of a channel unit (W_STEP)


# --- int8 per row ------------------------------------------------------------------------
def quantise_rows(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """int8 codes and a per-row fp32 scale of a ≥2-d tensor (rows = first dimension)."""
    flat = t.float().reshape(t.shape[0], -1)
    scale = flat.abs().amax(dim=1).clamp_min(1e-12) / 127.0
    codes = torch.round(flat / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return codes.reshape(t.shape), scale


def dequantise_rows(codes: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    shape = codes.shape
    return (codes.float().reshape(shape[0], -1) * scale[:, None]).reshape(shape)


def pack_state(prefix: str, state: dict[str, torch.Tensor], out: dict[str, torch.Tensor]) -> None:
    """Float tensors of ``state`` into ``out``: ≥2-d as int8 rows + scale, others fp32."""
    for name, t in state.items():
        if t.is_floating_point() and t.ndim >= 2 and t.numel() >= 1024:
            codes, scale = quantise_rows(t)
            out[f"{prefix}.q.{name}"] = codes
            out[f"{prefix}.s.{name}"] = scale
        else:
            out[f"{prefix}.f.{name}"] = t.float() if t.is_floating_point() else t


def unpack_state(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    for key, t in tensors.items():
        if key.startswith(f"{prefix}.q."):
            name = key[len(prefix) + 3 :]
            state[name] = dequantise_rows(t, tensors[f"{prefix}.s.{name}"])
        elif key.startswith(f"{prefix}.f."):
            state[key[len(prefix) + 3 :]] = t
    return state


# --- directions of a dry source ------------------------------------------------------------
def block_energies(
    mono: np.ndarray, rate: int, edges: tuple[float, ...], samples: int
) -> np.ndarray:
    """``(bands, samples // BLOCK)`` sums of the band-filtered ``mono``² per block."""
    from ambisketch.engine.spatial.dirac import band_filters, split_band

    x = np.zeros(samples)
    n = min(samples, mono.shape[-1])
    x[:n] = mono[:n]
    out = []
    for band in band_filters(tuple(edges), float(rate)):
        sb = split_band(x, band)
        out.append((sb * sb).reshape(-1, BLOCK).sum(-1))
    return np.stack(out)


def energy_codes(e: np.ndarray) -> np.ndarray:
    return np.clip(np.round((np.log10(e + 1e-30) - E_FLOOR) * E_PER_DECADE), 0, 255).astype(
        np.uint8
    )


def energy_values(codes: np.ndarray) -> np.ndarray:
    e = 10.0 ** (codes.astype(np.float64) / E_PER_DECADE + E_FLOOR)
    return np.where(codes == 0, 0.0, e)


def _hann_cells(hop: int, window_frames: float, cell: int) -> np.ndarray:
    """Sum of the analysis window over each ``cell``-sample cell of one frame's window."""
    from ambisketch.engine.spatial.dirac import analysis_window

    return analysis_window(hop, window_frames).reshape(-1, cell).sum(-1)


def directions(
    energy: np.ndarray,
    trajectory: object,
    rate: int,
    hop: int,
    frames: int,
    window_frames: float = 2.0,
) -> np.ndarray:
    """``(bands, 3, frames)`` DirAC vectors of the clip with block ``energy`` (bands, blocks)
    moving along ``trajectory`` (dry, SN3D), as :func:`~ambisketch.engine.spatial.dirac.analyze`
    would measure them."""
    from ambisketch.engine.spatial.angles import to_cartesian

    cell = BLOCK // CELLS
    bands, blocks = energy.shape
    n_cells = blocks * CELLS
    times = (np.arange(n_cells) + 0.5) * cell / rate
    az, el, _ = trajectory.sample(times)  # type: ignore[attr-defined]
    u = np.asarray(to_cartesian(az, el)).reshape(3, -1)  # (3, cells)
    e_cell = np.repeat(energy, CELLS, axis=1) / CELLS  # (bands, cells)
    h = _hann_cells(hop, window_frames, cell)  # (window cells,)
    left = (len(h) * cell - hop) // 2 // cell  # window start of frame 0, in cells before 0
    step = hop // cell
    pad_right = max(0, frames * step + len(h) - left - n_cells)
    ep = np.pad(e_cell, ((0, 0), (left, pad_right)))
    up = np.pad(u, ((0, 0), (left, pad_right)))
    idx = np.arange(frames)[:, None] * step + np.arange(len(h))[None]  # (frames, window cells)
    we = ep[:, idx] * h  # (bands, frames, window)
    energy_sum = we.sum(-1)  # (bands, frames)
    intensity = np.einsum("bfw,cfw->bcf", we, up[:, idx])
    return intensity / (energy_sum[:, None] + EPSILON)


# --- W's envelope (codecs with envelope channels) ----------------------------------------
def envelope_codes(mono: np.ndarray, rate: int, hop: int, frames: int, bands: int) -> np.ndarray:
    """``(bands, frames)`` uint8 codes of the envelope channels of a dry render of the crop
    ``mono[:frames * hop]`` (what the trainer's codec measures on that render's W)."""
    from ambisketch.engine.models.envelope import FLOOR_DB, band_db

    x = np.zeros(frames * hop, np.float64)
    n = min(len(x), mono.shape[-1])
    x[:n] = np.ravel(mono)[:n]
    db = band_db(x, rate, hop, frames, bands, 2 * hop)
    return np.clip(np.round((db - FLOOR_DB) / ENV_STEP_DB), 0, 255).astype(np.uint8)


def envelope_values(
    codes: np.ndarray | torch.Tensor, step_db: float = ENV_STEP_DB
) -> np.ndarray | torch.Tensor:
    """Envelope channel values (as :func:`~ambisketch.engine.models.envelope.from_db`) of
    :func:`envelope_codes` made in ``step_db`` steps (a pack's ``envelope_step_db``); numpy or
    torch (on the training device)."""
    from ambisketch.engine.models.envelope import FLOOR_DB, OFFSET_DB, SCALE_DB

    db = codes.float() if isinstance(codes, torch.Tensor) else codes.astype(np.float32)
    return (db * step_db + FLOOR_DB + OFFSET_DB) / SCALE_DB


# --- building ------------------------------------------------------------------------------
def _train_library(corpus: str, rate: int):  # noqa: ANN202
    """The clips the DiT trainer trains on (its source's train split)."""
    from ambisketch.training.sources import resolve_source

    return resolve_source(corpus, rate=rate, progress=False).library  # type: ignore[union-attr]


def _latest_state(run: Path) -> tuple[int, dict[str, torch.Tensor]]:
    from ambisketch.training.checkpoint import load_checkpoint

    found = load_checkpoint(run)
    if found is None:
        raise SystemExit(f"{run}: no checkpoint yet")
    state, meta = found
    return int(meta["step"]), state


def _vocabulary(tokenizer, captions: list[str]) -> list[int]:  # noqa: ANN001
    ids: set[int] = set(tokenizer.all_special_ids)
    for i in range(0, len(captions), 2048):
        batch = tokenizer(captions[i : i + 2048], truncation=True, max_length=64)["input_ids"]
        for row in batch:
            ids.update(row)
    return sorted(ids)


def build(run: Path, corpus: str, out: Path, spatial_draws: int = 12, check: int = 120) -> dict:
    from safetensors.torch import save_file

    from ambisketch.engine.models.codec_bundle import load_codec_bundle
    from ambisketch.engine.models.text_encoder import minilm_path
    from ambisketch.training.data.augment import AugmentConfig, draw_moving, draw_static
    from ambisketch.training.data.captions import captions_for
    from ambisketch.training.dit.config import DitTrainConfig
    from ambisketch.training.dit.data import crop_frames
    from ambisketch.training.dit.w_memo import WLatentMemo, w_key
    from ambisketch.training.latents import fit_augment, w_fingerprint

    t0 = time.time()
    config = DitTrainConfig.from_dict(json.loads((run / "config.json").read_text()))
    codec = load_codec_bundle(run / "codec").eval()
    bands = int(getattr(codec.config, "envelope_bands", 0))
    rate, hop = codec.config.sample_rate, codec.hop
    frames = crop_frames(config.clip_seconds, rate, hop)
    samples = frames * hop
    memo = WLatentMemo(codec, w_fingerprint(codec))
    memo.load(run)
    step, state = _latest_state(run)
    model = {k[len("model.") :]: v for k, v in state.items() if k.startswith("model.")}
    m = codec.config.mono.latent_channels
    mean, std = model["latent_mean"][:m].float(), model["latent_std"][:m].float()
    library = _train_library(corpus, rate)
    tensors: dict[str, torch.Tensor] = {}
    w_codes, e_codes, env_codes, captions, missing = [], [], [], [], 0
    for i, rec in enumerate(library.records):
        key = w_key({"clip_id": rec.clip_id}, 0, samples)
        w = memo.entries.get(key)
        if w is None:
            missing += 1
            continue
        z = ((w[:, :frames].float() - mean[:, None]) / std[:, None]) / W_STEP
        w_codes.append(torch.round(z).clamp(-127, 127).to(torch.int8))
        mono = library.load(i)
        e_codes.append(energy_codes(block_energies(mono, rate, codec.config.band_edges, samples)))
        if bands:
            env_codes.append(envelope_codes(mono, rate, hop, frames, bands))
        captions.append(rec.caption)
        if (i + 1) % 2000 == 0:
            print(
                f"{i + 1}/{len(library)} clips packed ({time.time() - t0:.0f} s)", file=sys.stderr
            )
    tensors["w"] = torch.stack(w_codes)
    tensors["w_mean"], tensors["w_std"] = mean.clone(), std.clone()
    tensors["energy"] = torch.from_numpy(np.stack(e_codes))
    if bands:
        tensors["envelope"] = torch.from_numpy(np.stack(env_codes))
    tensors["direction_scale"] = codec.direction_scale.detach().float().reshape(-1)
    pack_state("dit", model, tensors)

    # Text encoder cut to the word pieces of every caption form the draws make.
    from transformers import AutoModel, AutoTokenizer

    folder = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    augment = fit_augment(AugmentConfig(multi_segment_prob=0.2), config.clip_seconds)
    every = set(captions) | {config.default_caption}
    rng = np.random.default_rng(7)
    for cap in sorted(set(captions)):
        for j in range(spatial_draws):
            draw = draw_static(rng, augment) if j % 2 == 0 else draw_moving(rng, augment)
            every.add(captions_for(cap, draw, rng)["spatial_caption"])
    vocab = _vocabulary(tokenizer, sorted(every))
    text = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    tstate = text.state_dict()
    emb_key = "embeddings.word_embeddings.weight"
    tstate[emb_key] = tstate[emb_key][torch.tensor(vocab)]
    pack_state("text", tstate, tensors)
    tensors["text_vocab"] = torch.tensor(vocab, dtype=torch.int32)
    err = _text_check(text, tokenizer, tensors, sorted(every)[:: max(1, len(every) // 300)])
    dir_err = _direction_check(library, codec, augment, rate, hop, frames, samples, check)
    if bands:
        dir_err["envelope_abs_error_db"] = _envelope_check(library, codec, frames, samples, check)
    meta = {
        "format": "ambisketch-latent-pack",
        "run_step": step,
        "config": json.loads((run / "config.json").read_text()),
        "captions": captions,
        "rate": rate,
        "hop": hop,
        "frames": frames,
        "band_edges": list(codec.config.band_edges),
        "envelope_bands": bands,
        "envelope_step_db": ENV_STEP_DB,
        "window_frames": codec.config.window_frames,
        "tokenizer": {
            n: (folder / n).read_text()
            for n in (
                "tokenizer.json",
                "tokenizer_config.json",
                "special_tokens_map.json",
                "vocab.txt",
            )
        },
        "text_config": json.loads((folder / "config.json").read_text()),
        "report": {
            "clips": len(captions),
            "clips_without_memo": missing,
            "spatial_captions_seen": len(every),
            "word_pieces": len(vocab),
            "text_token_cosine_min": err[0],
            "text_token_cosine_mean": err[1],
            **dir_err,
            "seconds": round(time.time() - t0, 1),
        },
    }
    from ambisketch.engine.files import atomic_target

    out.mkdir(parents=True, exist_ok=True)
    with atomic_target(out / "pack.safetensors") as tmp:
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp))
    with atomic_target(out / "pack.json") as tmp:
        tmp.write_text(json.dumps(meta))
    return meta["report"]


@torch.no_grad()
def _text_check(text, tokenizer, tensors, prompts: list[str]) -> tuple[float, float]:  # noqa: ANN001
    """Cosine of the cut int8 encoder's token embeddings to the original's."""
    cut = load_text_encoder(tensors, text.config.to_dict())
    b = tokenizer(prompts, padding=True, truncation=True, max_length=64, return_tensors="pt")
    ref = text(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state
    got = cut(b["input_ids"], b["attention_mask"])
    mask = b["attention_mask"].bool()
    cos = torch.nn.functional.cosine_similarity(ref[mask], got[mask], dim=-1)
    return float(cos.min()), float(cos.mean())


def _direction_check(library, codec, augment, rate, hop, frames, samples, count):  # noqa: ANN001, ANN202
    """How far :func:`directions` is from the codec's analysis of real dry renders."""
    from ambisketch.engine.spatial.ambisonics import encode
    from ambisketch.training.data.augment import draw_moving, draw_static

    rng = np.random.default_rng(11)
    errs: dict[str, list[float]] = {"static": [], "moving": []}
    angles: dict[str, list[float]] = {"static": [], "moving": []}
    for j in range(count):
        i = int(rng.integers(len(library)))
        mono = library.load(i)
        draw = draw_static(rng, augment) if j % 2 == 0 else draw_moving(rng, augment)
        foa = encode(mono, draw.trajectory, rate)[:, :samples]
        real = codec.directions(torch.from_numpy(np.ascontiguousarray(foa))[None])[0].numpy()
        real = real.reshape(-1, 3, frames) / codec.direction_scale.item()
        e = energy_values(
            energy_codes(block_energies(mono, rate, codec.config.band_edges, samples))
        )
        est = directions(e, draw.trajectory, rate, hop, frames, codec.config.window_frames)
        kind = "static" if j % 2 == 0 else "moving"
        errs[kind].append(float(np.abs(real - est).mean()))
        strong = np.linalg.norm(real, axis=1) > 0.3
        if strong.any():
            cos = (real * est).sum(1)[strong] / (
                np.linalg.norm(real, axis=1)[strong] * np.linalg.norm(est, axis=1)[strong] + 1e-12
            )
            angles[kind].append(float(np.degrees(np.arccos(np.clip(cos, -1, 1))).mean()))
    return {f"direction_{k}_abs_error": round(float(np.mean(v)), 4) for k, v in errs.items()} | {
        f"direction_{k}_angle_deg": round(float(np.mean(v)), 2) for k, v in angles.items()
    }


def _envelope_check(library, codec, frames: int, samples: int, count: int) -> float:  # noqa: ANN001
    """Mean |dB| between the packed envelope and the codec's own measure of a dry render
    (the trainer's): the codes' rounding, nothing else."""
    from ambisketch.engine.models.envelope import SCALE_DB
    from ambisketch.engine.spatial import Trajectory
    from ambisketch.engine.spatial.ambisonics import encode

    rng = np.random.default_rng(13)
    rate = codec.config.sample_rate
    errs = []
    for _ in range(count):
        i = int(rng.integers(len(library)))
        mono = np.ravel(library.load(i)).astype(np.float32)
        path = Trajectory.static(float(rng.uniform(-180, 180)), 10.0, max(len(mono), 1) / rate)
        foa = np.zeros((4, samples), np.float32)
        r = encode(mono, path, rate)[:, :samples]
        foa[:, : r.shape[1]] = r
        real = codec.envelope(torch.from_numpy(foa)[None])[0].numpy()
        bands = real.shape[0]
        est = envelope_values(envelope_codes(mono, rate, codec.hop, frames, bands))
        errs.append(float(np.abs(real - est).mean()) * SCALE_DB)
    return round(float(np.mean(errs)), 3)


def load_text_encoder(tensors: dict[str, torch.Tensor], text_config: dict):  # noqa: ANN201
    """The cut MiniLM as a callable ``(input_ids, attention_mask) → token embeddings``
    taking the original tokenizer's ids."""
    from transformers import BertConfig, BertModel

    state = unpack_state("text", tensors)
    vocab = tensors["text_vocab"].long()
    cfg = dict(text_config)
    cfg["vocab_size"] = int(vocab.numel())
    model = BertModel(
        BertConfig(
            **{k: v for k, v in cfg.items() if k not in ("architectures", "transformers_version")}
        ),
        add_pooling_layer=False,
    )
    missing, unexpected = model.load_state_dict(
        {k: v for k, v in state.items() if not k.startswith("pooler.")}, strict=False
    )
    if [k for k in missing if "position_ids" not in k]:
        raise RuntimeError(f"text encoder: missing weights {missing[:5]}")
    model.eval().requires_grad_(False)
    unk = 100  # [UNK] in MiniLM's vocabulary (a special token: always kept)
    remap = torch.full((int(text_config["vocab_size"]),), int((vocab == unk).nonzero()[0, 0]))
    remap[vocab] = torch.arange(vocab.numel())

    def encode(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        ids = remap.to(ids.device)[ids]
        return model(input_ids=ids, attention_mask=mask).last_hidden_state

    encode.model = model  # type: ignore[attr-defined]
    return encode


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run")
    p.add_argument("corpus")
    p.add_argument("out")
    p.add_argument("--check", type=int, default=120, help="renders to check the directions on")
    a = p.parse_args()
    report = build(Path(a.run), a.corpus, Path(a.out), check=a.check)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
