"""The main window end to end with a tiny real bundle: generate off the GUI thread, cancel,
the measured direction drawn over the path, export, regenerate, no-device preview."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from ambisketch.app.settings import Settings
from ambisketch.app.workers import TaskRunner
from ambisketch.engine.spatial.presets import preset
from ambisketch.engine.takes import TakeStore
from ambisketch.ui.main_window import MainWindow
from ambisketch.ui.preview import NO_DEVICE_TEXT

CLIP = 2.0


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.tiny_model import saved_tiny_bundle

    return saved_tiny_bundle(
        tmp_path_factory.mktemp("models") / "tiny", "foa", CLIP, "tiny test model"
    )


@pytest.fixture
def window(qtbot, tmp_path: Path, bundle_dir: Path, monkeypatch: pytest.MonkeyPatch):
    dialogs: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: dialogs.append(a[2]))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    w = MainWindow(
        TaskRunner(), Settings(tmp_path / "settings.ini"), TakeStore(tmp_path / "takes"), gl=False
    )
    w.dialogs = dialogs  # type: ignore[attr-defined]
    qtbot.addWidget(w)
    w.add_model(bundle_dir)
    w.panel.prompt.setEditText("a bell ringing")
    w.panel.steps.setValue(6)
    w.panel.random_seed.setChecked(False)
    w.panel.seed.setValue(5)
    w.path_editor.document.set_trajectory(preset("orbit", CLIP))
    yield w
    w.generation.cancel()
    w.runner.cancel_all(wait=10)


def _generate(qtbot, w: MainWindow) -> None:
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    with qtbot.waitSignal(w.generation.takes_ready, timeout=120_000):
        w.panel.generate_button.click()
        assert w.panel.is_busy()  # returned at once: the work is on another thread
    timer.stop()
    assert len(ticks) >= 3, "the event loop did not run while generating"


def test_generate_adds_a_take_and_draws_its_measured_direction(qtbot, window) -> None:
    w = window
    assert w.panel.model_path() and w.panel.seconds.maximum() == 60.0  # long takes
    _generate(qtbot, w)
    qtbot.waitUntil(lambda: not w.panel.is_busy(), timeout=5000)
    records = w.store.list()
    assert len(records) == 1 and records[0].prompt == "a bell ringing" and records[0].seed == 5
    assert "seed 5" in w.panel.status.text()
    qtbot.waitUntil(lambda: w.takes.current() is not None, timeout=5000)
    measured = w.path_editor.document.measured()
    assert measured is not None and measured.times.size > 10
    assert w.settings.get("generate/prompt_history")[0] == "a bell ringing"
    assert w.dialogs == []


def test_cancel_stops_without_a_take(qtbot, window) -> None:
    w = window
    w.panel.steps.setValue(400)
    started = []
    w.generation.panel.progress.valueChanged.connect(lambda v: started.append(v))
    w.panel.generate_button.click()
    qtbot.waitUntil(lambda: bool(started), timeout=60_000)
    w.panel.cancel_button.click()
    qtbot.waitUntil(lambda: not w.panel.is_busy(), timeout=30_000)
    assert "Cancelled" in w.panel.status.text()
    assert w.store.list() == [] and w.dialogs == []


def test_export_regenerate_and_no_device_preview(
    qtbot, tmp_path: Path, bundle_dir: Path, monkeypatch: pytest.MonkeyPatch, request
) -> None:
    from ambisketch.engine.binaural import devices as devices_mod
    from ambisketch.engine.errors import AudioDeviceError
    from ambisketch.engine.takes import export_take

    def missing() -> None:
        raise AudioDeviceError("audio playback is unavailable: no PortAudio here")

    monkeypatch.setattr(devices_mod, "sounddevice_module", missing)
    w = request.getfixturevalue("window")
    _generate(qtbot, w)
    qtbot.waitUntil(lambda: w.takes.current() is not None, timeout=5000)
    record = w.takes.current()
    # Preview without any audio device: the bar says so, the take still shows.
    assert w.transport.message.text() == NO_DEVICE_TEXT and not w.transport.can_play
    # Export what the dialog exports: FuMa 16-bit at 48 kHz.
    out = tmp_path / "out.wav"
    export_take(record, out, format="fuma", bits="16", rate=48000)
    data, rate = sf.read(out)
    assert rate == 48000 and data.shape[1] == 4 and np.isfinite(data).all()
    # Regenerate with the same settings gives the same audio (same seed).
    qtbot.waitUntil(lambda: not w.panel.is_busy(), timeout=5000)
    with qtbot.waitSignal(w.generation.takes_ready, timeout=120_000):
        w.takes.regenerate_requested.emit(record)
    qtbot.waitUntil(lambda: len(w.store.list()) == 2, timeout=5000)
    a, b = (w.store.load(r)[0] for r in w.store.list())
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_bad_input_gets_a_message_not_a_crash(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    from ambisketch.engine import catalog

    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: tmp_path / "no-models")
    w = window
    w.panel.prompt.setEditText("   ")
    w.panel.generate_button.click()
    assert not w.panel.is_busy() and "Type what the sound is" in w.panel.status.text()
    w.panel.prompt.setEditText("wind")
    w.panel.set_models([])  # nothing installed and nothing chosen
    w.generation.start()
    assert w.dialogs and "no generator model is installed" in w.dialogs[-1]


def test_window_state_and_path_survive_a_restart(qtbot, window, tmp_path: Path) -> None:
    w = window
    w.path_editor.document.set_trajectory(preset("fly-over", CLIP))
    w.set_theme("light")
    w.close()
    again = MainWindow(
        TaskRunner(), Settings(tmp_path / "settings.ini"), TakeStore(tmp_path / "takes"), gl=False
    )
    qtbot.addWidget(again)
    assert again.path_editor.document.trajectory().to_json() == preset("fly-over", CLIP).to_json()
    assert again.theme_actions["light"].isChecked()
    assert again.panel.steps.value() == 6
