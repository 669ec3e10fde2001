"""Reading and writing SOFA (AES69) HRTF files of the ``SimpleFreeFieldHRIR`` convention.

SOFA files are netCDF-4 (HDF5) files; h5netcdf reads and writes them without the netCDF C
library. Reading validates what the decoder relies on and names the file in every error:
the convention, ``Data.IR`` of shape ``(M, 2, N)``, one positive sample rate, source
positions in spherical degrees or cartesian metres, and which receiver is the left ear.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import HrtfError
from .hrirs import HrirSet, cartesian_to_spherical

CONVENTION = "SimpleFreeFieldHRIR"
# Provenance attributes copied into HrirSet.info (and from there into sidecars).
INFO_ATTRIBUTES = (
    "Title",
    "DatabaseName",
    "ListenerShortName",
    "License",
    "References",
    "Origin",
    "Comment",
    "History",
    "Organization",
    "AuthorContact",
)


def read_sofa(path: str | Path) -> HrirSet:
    """Read and validate a SimpleFreeFieldHRIR SOFA file.

    Returns:
        The HRIR set at the file's own sample rate (resample with :meth:`HrirSet.resampled`).

    Raises:
        HrtfError: one line naming the file, for a missing, corrupt or unsupported file.
    """
    import h5netcdf  # a dependency, imported here so that `import engine` stays light

    p = Path(path)
    if not p.exists():
        raise HrtfError(f"{p}: no such HRTF file")
    if p.is_dir():
        raise HrtfError(f"{p}: is a folder, not a SOFA file")
    try:
        f = h5netcdf.File(str(p), "r")
    except Exception:  # h5py raises OSError, h5netcdf ValueError or KeyError for odd files
        raise HrtfError(f"{p}: not a SOFA file (cannot be read as netCDF-4/HDF5)") from None
    try:
        with f:
            return _read_open(f, p)
    except HrtfError:
        raise
    except Exception as exc:  # a damaged variable inside a readable container
        raise HrtfError(f"{p}: corrupt SOFA file ({type(exc).__name__}: {exc})") from None


def _read_open(f: Any, p: Path) -> HrirSet:
    attrs = {k: _text(v) for k, v in f.attrs.items()}
    if attrs.get("Conventions", "SOFA") != "SOFA" and "SOFAConventions" not in attrs:
        raise HrtfError(f"{p}: not a SOFA file (a netCDF file without SOFA attributes)")
    conv = attrs.get("SOFAConventions")
    if conv is None:
        raise HrtfError(f"{p}: not a SOFA file (no SOFAConventions attribute)")
    if conv != CONVENTION:
        raise HrtfError(
            f"{p}: SOFA convention {conv!r} is not supported; an HRTF must be "
            f"{CONVENTION!r} (head-related impulse responses)"
        )
    if attrs.get("DataType", "FIR") != "FIR":
        raise HrtfError(f"{p}: DataType {attrs['DataType']!r} is not supported (need 'FIR')")
    variables = f.variables
    for name in ("Data.IR", "Data.SamplingRate", "SourcePosition"):
        if name not in variables:
            raise HrtfError(f"{p}: {CONVENTION} file without the variable {name!r}")

    ir = np.asarray(variables["Data.IR"][...], dtype=np.float64)
    if ir.ndim != 3 or ir.shape[1] != 2:
        raise HrtfError(f"{p}: Data.IR must have shape (M, 2, N) for two ears, got {ir.shape}")
    m = ir.shape[0]
    rate = _sample_rate(variables["Data.SamplingRate"], p)
    az, el = _positions(variables["SourcePosition"], m, p)
    ir = _apply_delays(ir, variables.get("Data.Delay"), p)
    if "ReceiverPosition" in variables and _receivers_swapped(variables["ReceiverPosition"]):
        ir = ir[:, ::-1, :]  # receiver 0 is on the right (y < 0): make ear 0 the left
    info = {k: attrs[k] for k in INFO_ATTRIBUTES if attrs.get(k)}
    return HrirSet(np.ascontiguousarray(ir), az, el, rate, p.name, p, info)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return " ".join(_text(v) for v in value.ravel())
    return str(value)


def _sample_rate(var: Any, p: Path) -> int:
    rates = np.asarray(var[...], dtype=np.float64).ravel()
    if rates.size == 0 or not np.all(np.isfinite(rates)):
        raise HrtfError(f"{p}: Data.SamplingRate is empty or not a number")
    if np.ptp(rates) > 0:
        raise HrtfError(f"{p}: HRIRs at different sample rates are not supported")
    units = _text(getattr(var, "attrs", {}).get("Units", "hertz")).lower()
    if units not in ("hertz", "hz"):
        raise HrtfError(f"{p}: Data.SamplingRate in {units!r}; expected hertz")
    rate = float(rates[0])
    if rate <= 0 or rate != round(rate):
        raise HrtfError(f"{p}: sample rate {rate:g} Hz is not a positive whole number")
    return int(rate)


def _positions(var: Any, m: int, p: Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    pos = np.asarray(var[...], dtype=np.float64)
    if pos.ndim == 1 and pos.size == 3:
        pos = pos[None, :]
    if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] not in (1, m):
        raise HrtfError(f"{p}: SourcePosition must have shape ({m}, 3), got {pos.shape}")
    if pos.shape[0] != m:
        raise HrtfError(f"{p}: one SourcePosition for {m} HRIRs; each needs its own direction")
    if not np.all(np.isfinite(pos)):
        raise HrtfError(f"{p}: SourcePosition holds NaN or infinite values")
    kind = _text(var.attrs.get("Type", "spherical")).strip().lower()
    units = _text(var.attrs.get("Units", "")).replace(" ", "").lower()
    if kind == "spherical":
        if units and not units.startswith("degree,degree"):
            raise HrtfError(f"{p}: spherical SourcePosition in {units!r}; expected degrees")
        az, el = pos[:, 0], pos[:, 1]
        if np.any(np.abs(el) > 90.0 + 1e-6):
            raise HrtfError(f"{p}: SourcePosition elevations outside [-90, 90] degrees")
    elif kind == "cartesian":
        if np.any(np.linalg.norm(pos, axis=1) == 0):
            raise HrtfError(f"{p}: a cartesian SourcePosition at the listener (0, 0, 0)")
        az, el = cartesian_to_spherical(pos)
    else:
        raise HrtfError(
            f"{p}: SourcePosition type {kind!r} is not supported (spherical or cartesian)"
        )
    az = (np.asarray(az) + 180.0) % 360.0 - 180.0  # SOFA allows 0..360; we use (-180, 180]
    az[az == -180.0] = 180.0
    return az, np.asarray(el, dtype=np.float64).copy()


def _apply_delays(ir: NDArray[np.float64], var: Any, p: Path) -> NDArray[np.float64]:
    """Fold SOFA's broadband ``Data.Delay`` (samples, per ear) into the HRIRs."""
    if var is None:
        return ir
    d = np.asarray(var[...], dtype=np.float64)
    if not np.any(d):
        return ir
    d = np.broadcast_to(d.reshape(-1, 2) if d.size % 2 == 0 else d, (ir.shape[0], 2))
    if np.any(d < 0) or np.any(d > 4 * ir.shape[2]) or not np.all(np.isfinite(d)):
        raise HrtfError(f"{p}: Data.Delay values out of range")
    shift = np.rint(d).astype(int)
    out = np.zeros((ir.shape[0], 2, ir.shape[2] + int(shift.max())))
    for i in range(ir.shape[0]):
        for e in range(2):
            out[i, e, shift[i, e] : shift[i, e] + ir.shape[2]] = ir[i, e]
    return out


