"""``ambisketch --self-test``: is this installation complete? Checked end to end in under a
minute on a CPU, the same way in the frozen build and in a virtual environment.

Each check prints one line (``ok``, ``FAIL`` or ``note``); the last line is the summary,
``self-test passed: …`` or ``self-test failed: NAME: PROBLEM; …``, and the exit code is 0
or 1. A check's failure never stops the others: a missing model still leaves the HRTF, the
text encoder, the binaural decoder, file writing and the GUI checked. A ``note`` (no audio
device on a server) is reported but is not a failure. Nothing is written outside a temporary
folder, and no window is shown: Qt runs on its ``offscreen`` platform unless
``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ambisketch import LAYERS, __version__
from ambisketch.engine.errors import EngineError, ModelLoadError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from PySide6.QtWidgets import QApplication

    from ambisketch.engine.models.bundle import ModelBundle
    from ambisketch.engine.models.text_encoder import TextEncoder

OK, FAIL, NOTE = "ok", "FAIL", "note"
# What the app imports at run time, some of it only lazily (training, text encoder, GL).
THIRD_PARTY = (
    "numpy",
    "scipy.signal",
    "soundfile",
    "soxr",
    "h5netcdf",
    "platformdirs",
    "safetensors.torch",
    "torch",
    "transformers",
    "lightning.fabric",
    "auraloss.freq",
    "librosa",
    "tqdm",
    "PySide6.QtWidgets",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtSvg",
    "pyqtgraph",
    "OpenGL.GL",
    "pyqtgraph.opengl",
)
SHOWN_VERSIONS = ("torch", "PySide6", "transformers", "lightning")
STARTER_MODEL = "starter"  # resources/models/starter: the default model's folder
SECONDS = 2.0  # length of the test take
STEPS = 8  # sampler steps: enough to run every part of the sampler, few enough for a CPU
# The Qt platform plugin each desktop needs (file names: libqxcb.so, qwindows.dll, …).
PLATFORM_PLUGIN = {"linux": "xcb", "darwin": "cocoa", "win32": "windows"}


class CheckFailed(Exception):
    """What a check found wrong, in one line (not a crash of the self-test)."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # OK, FAIL or NOTE
    detail: str
    seconds: float


@dataclass
class _State:
    """What earlier checks hand to later ones."""

    model_dir: Path | None  # --model, or None for the default bundle
    bundle: ModelBundle | None = None  # the loaded bundle when the model check passed
    text_encoder: TextEncoder | None = None
    take: tuple[NDArray[np.float32], int] | None = None  # (foa (4, n), rate) from generation
    app: QApplication | None = None


def is_frozen() -> bool:
    """True inside a PyInstaller build."""
    return bool(getattr(sys, "frozen", False))


# --- checks --------------------------------------------------------------------------------
def check_imports(state: _State) -> tuple[str, str]:
    """Every ambisketch module and every third-party module the app loads at run time."""
    failed: list[str] = []
    count = 0
    for layer in LAYERS:
        try:
            package = importlib.import_module(f"ambisketch.{layer}")
        except Exception as exc:
            failed.append(f"ambisketch.{layer} ({_one_line(exc)})")
            continue
        names = [
            m.name
            for m in pkgutil.walk_packages(
                package.__path__, package.__name__ + ".", onerror=failed.append
            )
        ]
        for name in names:
            if name.rsplit(".", 1)[-1] == "__main__":  # `python -m` entry points run on import
                continue
            try:
                importlib.import_module(name)
                count += 1
            except Exception as exc:
                failed.append(f"{name} ({_one_line(exc)})")
    for name in THIRD_PARTY:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name} ({_one_line(exc)})")
    if failed:
        more = f"; and {len(failed) - 3} more" if len(failed) > 3 else ""
        raise CheckFailed("cannot import " + "; ".join(failed[:3]) + more)
    versions = ", ".join(f"{n} {_version(n)}" for n in SHOWN_VERSIONS)
    return OK, f"{count} ambisketch modules and {len(THIRD_PARTY)} libraries ({versions})"


def check_hrtf(state: _State) -> tuple[str, str]:
    from ambisketch.engine.binaural import load_hrtf

    hrirs = load_hrtf()
    return OK, (
        f"{hrirs.name}: {len(hrirs.azimuth)} directions at {hrirs.rate} Hz "
        f"({hrirs.source or 'default'})"
    )


