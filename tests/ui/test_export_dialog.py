"""The export dialog writes real AmbiX / FuMa / binaural files, asks before replacing one,
shows errors as one line and remembers the last choices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtWidgets import QDialog, QMessageBox

from ambisketch.app.settings import Settings
from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.takes import TakeRecord, TakeStore
from ambisketch.ui.export_dialog import ExportDialog

RATE = 16000


@pytest.fixture
def take(tmp_path: Path) -> tuple[TakeStore, TakeRecord]:
    x = (np.random.default_rng(0).standard_normal(RATE // 2) * 0.1).astype(np.float32)
    path = preset("orbit", 0.5)
    store = TakeStore(tmp_path / "takes")
    record = store.add(
        Take(
            encode(x, path, RATE),
            RATE,
            GenerationRequest("a bee", path, 0.5, seed=3),
            0,
            {},
            {"name": "t"},
        )
    )
    return store, record


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Message boxes answered without a person: questions get ``answer[0]``."""
    seen: dict[str, list[str]] = {"warning": [], "question": [], "information": []}
    answer = [QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "warning", lambda p, t, text, *a: seen["warning"].append(text))
    monkeypatch.setattr(
        QMessageBox, "information", lambda p, t, text, *a: seen["information"].append(text)
    )

    def question(p: object, t: str, text: str, *a: object) -> QMessageBox.StandardButton:
        seen["question"].append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    seen["answer"] = answer  # type: ignore[assignment]
    return seen


def _dialog(qtbot, take: tuple[TakeStore, TakeRecord], **kw: object) -> ExportDialog:  # type: ignore[no-untyped-def]
    store, record = take  # the app's settings file: what one export chose, the next shows
    dlg = ExportDialog(record, store, settings=Settings(store.folder.parent / "settings.ini"), **kw)
    qtbot.addWidget(dlg)
    return dlg


def _choose(dlg: ExportDialog, fmt: str, bits: str, rate: int) -> None:
    dlg.format.setCurrentIndex(dlg.format.findData(fmt))
    dlg.bits.setCurrentIndex(dlg.bits.findData(bits))
    dlg.rate.setCurrentIndex(dlg.rate.findData(rate))


def test_exports_fuma_and_remembers_the_choices(qtbot, take, tmp_path: Path, boxes) -> None:  # type: ignore[no-untyped-def]
    dlg = _dialog(qtbot, take)
    assert dlg.file.text().endswith("a-bee_s3.wav") and dlg.chosen() == ("ambix", "24", None)
    _choose(dlg, "fuma", "16", 48000)
    assert dlg.file.text().endswith("a-bee_s3_fuma.wav")  # the name follows the format
    assert "4 channels · 48 kHz" in dlg.summary.text()
    out = tmp_path / "bee_fuma.wav"
    dlg.file.setText(str(out))
    dlg.file.textEdited.emit(str(out))
    dlg.export()
    assert dlg.result() == QDialog.DialogCode.Accepted and dlg.exported.path == out
    info = sf.info(out)
    assert (info.channels, info.samplerate, info.subtype, info.frames) == (
        4,
        48000,
        "PCM_16",
        24000,
    )
    assert json.loads(Path(str(out) + ".json").read_text())["format"] == "fuma"
    again = _dialog(qtbot, take)
    assert again.chosen() == ("fuma", "16", 48000)  # and the folder, with the take's name:
    assert again.file.text() == str(tmp_path / "a-bee_s3_fuma.wav")
    assert not boxes["warning"]


def test_binaural_at_native_rate_in_float(qtbot, take, tmp_path: Path, boxes) -> None:  # type: ignore[no-untyped-def]
    dlg = _dialog(qtbot, take, rotation=(30.0, 0.0))
    assert not dlg.hrtf_label.isVisibleTo(dlg)  # only binaural has an HRTF
    _choose(dlg, "binaural", "32f", 0)
    assert dlg.hrtf_label.isVisibleTo(dlg) and dlg.hrtf_label.text() == "MIT KEMAR (default)"
    assert dlg.use_rotation.isEnabled() and "30° L" in dlg.use_rotation.text()
    dlg.use_rotation.setChecked(True)
    out = tmp_path / "phones.wav"
    dlg.file.setText(str(out))
    dlg.export()
    info = sf.info(out)
    assert (info.channels, info.samplerate, info.subtype) == (2, RATE, "FLOAT")
    side = json.loads(Path(str(out) + ".json").read_text())
    assert side["kind"] == "binaural" and side["head_rotation"]["yaw"] == 30.0
    assert side["source_take"]["request"]["seed"] == 3


