"""Where HRTFs come from: the default set shipped in ``resources/hrtf/`` or a user's SOFA file.

The default is the MIT KEMAR "normal pinna" set (Gardner & Martin, MIT Media Lab, 1994),
converted once by ``scripts/build_hrtf.py`` into a SOFA file; nothing is downloaded or
unpickled at run time. See ``resources/hrtf/README.md`` for its licence and provenance.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import HrtfError
from ..resources import resources_dir
from .hrirs import HrirSet
from .sofa import read_sofa

DEFAULT_HRTF_FILE = "mit_kemar_normal_pinna.sofa"
DEFAULT_HRTF_NAME = "MIT KEMAR (normal pinna)"


def default_hrtf_path() -> Path:
    """Path of the shipped default SOFA file (whether or not it exists)."""
    return resources_dir() / "hrtf" / DEFAULT_HRTF_FILE


def load_hrtf(path: str | Path | None = None, rate: int | None = None) -> HrirSet:
    """The HRIR set in ``path`` (a SOFA file), or the default set when ``path`` is None.

    Args:
        rate: resample the HRIRs to this rate (the session's) when given.

    Raises:
        HrtfError: the file is missing, corrupt or not a SimpleFreeFieldHRIR set; for the
            default set, a message saying the installation is incomplete.
    """
    if path is None:
        p = default_hrtf_path()
        if not p.is_file():
            raise HrtfError(
                f"{p}: the default HRTF is missing (incomplete installation; "
                "rebuild it with scripts/build_hrtf.py or pass --hrtf FILE.sofa)"
            )
        hrirs = read_sofa(p)
        hrirs = HrirSet(
            hrirs.ir,
            hrirs.azimuth,
            hrirs.elevation,
            hrirs.rate,
            DEFAULT_HRTF_NAME,
            hrirs.source,
            hrirs.info,
        )
    else:
        hrirs = read_sofa(path)
    return hrirs.resampled(rate) if rate else hrirs
