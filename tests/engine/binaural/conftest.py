"""Fixtures of the binaural tests: the real default HRTF, decoders, small SOFA files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5netcdf
import numpy as np
import pytest

from ambisketch.engine.binaural import BinauralDecoder, DecoderCache, HrirSet, load_hrtf

RATE = 48000


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes into the real user cache."""
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def kemar() -> HrirSet:
    """The shipped default HRTF (MIT KEMAR), at its own rate."""
    return load_hrtf()


@pytest.fixture(scope="session")
def memory_cache() -> DecoderCache:
    """A memory-only decoder cache shared by the session's tests (each design runs once)."""
    return DecoderCache(folder=False)


@pytest.fixture(scope="session")
def decoder48(kemar: HrirSet, memory_cache: DecoderCache) -> BinauralDecoder:
    """The default decoder at 48 kHz (diffuse-field equalised), designed once per session."""
    return memory_cache.get(kemar, RATE)


def noise(seconds: float = 0.5, rate: int = RATE, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * rate)) * 0.1).astype(
        np.float32
    )


def write_test_sofa(
    path: Path,
    *,
    convention: str = "SimpleFreeFieldHRIR",
    ir: np.ndarray | None = None,
    positions: np.ndarray | None = None,
    position_type: str = "spherical",
    units: str = "degree, degree, metre",
    rate: Any = 48000.0,
    receivers: np.ndarray | None = None,
    skip: tuple[str, ...] = (),
) -> Path:
    """A small SOFA file written with h5netcdf directly (independent of the engine's writer).

    By default: 6 directions (front, left, back, right, up, down), 2 ears, 32 taps, where
    the ear facing the source gets a louder, earlier impulse.
    """
    if positions is None:
        positions = np.array(
            [[0, 0, 1.2], [90, 0, 1.2], [180, 0, 1.2], [270, 0, 1.2], [0, 90, 1.2], [0, -90, 1.2]],
            dtype=float,
        )
    if ir is None:
        ir = np.zeros((len(positions), 2, 32))
        for i, (az, el, _) in enumerate(positions):
            side = np.sin(np.radians(az)) * np.cos(np.radians(el))  # +1 = left
            ir[i, 0, 4 + int(round(-3 * side)) + 3] = 1.0 + 0.8 * side
            ir[i, 1, 4 + int(round(3 * side)) + 3] = 1.0 - 0.8 * side
    with h5netcdf.File(str(path), "w") as f:
        f.attrs.update(
            {
                "Conventions": "SOFA",
                "Version": "2.1",
                "SOFAConventions": convention,
                "SOFAConventionsVersion": "1.0",
                "DataType": "FIR",
                "Title": "test set",
                "License": "CC0",
            }
        )
        f.dimensions.update(
            {
                "I": 1,
                "C": 3,
                "R": ir.shape[1],
                "M": ir.shape[0],
                "N": ir.shape[2],
                "P": len(positions),
            }
        )
        if "Data.IR" not in skip:
            f.create_variable("Data.IR", ("M", "R", "N"), data=ir)
        if "Data.SamplingRate" not in skip:
            v = f.create_variable("Data.SamplingRate", ("I",), data=np.array([rate], float))
            v.attrs["Units"] = "hertz"
        if "SourcePosition" not in skip:
            v = f.create_variable("SourcePosition", ("P", "C"), data=positions)
            v.attrs["Type"] = position_type
            v.attrs["Units"] = units
        if receivers is not None:
            v = f.create_variable("ReceiverPosition", ("R", "C", "I"), data=receivers)
            v.attrs["Type"] = "cartesian"
    return path


@pytest.fixture
def make_sofa():  # type: ignore[no-untyped-def]
    """:func:`write_test_sofa` (a fixture, since test files cannot import conftest)."""
    return write_test_sofa


@pytest.fixture
def make_noise():  # type: ignore[no-untyped-def]
    return noise
