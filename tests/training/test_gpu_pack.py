"""The latent pack's parts (scripts/gpu_pack.py): its dry-source directions match the DirAC
analysis of a real render, and its int8 / log-energy codes round-trip within their steps."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.spatial import Keyframe, Trajectory
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.dirac import analyze

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gpu_pack", ROOT / "scripts" / "gpu_pack.py")
assert _spec is not None and _spec.loader is not None
gpu_pack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_pack)

RATE, HOP, FRAMES = 16000, 2048, 20
EDGES = (400.0, 1200.0, 3600.0)


def _bursts(seed: int) -> np.ndarray:
    """Noise bursts with gaps of silence: energy that changes inside an analysis window."""
    rng = np.random.default_rng(seed)
    n = FRAMES * HOP
    x = rng.standard_normal(n) * 0.3
    envelope = (np.sin(2 * np.pi * 3.1 * np.arange(n) / RATE) > 0.2).astype(float)
    return (x * envelope).astype(np.float32)


@pytest.mark.parametrize(
    "path",
    [
        Trajectory.static(60.0, 20.0, FRAMES * HOP / RATE),
        Trajectory(
            FRAMES * HOP / RATE,
            (Keyframe(0.0, 90.0, 0.0), Keyframe(FRAMES * HOP / RATE, -120.0, 40.0, direction="cw")),
        ),
    ],
    ids=["static", "fast-moving"],
)
def test_directions_match_the_analysis_of_a_dry_render(path: Trajectory) -> None:
    mono = _bursts(1)
    real = analyze(encode(mono, path, RATE), RATE, HOP, band_edges=EDGES).vectors
    energy = gpu_pack.block_energies(mono, RATE, EDGES, FRAMES * HOP)
    est = gpu_pack.directions(
        gpu_pack.energy_values(gpu_pack.energy_codes(energy)), path, RATE, HOP, FRAMES
    )
    assert est.shape == real.shape == (4, 3, FRAMES)
    assert np.abs(est - real).max() < 0.08  # 82°/s past bursts 3 times a second: the worst case
    assert np.abs(est - real).mean() < 0.01


def test_directions_of_silence_are_zero() -> None:
    energy = np.zeros((4, FRAMES * HOP // gpu_pack.BLOCK))
    est = gpu_pack.directions(energy, Trajectory.static(30.0, 0.0, 3.0), RATE, HOP, FRAMES)
    assert not est.any()


def test_int8_rows_round_trip_within_half_a_step() -> None:
    t = torch.randn(64, 48) * torch.logspace(-3, 1, 64)[:, None]
    codes, scale = gpu_pack.quantise_rows(t)
    back = gpu_pack.dequantise_rows(codes, scale)
    assert codes.dtype == torch.int8
    assert ((back - t).abs() <= scale[:, None] / 2 + 1e-9).all()
    out: dict[str, torch.Tensor] = {}
    gpu_pack.pack_state("m", {"w": t, "b": torch.randn(48), "n": torch.tensor(3)}, out)
    state = gpu_pack.unpack_state("m", out)
    assert set(state) == {"w", "b", "n"} and torch.equal(state["b"], out["m.f.b"])


def test_energy_codes_round_trip_within_a_step() -> None:
    e = np.array([0.0, 1e-13, 1e-6, 0.37, 512.0])
    back = gpu_pack.energy_values(gpu_pack.energy_codes(e))
    assert back[0] == 0.0 and back[1] == 0.0  # under the floor: silence
    ratio = back[2:] / e[2:]
    assert np.all(np.abs(np.log10(ratio)) <= 0.5 / gpu_pack.E_PER_DECADE + 1e-12)


def test_envelope_codes_match_the_codecs_measure_of_a_dry_render() -> None:
    """What the trainer's codec measures on W of a dry render (any direction) is what the pack
    keeps, within half a code step — including a clip shorter than the crop (zero-padded)."""
    from ambisketch.engine.models.envelope import SCALE_DB, analyze

    bands = 16
    for mono in (_bursts(2), _bursts(3)[: 7 * HOP + 100]):
        path = Trajectory.static(-75.0, 30.0, max(len(mono), HOP) / RATE)
        w = np.zeros(FRAMES * HOP, np.float32)
        r = encode(mono, path, RATE)[0]
        w[: len(r)] = r
        real = analyze(w, RATE, HOP, bands)
        codes = gpu_pack.envelope_codes(mono, RATE, HOP, FRAMES, bands)
        assert codes.dtype == np.uint8 and codes.shape == real.shape == (bands, FRAMES)
        est = gpu_pack.envelope_values(codes)
        assert np.abs(est - real).max() * SCALE_DB <= gpu_pack.ENV_STEP_DB / 2 + 1e-3
        if len(mono) < FRAMES * HOP:  # frames past the clip (and its window): the floor
            assert (codes[:, -FRAMES + 10 :] == 0).all()
        back = gpu_pack.envelope_values(torch.from_numpy(codes))
        assert torch.allclose(back, torch.from_numpy(est), atol=1e-5)