def check_highs(state: _State) -> tuple[str, str]:
    """The high-band model 44.1/48 kHz exports of 16 kHz takes use: loads and adds a band."""
    import numpy as np

    from ambisketch.engine.models.highband import default_folder, default_model, extend_highs

    x = np.random.default_rng(0).standard_normal((4, 24000)).astype(np.float32) * 0.01
    x[1:] = 0.0
    y = extend_highs(x, 48000, default_model())
    if not np.all(np.isfinite(y)):
        raise RuntimeError("the high band came out non-finite")
    return OK, f"{default_folder()} (0.5 s at 48 kHz)"


def check_model(state: _State) -> tuple[str, str]:
    from ambisketch.engine.catalog import default_bundle
    from ambisketch.engine.models.bundle import load_bundle
    from ambisketch.engine.resources import resources_dir

    folder = state.model_dir
    if folder is None:
        try:
            folder = default_bundle()
        except ModelLoadError:
            resources = resources_dir()
            where = Path(resources.name) / "models" / STARTER_MODEL
            raise CheckFailed(f"not installed ({where.as_posix()})") from None
    bundle = load_bundle(folder, "cpu")
    state.bundle = bundle
    info = bundle.info
    return OK, (
        f"{info.name or folder.name}: {bundle.sample_rate} Hz, {info.clip_seconds:g} s "
        f"clips, text encoder {info.text_encoder} ({folder})"
    )


def check_text_encoder(state: _State) -> tuple[str, str]:
    from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder, minilm_path

    encoder_id = state.bundle.info.text_encoder if state.bundle is not None else MINILM_ID
    max_tokens = state.bundle.info.text_max_tokens if state.bundle is not None else 64
    encoder = TextEncoder(encoder_id, "cpu", max_tokens)
    tokens, mask = encoder.encode(["a dog barking on the left"])
    if tokens.shape[0] != 1 or tokens.shape[2] != encoder.dim or not bool(tokens.isfinite().all()):
        raise CheckFailed(f"{encoder_id}: unexpected embeddings {tuple(tokens.shape)}")
    state.text_encoder = encoder
    where = f" from {minilm_path()}" if encoder_id == MINILM_ID else ""
    return OK, f"{encoder_id}, {encoder.dim}-d, {int(mask.sum())} tokens for a test prompt{where}"


def check_generation(state: _State) -> tuple[str, str]:
    import numpy as np

    from ambisketch.engine.generate import GenerationRequest, Generator
    from ambisketch.engine.spatial import preset

    if state.text_encoder is None:
        raise CheckFailed("skipped: the text encoder did not load")
    bundle, what = state.bundle, ""
    if bundle is None:
        # Still run torch, the DiT, the sampler and the codec: on an untrained tiny model.
        bundle, what = _tiny_bundle(), ", untrained tiny model (no model to check)"
    if state.text_encoder.id != bundle.info.text_encoder:
        raise CheckFailed(f"the model needs text encoder {bundle.info.text_encoder!r}")
    generator = Generator(bundle, device="auto", text_encoder=state.text_encoder)
    seconds = min(SECONDS, bundle.info.clip_seconds)
    request = GenerationRequest(
        "a bee buzzing",
        preset("orbit", seconds),
        seconds,
        seed=1,
        steps=STEPS,
        cfg_scale=7.0,
        sampler="euler",
    )
    take = generator.generate(request)[0]
    expected = (4, int(round(seconds * take.rate)))
    if take.foa.shape != expected or not np.isfinite(take.foa).all():
        raise CheckFailed(
            f"the take has shape {take.foa.shape} (expected {expected}) or is not finite"
        )
    state.take = (take.foa, take.rate)
    return OK, (
        f"{seconds:g} s take, {STEPS} steps on {generator.device} in "
        f"{take.timings['total']:.1f} s{what}"
    )


def check_binaural(state: _State) -> tuple[str, str]:
    import numpy as np

    from ambisketch.engine.binaural import load_hrtf, make_decoder, render

    foa, rate = state.take if state.take is not None else _test_scene()
    hrirs = load_hrtf(rate=rate)
    decoder = make_decoder(hrirs)  # designed here, not taken from the user's cache
    stereo = render(foa, decoder, yaw=30.0)
    if stereo.shape != (2, foa.shape[1]) or not np.isfinite(stereo).all():
        raise CheckFailed(f"binaural output has shape {stereo.shape} or is not finite")
    source = "the generated take" if state.take is not None else "a test scene"
    return OK, f"MagLS decoder at {rate} Hz, {source} rendered for headphones"


