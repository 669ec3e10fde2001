"""The export dialog's loudspeaker layouts and loudness target: a 7.1.4 WAV with its channel
mask, a custom layout file (a malformed one is a dialog), and normalisation to a target with
the true-peak ceiling reported."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from ambisketch.app.settings import Settings
from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.loudness import measure
from ambisketch.engine.monitoring import read_wavex_header
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.takes import TakeStore
from ambisketch.ui.export_dialog import LAYOUT_FILE_ITEM, ExportDialog

RATE = 16000


@pytest.fixture
def dialog(qtbot, tmp_path: Path, monkeypatch):
    seen: dict[str, list[str]] = {"warning": [], "information": []}
    monkeypatch.setattr(QMessageBox, "warning", lambda p, t, text, *a: seen["warning"].append(text))
    monkeypatch.setattr(
        QMessageBox, "information", lambda p, t, text, *a: seen["information"].append(text)
    )
    x = (np.random.default_rng(0).standard_normal(RATE) * 0.05).astype(np.float32)
    store = TakeStore(tmp_path / "takes")
    path = preset("orbit", 1.0)
    record = store.add(
        Take(encode(x, path, RATE), RATE, GenerationRequest("a bee", path, 1.0, seed=3), 0, {}, {})
    )
    dlg = ExportDialog(record, store, settings=Settings(tmp_path / "settings.ini"))
    qtbot.addWidget(dlg)
    dlg.seen = seen  # type: ignore[attr-defined]
    return dlg


def test_exports_7_1_4_with_its_mask_at_a_loudness_target(
    dialog: ExportDialog, tmp_path: Path
) -> None:
    dialog.format.setCurrentIndex(dialog.format.findData("speakers"))
    dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData("7.1.4"))
    assert dialog.layout_combo.isVisible() or not dialog.isVisible()
    assert "12 channels" in dialog.summary.text()
    assert dialog.file.text().endswith("_7.1.4.wav")
    dialog.normalise.setChecked(True)
    dialog.target.setValue(-27.0)
    dialog.bits.setCurrentIndex(dialog.bits.findData("32f"))
    dialog.file.setText(str(tmp_path / "out.wav"))
    dialog.export()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.seen
    header = read_wavex_header(tmp_path / "out.wav")
    assert (header.channels, header.channel_mask) == (12, 0x2D63F)
    assert dialog.exported is not None and dialog.exported.loudness_lufs == pytest.approx(
        -27.0, abs=0.05
    )
    assert dialog.settings.get("export/layout") == "7.1.4"
    assert dialog.settings.get("export/loudness") == "-27"


def test_ambix_at_a_loud_target_says_the_ceiling_won(dialog: ExportDialog, tmp_path: Path) -> None:
    dialog.normalise.setChecked(True)
    dialog.target.setValue(0.0)
    dialog.bits.setCurrentIndex(dialog.bits.findData("32f"))
    dialog.file.setText(str(tmp_path / "loud.wav"))
    dialog.export()
    assert dialog.seen["information"] and "ceiling of -1 dBTP wins" in dialog.seen["information"][0]
    foa, rate = sf.read(tmp_path / "loud.wav", always_2d=True)
    assert measure(foa.T, rate, ambix=True).true_peak_dbtp == pytest.approx(-1.0, abs=0.05)


def test_a_layout_file_and_a_malformed_one(
    dialog: ExportDialog, tmp_path: Path, monkeypatch
) -> None:
    good = tmp_path / "ring.json"
    good.write_text(
        json.dumps(
            [
                {"name": f"S{i}", "azimuth": a, "elevation": 0}
                for i, a in enumerate(range(0, 360, 72))
            ]
        )
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "A", "azimuth": 0}]))
    dialog.format.setCurrentIndex(dialog.format.findData("speakers"))
    chosen = [str(bad)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (chosen[0], ""))
    before = dialog.layout()
    file_item = dialog.layout_combo.findData(LAYOUT_FILE_ITEM)
    dialog.layout_combo.setCurrentIndex(file_item)
    dialog._layout_chosen(file_item)
    assert dialog.seen["warning"] and "at least 4" in dialog.seen["warning"][0]
    assert dialog.layout() == before
    chosen[0] = str(good)
    file_item = dialog.layout_combo.findData(LAYOUT_FILE_ITEM)
    dialog.layout_combo.setCurrentIndex(file_item)
    dialog._layout_chosen(file_item)
    assert dialog.layout() == str(good) and "5 channels" in dialog.summary.text()
    dialog.file.setText(str(tmp_path / "ring_out.wav"))
    dialog.export()
    assert read_wavex_header(tmp_path / "ring_out.wav").channels == 5