def test_asks_before_replacing_and_shows_errors(
    qtbot,
    take,
    tmp_path: Path,
    boxes,  # type: ignore[no-untyped-def]
    unwritable_dir: Path,
) -> None:
    out = tmp_path / "keep.wav"
    out.write_bytes(b"the user's file")
    dlg = _dialog(qtbot, take)
    dlg.file.setText(str(tmp_path / "keep"))  # .wav is added
    boxes["answer"][0] = QMessageBox.StandardButton.No
    dlg.export()
    assert len(boxes["question"]) == 1 and "keep.wav" in boxes["question"][0]
    assert out.read_bytes() == b"the user's file" and dlg.result() != QDialog.DialogCode.Accepted
    boxes["answer"][0] = QMessageBox.StandardButton.Yes
    dlg.export()
    assert sf.info(out).channels == 4 and dlg.result() == QDialog.DialogCode.Accepted

    bad = _dialog(qtbot, take)
    bad.file.setText(str(unwritable_dir / "missing" / "x.wav"))
    bad.export()  # offered to create the folder (answer: yes), which cannot be done
    assert len(boxes["warning"]) == 1 and "cannot create the folder" in boxes["warning"][0]
    assert "\n" not in boxes["warning"][0] and not (unwritable_dir / "missing").exists()
    assert bad.result() != QDialog.DialogCode.Accepted and bad.exported is None


def test_defaults_export_on_a_new_account(qtbot, take, boxes) -> None:
    """A new account has no ~/Music: the default folder is created and the export works."""
    import platformdirs

    music = Path(platformdirs.user_music_dir())
    assert music.is_relative_to(Path.home()) and not music.exists()
    dlg = _dialog(qtbot, take)
    assert Path(dlg.file.text()).parent == music and music.is_dir()
    dlg.export()
    assert boxes["warning"] == [] and dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.exported is not None and dlg.exported.path.parent == music
    assert dlg.exported.path.is_file()


def test_missing_typed_folder_is_offered_to_be_created(qtbot, take, boxes, tmp_path: Path) -> None:
    dlg = _dialog(qtbot, take)
    target = tmp_path / "new" / "exports" / "bee.wav"
    dlg.file.setText(str(target))
    dlg._name_edited("")
    boxes["answer"][0] = QMessageBox.StandardButton.No  # type: ignore[index]
    dlg.export()
    assert "does not exist" in boxes["question"][-1] and not target.parent.exists()
    assert dlg.result() != QDialog.DialogCode.Accepted and boxes["warning"] == []
    boxes["answer"][0] = QMessageBox.StandardButton.Yes  # type: ignore[index]
    dlg.export()
    assert target.is_file() and dlg.result() == QDialog.DialogCode.Accepted


def test_says_plainly_that_a_16_khz_take_is_band_limited(qtbot, take) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    dlg = _dialog(qtbot, take)
    note = dlg.findChild(QLabel, "bandLimitNote")
    assert note is not None and "stops at 8 kHz" in note.text()
    assert "not its bandwidth, unless the highs are estimated" in note.text()


def test_the_highs_are_estimated_at_48_khz_unless_unticked(
    qtbot, take, tmp_path: Path, boxes
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QCheckBox

    dlg = _dialog(qtbot, take)
    highs = dlg.findChild(QCheckBox, "estimateHighs")
    assert (
        highs is not None and highs.isChecked() and not highs.isEnabled()
    )  # native: nothing to add
    _choose(dlg, "ambix", "24", 48000)
    assert highs.isEnabled()
    highs.setChecked(False)
    out = tmp_path / "plain.wav"
    dlg.file.setText(str(out))
    dlg._name_edited("")
    dlg.export()
    assert "high_band" not in json.loads(Path(str(out) + ".json").read_text())
    again = _dialog(qtbot, take)  # remembered
    highs = again.findChild(QCheckBox, "estimateHighs")
    assert highs is not None and not highs.isChecked()
    highs.setChecked(True)
    out = tmp_path / "full.wav"
    again.file.setText(str(out))
    again._name_edited("")
    again.export()
    assert json.loads(Path(str(out) + ".json").read_text())["high_band"]["estimated"] is True
