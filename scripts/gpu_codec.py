"""Fine-tune the factored codec's W *decoder* on a GPU machine that holds no corpus.

The encoder stays frozen, so the latent space — and every DiT trained on it — stays valid:
only what the latents are decoded to changes. Losses: multi-resolution STFT (auraloss, the
codec trainer's resolutions), a log-mel L1 term and a small time-domain L1 term.

    python scripts/gpu_codec.py pack CORPUS OUT.tar --megabytes 48   # here: FLAC of train clips
    python scripts/gpu_codec.py train CODEC_DIR AUDIO.tar OUT --seconds 220   # there
    python scripts/gpu_codec.py import BUNDLE OUT BUNDLE_OUT [--ema]   # here: a generator

``--decoder-channels N`` trains a *wider* decoder that starts as the trained one
(:mod:`ambisketch.training.codec.widen`); ``import`` rebuilds that width from ``info.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import torch

FRAMES = 40  # latent frames per crop (5.12 s at hop 2048, 16 kHz)


def high_share(mono: np.ndarray, rate: int, above: float = 4200.0) -> float:
    """Share of ``mono``'s energy above ``above`` Hz (first 10 s)."""
    x = mono[: 10 * rate]
    power = np.abs(np.fft.rfft(x)) ** 2
    return float(power[np.fft.rfftfreq(len(x), 1 / rate) > above].sum() / (power.sum() + 1e-12))


def pack(
    corpus: str,
    out: Path,
    megabytes: float,
    rate: int = 16000,
    min_highs: float = 0.0,
    bits: int = 16,
    seed: int = 0,
) -> dict:
    """FLAC of random train clips up to ``megabytes``, as the corpus has them by default.

    ``min_highs`` > 0 leaves out clips with less than that share of their energy above
    4.2 kHz. Measured on corpus v2b (600 train clips): 1e-3 leaves out 56 % of the recorded
    clips (telephone prompts, dialogue — meant) but also 58 % of the General MIDI clips and 45 %
    of the procedural ones (bassoon, shakuhachi, foghorn, doorbell: tonal sounds with little
    above 4 kHz). Decoders fine-tuned without them decoded a generated bell's ringing tail
    20–40 dB quieter than the decoder before them and scored worse on the test set's
    band-limited clips (MEL 2.50 → 2.92); so the default keeps everything.

    ``bits`` < 16 peak-normalises each clip to −1 dBFS and keeps that many bits (FLAC stores
    the zeroed low bits for free): 12 bits put ~1.4× the audio in the same megabytes with the
    quantisation noise ~70 dB under each clip's peak (training varies levels anyway)."""
    import soundfile as sf

    from ambisketch.engine.files import atomic_target

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gpu_pack import _train_library

    library = _train_library(corpus, rate)
    order = np.random.default_rng(seed).permutation(len(library))  # another seed: other clips
    total, n, seconds, band_limited = 0, 0, 0.0, 0
    with atomic_target(out) as tmp, tarfile.open(tmp, "w") as tar:
        for i in order:
            rec = library.records[int(i)]
            mono = np.asarray(library.cache.load(rec.cache_entry), dtype=np.float32).reshape(-1)
            if mono.size < rate or np.sqrt(np.mean(mono**2)) < 1e-3:
                continue  # too short or near silence: nothing to learn
            if high_share(mono, rate) < min_highs:
                band_limited += 1
                continue
            if bits < 16:
                mono = mono * (0.89 / max(float(np.abs(mono).max()), 1e-9))
                step = 2.0 ** (1 - bits)
                mono = np.round(mono / step) * step
            buf = io.BytesIO()
            sf.write(buf, np.clip(mono, -1, 1), rate, format="FLAC", subtype="PCM_16")
            data = buf.getvalue()
            info = tarfile.TarInfo(f"{n:05d}.flac")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            total, n, seconds = total + len(data), n + 1, seconds + mono.size / rate
            if total > megabytes * 1e6:
                break
    return {
        "clips": n,
        "minutes": round(seconds / 60, 1),
        "megabytes": round(total / 1e6, 1),
        "band_limited_left_out": band_limited,
        "bits": bits,
    }


def _load_audio(path: Path) -> list[np.ndarray]:
    import soundfile as sf

    clips = []
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            f = tar.extractfile(m)
            if f is not None:
                x, _ = sf.read(io.BytesIO(f.read()), dtype="float32")
                clips.append(np.asarray(x).reshape(-1))
    return clips


