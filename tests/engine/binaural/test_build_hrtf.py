"""scripts/build_hrtf.py: its restricted unpickler loads arrays and refuses everything else."""

from __future__ import annotations

import importlib.util
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "build_hrtf.py"


@pytest.fixture(scope="module")
def build():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_hrtf", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_numpy_arrays_load(build) -> None:  # type: ignore[no-untyped-def]
    data = pickle.dumps({"a": np.arange(5.0)})
    assert np.array_equal(build._RestrictedUnpickler(io.BytesIO(data)).load()["a"], np.arange(5.0))


def test_code_in_a_pickle_is_refused(build) -> None:  # type: ignore[no-untyped-def]
    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        build._RestrictedUnpickler(io.BytesIO(pickle.dumps(Evil()))).load()


def test_the_shipped_file_came_from_this_script(kemar) -> None:  # type: ignore[no-untyped-def]
    assert "scripts/build_hrtf.py" in kemar.info["History"]
    assert "sha256" in kemar.info["History"]