def check_write(state: _State) -> tuple[str, str]:
    import numpy as np

    from ambisketch.engine.audio_io import read_audio, sidecar_path, write_audio

    foa, rate = state.take if state.take is not None else _test_scene()
    with tempfile.TemporaryDirectory(prefix="ambisketch-self-test-") as tmp:
        path = write_audio(
            Path(tmp) / "take.wav",
            foa,
            rate,
            bits="32f",
            sidecar={"kind": "self-test", "version": __version__},
        )
        back = read_audio(path)
        if back.channels != 4 or back.rate != rate or not np.array_equal(back.samples, foa):
            raise CheckFailed(
                f"{path}: read back differs ({back.channels} channels, {back.rate} Hz)"
            )
        if not sidecar_path(path).is_file():
            raise CheckFailed(f"{sidecar_path(path)}: sidecar missing")
    return OK, "4-channel AmbiX WAV and JSON sidecar written to a temporary folder, read back"


def check_training(state: _State) -> tuple[str, str]:
    """Fine-tuning's pieces: the recipes shipped next to the training code, Fabric on the
    CPU, and the mel STFT loss (auraloss → librosa → numba, the most fragile to freeze)."""
    import torch
    from auraloss.freq import MelSTFTLoss
    from lightning.fabric import Fabric

    from ambisketch.training.dit.config import RECIPE_DIR, recipe_names, resolve_dit_config

    names = recipe_names()
    if not names:
        raise CheckFailed(f"{RECIPE_DIR}: no training recipes (incomplete installation)")
    for name in names:
        resolve_dit_config(name)
    fabric = Fabric(accelerator="cpu", devices=1)
    loss = MelSTFTLoss(sample_rate=16000, fft_size=512, hop_size=128, win_length=512, n_mels=32)
    noise = torch.randn(2, 1, 8000, generator=torch.Generator().manual_seed(0))
    value = float(loss(noise[:1], noise[1:]))
    if not value > 0.0:
        raise CheckFailed(f"the mel STFT loss of two noises is {value}, expected > 0")
    return OK, (f"recipes {', '.join(names)}; Fabric on {fabric.device}; mel STFT loss computed")


def check_audio_devices(state: _State) -> tuple[str, str]:
    from ambisketch.engine.binaural.devices import NO_DEVICE, output_devices
    from ambisketch.engine.errors import AudioDeviceError

    try:
        devices = output_devices()
    except AudioDeviceError as exc:  # no PortAudio or no sound server: preview only
        return NOTE, f"none: {exc}"
    if not devices:
        return NOTE, f"none: {NO_DEVICE}"
    default = next((d for d in devices if d.is_default), devices[0])
    return OK, f"{len(devices)} output(s); default: {default.name} ({default.host_api})"