class MelL1(torch.nn.Module):
    """L1 of log-mel magnitudes (2048-point STFT, hop 512, 128 bands) plus their spectral
    convergence — the terms of the codec's MEL distance, differentiable."""

    def __init__(self, rate: int) -> None:
        super().__init__()
        hz = np.linspace(0, rate / 2, 1025)
        mel = 2595 * np.log10(1 + hz / 700)
        edges = np.linspace(0, mel[-1], 130)
        lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
        tri = np.clip(np.minimum((mel - lo) / (mid - lo), (hi - mel) / (hi - mid)), 0, None)
        self.register_buffer("fb", torch.tensor(tri.T, dtype=torch.float32))  # (1025, 128)
        self.register_buffer("window", torch.hann_window(2048))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        def mel(a: torch.Tensor) -> torch.Tensor:
            s = torch.stft(
                a.reshape(-1, a.shape[-1]), 2048, 512, window=self.window, return_complex=True
            )
            return (s.abs().pow(2).clamp_min(1e-8).sqrt().transpose(1, 2) @ self.fb).clamp_min(1e-7)

        mx, my = mel(x), mel(y)
        sc = torch.linalg.norm(my - mx, dim=(1, 2)) / torch.linalg.norm(my, dim=(1, 2)).clamp_min(
            1e-7
        )
        return sc.mean() + (mx.log10() - my.log10()).abs().mean()


