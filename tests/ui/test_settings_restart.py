"""Everything the user chooses in the window comes back after a restart: the window is
built, choices are made, it is destroyed, and a new window on the same settings file shows
them again. The widgets reach the settings only through the app's registry (one INI file):
no QSettings of their own anywhere in ui/."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from ambisketch.app.settings import OPTIONS, Settings
from ambisketch.app.workers import SyncRunner
from ambisketch.engine.binaural import load_hrtf, write_sofa
from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.takes import TakeStore
from ambisketch.ui.export_dialog import ExportDialog
from ambisketch.ui.main_window import MainWindow

UI = Path(__file__).resolve().parents[2] / "ui"
RATE = 16000


def _window(qtbot, file: Path) -> MainWindow:
    w = MainWindow(SyncRunner(), Settings(file), gl=False)
    qtbot.addWidget(w)
    return w


def test_choices_survive_a_restart(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(str(a)))
    file = tmp_path / "settings.ini"
    sofa = write_sofa(tmp_path / "mine.sofa", load_hrtf())
    w = _window(qtbot, file)
    p = w.panel
    p.mode.setCurrentIndex(p.mode.findData("descriptive"))
    p.seconds.setValue(6.5)
    p.random_seed.setChecked(False)
    p.seed.setValue(1234)
    p.steps.setValue(33)
    p.cfg.setValue(4.5)
    p.variations.setValue(3)
    p.lock_path.setChecked(True)
    p.room_box.setChecked(True)
    p.room.setCurrentIndex(p.room.count() - 1)
    room = p.room.currentData()
    p.distance.setValue(7.5)
    p.decay.setValue(1.2)
    bar = w.transport
    bar.monitor_combo.setCurrentIndex(bar.monitor_combo.findData("7.1.4"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(sofa), ""))
    load = bar.hrtf_combo.count() - 1
    bar.hrtf_combo.setCurrentIndex(load)
    bar.hrtf_combo.activated.emit(load)
    assert bar.hrtf_combo.currentText() == "mine.sofa"
    bar.tracking.store_settings(9100, "/head", (True, False, True), 35.0)

    store = TakeStore(tmp_path / "takes")
    x = (np.random.default_rng(0).standard_normal(RATE) * 0.05).astype(np.float32)
    path = preset("orbit", 1.0)
    record = store.add(
        Take(encode(x, path, RATE), RATE, GenerationRequest("a bee", path, 1.0, seed=3), 0, {}, {})
    )
    dialog = ExportDialog(record, store, w, settings=w.settings)
    dialog.format.setCurrentIndex(dialog.format.findData("speakers"))
    dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData("7.1.4"))
    dialog.lfe.setChecked(True)
    dialog.bits.setCurrentIndex(dialog.bits.findData("32f"))
    dialog.normalise.setChecked(True)
    dialog.target.setValue(-20.0)
    (tmp_path / "out").mkdir()
    dialog.file.setText(str(tmp_path / "out" / "bee.wav"))
    dialog.export()
    assert dialog.result() == QDialog.DialogCode.Accepted
    w.save_state()
    w.close()
    w.deleteLater()
    del w, bar, p, dialog

    again = _window(qtbot, file)
    p = again.panel
    assert p.mode_key() == "descriptive"
    assert p.seconds.value() == pytest.approx(6.5)
    assert not p.random_seed.isChecked() and p.seed.value() == 1234
    assert (p.steps.value(), p.cfg.value(), p.variations.value()) == (33, 4.5, 3)
    assert p.lock_path.isChecked() and p.room_box.isChecked()
    assert p.room.currentData() == room
    assert (p.distance.value(), p.decay.value()) == (pytest.approx(7.5), pytest.approx(1.2))
    bar = again.transport
    assert bar.monitor_combo.currentData() == "7.1.4"
    assert bar.hrtf_combo.currentText() == "mine.sofa"
    assert bar.hrtf_combo.currentData() == str(sofa)
    assert bar.tracking.settings() == (9100, "/head", (True, False, True), 35.0)
    dialog = ExportDialog(record, store, again, settings=again.settings)
    assert dialog.format.currentData() == "speakers"
    assert dialog.layout_combo.currentData() == "7.1.4" and dialog.lfe.isChecked()
    assert dialog.bits.currentData() == "32f"
    assert dialog.normalise.isChecked() and dialog.target.value() == pytest.approx(-20.0)
    assert Path(dialog.file.text()).parent == tmp_path / "out"


def test_a_remembered_hrtf_that_is_gone_falls_back_to_the_default(qtbot, tmp_path: Path) -> None:
    file = tmp_path / "settings.ini"
    settings = Settings(file)
    settings.set("preview/hrtf", str(tmp_path / "moved.sofa"))
    settings.sync()
    w = _window(qtbot, file)
    assert w.transport.hrtf_combo.currentIndex() == 0


def test_widgets_use_the_registry_not_their_own_qsettings() -> None:
    calls = [
        f"{f.relative_to(UI.parent)}:{i}"
        for f in sorted(UI.rglob("*.py"))
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bQSettings\s*\(", line)
    ]
    assert calls == []


def test_every_key_the_ui_uses_is_registered() -> None:
    keys = {
        m.group(1)
        for f in UI.rglob("*.py")
        for m in re.finditer(
            r'"((?:ui|project|generate|path|preview|export|audio_start)/'
            r'[a-z_]+)"',
            f.read_text(encoding="utf-8"),
        )
    }
    assert keys and keys <= set(OPTIONS), keys - set(OPTIONS)
