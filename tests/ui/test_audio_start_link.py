"""Start from a sound, Vary This Take and Regenerate Selection in the main window, with a
tiny real bundle, real files and the real take store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from ambisketch.app.settings import Settings
from ambisketch.app.workers import TaskRunner
from ambisketch.engine.errors import EngineError
from ambisketch.engine.spatial.presets import preset
from ambisketch.engine.takes import TakeStore
from ambisketch.ui.audio_start_link import VaryDialog
from ambisketch.ui.main_window import MainWindow
from ambisketch.ui.start_from_dialog import StartChoice, StartFromDialog

CLIP = 1.0


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
    w = MainWindow(
        TaskRunner(), Settings(tmp_path / "settings.ini"), TakeStore(tmp_path / "takes"), gl=False
    )
    w.dialogs = dialogs  # type: ignore[attr-defined]
    qtbot.addWidget(w)
    w.add_model(bundle_dir)
    w.panel.prompt.setEditText("a bell ringing")
    w.panel.steps.setValue(4)
    w.panel.random_seed.setChecked(False)
    w.panel.seed.setValue(5)
    w.path_editor.document.set_trajectory(preset("orbit", CLIP))
    yield w
    w.generation.cancel()
    w.runner.cancel_all(wait=10)


def _wait_take(qtbot, w: MainWindow, start) -> None:
    with qtbot.waitSignal(w.generation.takes_ready, timeout=120_000):
        start()
    qtbot.waitUntil(lambda: not w.panel.is_busy(), timeout=10_000)


def _sound(path: Path, seconds: float = 0.6, level: float = 0.3) -> Path:
    t = np.arange(int(seconds * 16000)) / 16000
    sf.write(path, (np.sin(2 * np.pi * 220 * t) * level).astype(np.float32), 16000)
    return path


def test_start_from_a_file_goes_into_the_take(qtbot, window, tmp_path: Path) -> None:
    w = window
    src = _sound(tmp_path / "mine.wav")
    assert w.audio_start.bar.label.text() == "Starts from noise"
    w.audio_start.set_choice(StartChoice("file", str(src), 0.35))
    assert "mine.wav" in w.audio_start.bar.label.text()
    _wait_take(qtbot, w, w.panel.generate_button.click)
    record = w.store.list()[0]
    init = record.request["init"]
    assert init["audio"] == str(src) and init["strength"] == 0.35 and len(init["sha256"]) == 64
    w.audio_start.bar.clear.click()
    assert w.generation.start_from is None and not w.dialogs


def test_vary_this_take_and_regenerate_a_selection(qtbot, window, monkeypatch) -> None:
    w = window
    _wait_take(qtbot, w, w.panel.generate_button.click)
    first = w.store.list()[0]
    w.takes.select(first.name)
    menu_texts = []
    w.takes._context_menu(QPoint(5, 5))
    menu_texts = [a.text() for a in w.takes._menu.actions()]
    assert "Vary This Take…" in menu_texts

    def accept(dialog: VaryDialog) -> QDialog.DialogCode:
        dialog.strength.set_value(0.3)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(VaryDialog, "exec", accept)
    _wait_take(qtbot, w, w.audio_start.vary_action.trigger)
    varied = w.store.list()[0]
    assert varied.request["init"] == {
        **varied.request["init"],
        "audio": str(first.path),
        "strength": 0.3,
    }
    assert varied.request["prompt"] == first.prompt and varied.seed != first.seed

    w.takes.select(first.name)
    qtbot.waitUntil(lambda: w.take_view.duration > 0, timeout=5000)
    ranges = w.audio_start.ranges
    assert not ranges.regenerate_button.isEnabled()
    ranges.set_selection(0.3, 0.6)
    assert ranges.regenerate_button.isEnabled() and "0.30–0.60" in ranges.label.text()
    _wait_take(qtbot, w, ranges.regenerate_button.click)
    fixed = w.store.list()[0]
    assert fixed.request["init"]["take"] == str(first.path)
    old, _ = sf.read(first.path, dtype="float32")
    new, _ = sf.read(fixed.path, dtype="float32")
    a, b = int(0.3 * 16000), int(0.6 * 16000)
    assert np.array_equal(old[:a], new[:a]) and np.array_equal(old[b:], new[b:])
    assert not np.array_equal(old[a:b], new[a:b]) and not w.dialogs


def test_dragging_on_the_waveform_selects_a_range(qtbot, window) -> None:
    w = window
    _wait_take(qtbot, w, w.panel.generate_button.click)
    w.takes.select(w.store.list()[0].name)
    qtbot.waitUntil(lambda: w.take_view.duration > 0, timeout=5000)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    view = w.take_view.plots
    vb = w.take_view.wave.getViewBox()

    def point(t: float) -> QPoint:
        from PySide6.QtCore import QPointF

        scene = vb.mapViewToScene(QPointF(t, 0.0))
        return view.mapFromScene(scene)

    from PySide6.QtTest import QTest

    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, pos=point(0.2))
    for t in (0.3, 0.4, 0.5, 0.6):
        QTest.mouseMove(vp, point(t))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=point(0.6))
    sel = w.audio_start.ranges.selection()
    assert sel is not None and sel[0] == pytest.approx(0.2, abs=0.03)
    assert sel[1] == pytest.approx(0.6, abs=0.03)


def test_start_dialog_refuses_bad_files(qtbot, tmp_path: Path) -> None:
    dialog = StartFromDialog([], None)
    qtbot.addWidget(dialog)
    assert not dialog.radios["library"].isEnabled()  # no retrieval handed in
    for path, words in (
        (tmp_path / "gone.wav", "no such file"),
        (_sound(tmp_path / "quiet.wav", level=0.0), "silent"),
        (_sound(tmp_path / "short.wav", seconds=0.02), "too short"),
    ):
        dialog.file_edit.setText(str(path))
        with pytest.raises(EngineError) as err:
            dialog.choice()
        assert str(path) in str(err.value) and words in str(err.value)
    ok = _sound(tmp_path / "ok.wav")
    dialog.file_edit.setText(str(ok))
    dialog.strength.set_value(0.8)
    choice = dialog.choice()
    assert choice.kind == "file" and choice.path == str(ok) and choice.strength == 0.8


def test_nearest_in_my_library_is_looked_up_in_the_job(tmp_path: Path, monkeypatch) -> None:
    from types import SimpleNamespace

    from ambisketch.app.library_retrieval import retrieve
    from ambisketch.engine.generate import GenerationRequest
    from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder

    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("dog_barking.wav", "rain_on_roof.wav", "door_slam.wav"):
        _sound(lib / name)
    choice = StartChoice("library", str(lib), 0.6, top_k=1, retrieve=retrieve)
    assert "nearest in lib" in choice.label()
    request = GenerationRequest("a puppy barking", seconds=CLIP)
    assert choice.apply(request).init is None  # resolved in the job, with the model's encoder
    generator = SimpleNamespace(text_encoder=TextEncoder(MINILM_ID))
    resolved = choice.resolve(request, generator)
    assert resolved.init.audio == str(lib / "dog_barking.wav")
    assert resolved.init.strength == 0.6 and resolved.init.library == str(lib)
    assert resolved.seed is not None  # the seeded choice is reproducible from the sidecar