def train(
    codec_dir: str,
    audio: Path,
    out: Path,
    seconds: float,
    batch: int,
    lr: float,
    decoder_channels: int = 0,
    crop_frames: int = FRAMES,
) -> None:
    from auraloss.freq import MultiResolutionSTFTLoss

    from ambisketch.engine.models.codec import count_parameters
    from ambisketch.engine.models.codec_bundle import load_codec_bundle

    t_start = time.time()
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    codec = load_codec_bundle(codec_dir)
    if decoder_channels:
        from ambisketch.training.codec.widen import widen_factored

        codec = widen_factored(codec, decoder_channels)  # type: ignore[arg-type]
    codec = codec.to(dev)
    mono = codec.mono
    mono.encoder.requires_grad_(False).eval()
    dec = mono.decoder.train()
    rate, hop = codec.config.sample_rate, codec.hop
    crop = crop_frames * hop
    clips = [c for c in _load_audio(audio) if c.size >= hop]
    held = clips[-8:]  # a few clips to watch the loss on
    clips = clips[:-8]
    sizes = np.array([c.size for c in clips], dtype=np.float64)
    probs = sizes / sizes.sum()
    sizes_s = [c.size for c in clips]
    sizes_fft = (2048, 1024, 512, 256, 128, 64)
    stft = MultiResolutionSTFTLoss(
        fft_sizes=list(sizes_fft),
        hop_sizes=[s // 4 for s in sizes_fft],
        win_lengths=list(sizes_fft),
    ).to(dev)
    mel = MelL1(rate).to(dev)
    opt = torch.optim.AdamW(dec.parameters(), lr=lr, betas=(0.8, 0.99), weight_decay=1e-3)
    ema = {k: v.detach().clone() for k, v in dec.state_dict().items()}
    rng = np.random.default_rng(0)

    def batch_of(n: int) -> torch.Tensor:
        out_ = np.zeros((n, 1, crop), np.float32)
        for j, i in enumerate(rng.choice(len(clips), n, p=probs)):
            c = clips[i]
            if sizes_s[i] > crop:
                s = int(rng.integers(0, sizes_s[i] - crop))
                out_[j, 0] = c[s : s + crop]
            else:
                out_[j, 0, : sizes_s[i]] = c
            out_[j, 0] *= 10 ** (rng.uniform(-12, 6) / 20)  # level variety
        return torch.from_numpy(np.clip(out_, -1, 1)).to(dev)

    def losses(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            z = mono.posterior(x).mean
        y = dec(z)[..., : x.shape[-1]]
        return stft(y, x) + mel(y, x) + 0.1 * (y - x).abs().mean(), mel(y, x)

    held_x = torch.from_numpy(
        np.stack([np.pad(c[:crop], (0, max(0, crop - c.size)))[None] for c in held])
    ).to(dev)
    with torch.no_grad():
        before = float(losses(held_x)[1])
    print(
        f"setup {time.time() - t_start:.1f} s: {len(clips)} clips, batch {batch}, held-out mel {before:.4f}",
        flush=True,
    )
    t0, step, rows = time.time(), 0, []
    while time.time() - t0 < seconds:
        frac = (time.time() - t0) / seconds
        g = lr * min(1.0, (step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for group in opt.param_groups:
            group["lr"] = g
        loss, _ = losses(batch_of(batch))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for k, v in dec.state_dict().items():
                ema[k].lerp_(v, 0.002) if v.is_floating_point() else ema[k].copy_(v)
        step += 1
        if step % 100 == 0:
            rows.append((step, round(time.time() - t0, 1), float(loss)))
            print(
                f"step {step} {time.time() - t0:.0f} s loss {float(loss):.4f} lr {g:.2e}",
                flush=True,
            )
    # float16 on disk: a widened decoder in float32 passes the 16 MiB a returned file may have
    state = {k: v.detach().half().cpu().contiguous() for k, v in dec.state_dict().items()}
    dec.load_state_dict(ema)
    with torch.no_grad():
        after_ema = float(losses(held_x)[1])
    dec.load_state_dict({k: v.float() for k, v in state.items()})
    with torch.no_grad():
        after = float(losses(held_x)[1])
    from safetensors.torch import save_file

    save_file(state, str(out / "decoder.safetensors"))
    save_file(
        {k: v.detach().half().cpu().contiguous() for k, v in ema.items()},
        str(out / "decoder-ema.safetensors"),
    )
    (out / "info.json").write_text(
        json.dumps(
            {
                "steps": step,
                "seconds": round(time.time() - t0, 1),
                "decoder_channels": mono.config.decoder_base,
                "decoder_parameters": count_parameters(dec),
                "batch": batch,
                "lr": lr,
                "crop_frames": crop_frames,
                "clips": len(clips),
                "held_mel_before": before,
                "held_mel_after": after,
                "held_mel_after_ema": after_ema,
                "curve": rows,
            }
        )
    )
    print(
        f"done: {step} steps; held-out mel {before:.4f} -> {after:.4f} (EMA {after_ema:.4f})",
        flush=True,
    )


def import_decoder(
    bundle: str, run: Path, out: Path, ema: bool, name: str, blend: float = 1.0
) -> dict:
    """A generator bundle: ``bundle`` with the W decoder trained into ``run``.

    ``blend`` < 1 takes that share of the trained weights and the rest of ``bundle``'s own
    decoder (widened to the same width first): weight-space ensembling of a fine-tune with
    where it started (WiSE-FT, Wortsman et al. 2022), which keeps more of what the decoder
    did before — the starter v3 decoder is ``--blend 0.5``."""
    import dataclasses

    from safetensors.torch import load_file

    from ambisketch.engine.models.bundle import load_bundle, save_bundle
    from ambisketch.training.codec.widen import widen_factored

    if not 0.0 < blend <= 1.0:
        raise ValueError(f"--blend must be in (0, 1], got {blend:g}")
    info = json.loads((run / "info.json").read_text())
    model = load_bundle(bundle)
    width = int(info.get("decoder_channels") or 0)
    codec = model.codec
    if width and width != codec.config.mono.decoder_base:  # type: ignore[union-attr]
        codec = widen_factored(codec, width, noise=0.0)  # type: ignore[arg-type]
    state = load_file(str(run / ("decoder-ema.safetensors" if ema else "decoder.safetensors")))
    state = {k: v.float() for k, v in state.items()}
    if blend < 1.0:
        before = codec.mono.decoder.state_dict()  # type: ignore[union-attr]
        state = {
            k: (1 - blend) * before[k] + blend * v if v.is_floating_point() else v
            for k, v in state.items()
        }
    codec.mono.decoder.load_state_dict(state)  # type: ignore[union-attr]
    model.codec = codec.eval()
    if name:
        model.info = dataclasses.replace(model.info, name=name)
    save_bundle(out, model, half=True)
    return {
        "bundle": str(out),
        "decoder_channels": codec.config.mono.decoder_base,  # type: ignore[union-attr]
        "blend": blend,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a1 = sub.add_parser("pack")
    a1.add_argument("corpus")
    a1.add_argument("out", type=Path)
    a1.add_argument("--megabytes", type=float, default=48.0)
    a1.add_argument(
        "--min-highs", type=float, default=0.0, help="least share of energy above 4.2 kHz"
    )
    a1.add_argument("--bits", type=int, default=16, help="bits kept (12: ~1.4x the audio)")
    a1.add_argument("--seed", type=int, default=0, help="which clips (a second run: other ones)")
    a2 = sub.add_parser("train")
    a2.add_argument("codec")
    a2.add_argument("audio", type=Path)
    a2.add_argument("out", type=Path)
    a2.add_argument("--seconds", type=float, default=220.0)
    a2.add_argument("--batch", type=int, default=32)
    a2.add_argument("--lr", type=float, default=1e-4)
    a2.add_argument(
        "--decoder-channels", type=int, default=0, help="widen the decoder first (0: keep it)"
    )
    a2.add_argument("--crop-frames", type=int, default=FRAMES, help="latent frames per crop")
    a3 = sub.add_parser("import")
    a3.add_argument("bundle", help="the generator bundle whose codec was fine-tuned")
    a3.add_argument("run", type=Path, help="what train wrote (decoder*.safetensors, info.json)")
    a3.add_argument("out", type=Path)
    a3.add_argument("--ema", action="store_true", help="take the EMA weights")
    a3.add_argument("--name", default="")
    a3.add_argument(
        "--blend", type=float, default=1.0, help="share of the trained weights (rest: before)"
    )
    a = p.parse_args()
    if a.cmd == "pack":
        print(
            json.dumps(
                pack(a.corpus, a.out, a.megabytes, min_highs=a.min_highs, bits=a.bits, seed=a.seed)
            )
        )
    elif a.cmd == "import":
        from ambisketch.engine.errors import ModelLoadError

        try:
            print(json.dumps(import_decoder(a.bundle, a.run, a.out, a.ema, a.name, a.blend)))
        except (ValueError, OSError, ModelLoadError, RuntimeError) as exc:
            print(f"gpu_codec import: {exc}", file=sys.stderr)
            return 1
    else:
        a.out.mkdir(parents=True, exist_ok=True)
        train(
            a.codec,
            a.audio,
            a.out,
            a.seconds,
            a.batch,
            a.lr,
            a.decoder_channels,
            a.crop_frames,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