def _receivers_swapped(var: Any) -> bool:
    pos = np.asarray(var[...], dtype=np.float64)
    if pos.shape[0] != 2 or pos.size < 4:
        return False
    y = pos.reshape(2, 3, -1)[:, 1, 0] if pos.ndim >= 2 and pos.shape[1] == 3 else None
    return y is not None and y[0] < 0 < y[1]


def write_sofa(
    path: str | Path,
    hrirs: HrirSet,
    attributes: dict[str, str] | None = None,
    *,
    distance: float = 1.4,
    compress: bool = True,
) -> Path:
    """Write ``hrirs`` as a SimpleFreeFieldHRIR 1.0 SOFA file (spherical positions).

    Args:
        attributes: extra global attributes (Title, License, References, History, ...).
        distance: the source distance in metres written for every direction.
        compress: gzip + shuffle the variables (lossless).
    """
    import h5netcdf

    p = Path(path)
    m, _, n = hrirs.ir.shape
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    attrs = {
        "Conventions": "SOFA",
        "Version": "2.1",
        "SOFAConventions": CONVENTION,
        "SOFAConventionsVersion": "1.0",
        "APIName": "ambisketch",
        "APIVersion": "1",
        "DataType": "FIR",
        "RoomType": "free field",
        "Title": hrirs.name,
        "DateCreated": now,
        "DateModified": now,
        "AuthorContact": "",
        "Organization": "",
        "License": "",
        "ApplicationName": "ambisketch",
        "ApplicationVersion": "",
        "Comment": "",
        "History": "",
        "References": "",
        "Origin": "",
        "DatabaseName": "",
        "ListenerShortName": "",
    }
    attrs.update(hrirs.info)
    attrs.update(attributes or {})
    opts: dict[str, Any] = (
        {"compression": "gzip", "compression_opts": 9, "shuffle": True} if compress else {}
    )
    with h5netcdf.File(str(p), "w") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        f.dimensions.update({"I": 1, "C": 3, "R": 2, "E": 1, "M": m, "N": n})

        def var(
            name: str, dims: tuple[str, ...], data: Any, attrs: dict[str, str], big: bool = False
        ) -> None:
            v = f.create_variable(
                name, dims, data=np.asarray(data, dtype=np.float64), **(opts if big else {})
            )
            for k, val in attrs.items():
                v.attrs[k] = val

        cart = {"Type": "cartesian", "Units": "metre"}
        var("ListenerPosition", ("I", "C"), [[0.0, 0.0, 0.0]], cart)
        var("ListenerUp", ("I", "C"), [[0.0, 0.0, 1.0]], cart)
        var("ListenerView", ("I", "C"), [[1.0, 0.0, 0.0]], cart)
        var(
            "ReceiverPosition",
            ("R", "C", "I"),
            [[[0.0], [0.09], [0.0]], [[0.0], [-0.09], [0.0]]],
            cart,
        )
        var("EmitterPosition", ("E", "C", "I"), [[[0.0], [0.0], [0.0]]], cart)
        pos = np.stack(
            [hrirs.azimuth % 360.0, hrirs.elevation, np.full(m, float(distance))], axis=1
        )
        var(
            "SourcePosition",
            ("M", "C"),
            pos,
            {"Type": "spherical", "Units": "degree, degree, metre"},
            big=True,
        )
        var("Data.IR", ("M", "R", "N"), hrirs.ir, {}, big=True)
        var("Data.SamplingRate", ("I",), [float(hrirs.rate)], {"Units": "hertz"})
        var("Data.Delay", ("I", "R"), [[0.0, 0.0]], {})
    return p
