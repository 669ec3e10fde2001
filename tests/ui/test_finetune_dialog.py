"""The fine-tune dialog with the real job (tiny bundle, a messy real library): scan report
names broken files, training runs off the GUI thread, the new bundle is reported; cancel
writes nothing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from ambisketch.app.finetune_jobs import FinetuneService
from ambisketch.app.workers import TaskRunner
from ambisketch.engine.catalog import describe_bundle
from ambisketch.ui.finetune_dialog import FinetuneDialog

TESTS = Path(__file__).resolve().parents[1]


def _messy_library(root: Path) -> Path:
    spec = importlib.util.spec_from_file_location("messy_library",
                                                  TESTS / "training" / "messy_library.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.make_messy_library(root)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ambisketch.engine.models.bundle import new_bundle, save_bundle
    from ambisketch.engine.models.codec import CODEC_PRESETS
    from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
    from ambisketch.engine.models.dit import DIT_PRESETS

    b = new_bundle(CODEC_PRESETS["tiny"], DIT_PRESETS["tiny"], CONDITIONER_PRESETS["tiny"],
                   clip_seconds=1.0, name="tiny base")
    return save_bundle(tmp_path_factory.mktemp("models") / "base", b)


@pytest.fixture
def dialog(qtbot, tmp_path: Path, base: Path, monkeypatch: pytest.MonkeyPatch):
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    made: list[Path] = []
    d = FinetuneDialog(FinetuneService(), TaskRunner(), [describe_bundle(base, "user")],
                       made.append)
    d.made, d.warnings = made, warnings  # type: ignore[attr-defined]
    qtbot.addWidget(d)
    d.library.setText(str(_messy_library(tmp_path / "library")))
    d.output.setText(str(tmp_path / "tuned"))
    yield d
    if d._task is not None:
        d._task.cancel()
        d._task.wait(30)


def test_scan_then_train_adds_a_bundle(qtbot, dialog, tmp_path: Path) -> None:
    d = dialog
    d.scan()
    qtbot.waitUntil(lambda: d.start_button.isEnabled(), timeout=60_000)
    report = d.report.toPlainText()
    assert "broken.wav" in report and "skipped" in report
    d.steps.setValue(10)
    d.start()
    qtbot.waitUntil(lambda: bool(d.made) or bool(d.warnings), timeout=240_000)
    assert d.warnings == []
    out = d.made[0]
    assert out == tmp_path / "tuned" and describe_bundle(out).path == out
    assert "New model written" in d.status.text()


def test_cancel_writes_nothing(qtbot, dialog, tmp_path: Path) -> None:
    d = dialog
    d.scan()
    qtbot.waitUntil(lambda: d.start_button.isEnabled(), timeout=60_000)
    d.steps.setValue(100_000)
    d.start()
    qtbot.waitUntil(lambda: d.progress.maximum() > 0 and d.progress.value() > 0, timeout=120_000)
    d._close_or_cancel()
    qtbot.waitUntil(lambda: d._task is None, timeout=60_000)
    assert "Cancelled" in d.status.text()
    assert not (tmp_path / "tuned").exists() and d.made == []


def test_not_a_folder_is_a_message(qtbot, dialog, tmp_path: Path) -> None:
    dialog.library.setText(str(tmp_path / "nope"))
    dialog.scan()
    assert "not a folder" in dialog.status.text() and not dialog.start_button.isEnabled()