def check_qt(state: _State) -> tuple[str, str]:
    """Qt and its plugins load, and a bare pyqtgraph plot draws offscreen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # never show a window here
    import pyqtgraph as pg
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtWidgets import QApplication

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    found = sorted(_plugin_name(p) for p in (plugins / "platforms").glob("*q*"))
    needed = PLATFORM_PLUGIN.get(sys.platform)
    if needed and needed not in found:
        raise CheckFailed(
            f"{plugins / 'platforms'}: no '{needed}' platform plugin "
            f"(found: {', '.join(found) or 'none'})"
        )
    if not list((plugins / "iconengines").glob("*svg*")):
        raise CheckFailed(f"{plugins / 'iconengines'}: no SVG icon plugin (the app icon)")
    state.app = QApplication.instance() or QApplication([sys.argv[0]])
    plot = pg.PlotWidget()
    try:
        plot.resize(320, 200)
        plot.plot([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])
        image = plot.grab().toImage()
        if image.isNull() or image.width() < 100:
            raise CheckFailed("a pyqtgraph plot did not draw offscreen")
    finally:
        plot.deleteLater()
    desktop = f"; '{needed}' plugin present" if needed else ""
    return OK, (
        f"PySide6 {pyside_version} on '{QApplication.platformName()}', a pyqtgraph plot "
        f"drawn{desktop}"
    )


def check_gui(state: _State) -> tuple[str, str]:
    from PySide6.QtWidgets import QApplication, QMainWindow

    from . import gui
    from .settings import Settings

    app = state.app or QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="ambisketch-self-test-") as tmp:
        # Private settings, and no close(): closing saves the window's state, which would
        # replace the user's layout with this offscreen window's.
        window = gui.create_window(app, settings=Settings(Path(tmp) / "settings.ini"))
        try:
            if not isinstance(window, QMainWindow):
                raise CheckFailed(
                    f"create_window returned {type(window).__name__}, not a QMainWindow"
                )
            title = window.windowTitle()
        finally:
            window.deleteLater()
            app.processEvents()
    return OK, f"main window {title!r} created on '{QApplication.platformName()}' (not shown)"


CHECKS: tuple[tuple[str, Callable[[_State], tuple[str, str]]], ...] = (
    ("imports", check_imports),
    ("HRTF", check_hrtf),
    ("high band", check_highs),
    ("model", check_model),
    ("text encoder", check_text_encoder),
    ("generation", check_generation),
    ("binaural", check_binaural),
    ("AmbiX write", check_write),
    ("training", check_training),
    ("audio devices", check_audio_devices),
    ("Qt", check_qt),
    ("GUI", check_gui),
)


# --- running -------------------------------------------------------------------------------
def run_self_test(model_dir: str | Path | None = None, out: TextIO | None = None) -> int:
    """Run every check, print a line per check and the summary; 0 when none failed.

    Args:
        model_dir: a model bundle to check instead of the default one
            (``resources/models/starter``).
    """
    out = out or sys.stdout
    state = _State(Path(model_dir) if model_dir is not None else None)
    where = "frozen build" if is_frozen() else f"Python {platform.python_version()}"
    print(f"ambisketch {__version__} self-test ({where}, {sys.executable})", file=out, flush=True)
    start = time.perf_counter()
    results = []
    for name, check in CHECKS:
        if name == "model" and model_dir is None:
            name = "default model"
        result = _run_check(name, check, state)
        results.append(result)
        print(
            f"  {result.status:<4}  {result.name:<13}  {result.detail} ({result.seconds:.1f} s)",
            file=out,
            flush=True,
        )
    print(summary(results, time.perf_counter() - start), file=out, flush=True)
    return 1 if any(r.status == FAIL for r in results) else 0


def summary(results: list[CheckResult], seconds: float) -> str:
    """The last line: what passed, or every failure as ``NAME: PROBLEM``."""
    failed = [r for r in results if r.status == FAIL]
    if failed:
        return "self-test failed: " + "; ".join(f"{r.name}: {r.detail}" for r in failed)
    notes = [r for r in results if r.status == NOTE]
    extra = f" ({len(notes)} note: {', '.join(r.name for r in notes)})" if notes else ""
    return f"self-test passed: {len(results) - len(notes)} checks in {seconds:.1f} s{extra}"


def _run_check(name: str, check: Callable[[_State], tuple[str, str]], state: _State) -> CheckResult:
    t0 = time.perf_counter()
    try:
        status, detail = check(state)
    except (CheckFailed, EngineError) as exc:
        status, detail = FAIL, str(exc)
    except Exception as exc:  # a crash inside a check is that check's finding
        status, detail = FAIL, _one_line(exc)
        traceback.print_exc(file=sys.stderr)  # the frozen smoke test reads it from the log
    return CheckResult(name, status, detail, time.perf_counter() - t0)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text}"


def _version(module: str) -> str:
    return str(getattr(sys.modules.get(module), "__version__", "?"))


def _plugin_name(path: Path) -> str:
    """``libqxcb.so`` → ``xcb``, ``qwindows.dll`` → ``windows``."""
    stem = path.name.split(".")[0]
    stem = stem[3:] if stem.startswith("lib") else stem
    return stem[1:] if stem.startswith("q") else stem


def _tiny_bundle() -> ModelBundle:
    from ambisketch.engine.models.bundle import new_bundle
    from ambisketch.engine.models.codec import CODEC_PRESETS
    from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
    from ambisketch.engine.models.dit import DIT_PRESETS

    return new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=SECONDS,
        name="tiny",
    )


def _test_scene() -> tuple[NDArray[np.float32], int]:
    """2 s of noise orbiting the listener at 16 kHz, for checks after a failed generation."""
    import numpy as np

    from ambisketch.engine.spatial import preset
    from ambisketch.engine.spatial.ambisonics import encode

    rate = 16000
    noise = np.random.default_rng(0).standard_normal(int(SECONDS * rate)).astype(np.float32)
    return encode(0.1 * noise, preset("orbit", SECONDS), rate), rate
