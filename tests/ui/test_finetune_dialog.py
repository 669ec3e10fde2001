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
    spec = importlib.util.spec_from_file_location(
        "messy_library", TESTS / "training" / "messy_library.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.make_messy_library(root)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ambisketch.engine.models.bundle import new_bundle, save_bundle
    from ambisketch.engine.models.codec import CODEC_PRESETS
    from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
    from ambisketch.engine.models.dit import DIT_PRESETS

    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=1.0,
        name="tiny base",
    )
    return save_bundle(tmp_path_factory.mktemp("models") / "base", b)


@pytest.fixture
def dialog(qtbot, tmp_path: Path, base: Path, monkeypatch: pytest.MonkeyPatch):
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    made: list[Path] = []
    d = FinetuneDialog(
        FinetuneService(), TaskRunner(), [describe_bundle(base, "user")], made.append
    )
    d.made, d.warnings = made, warnings  # type: ignore[attr-defined]
    qtbot.addWidget(d)
    d.library.setText(str(_messy_library(tmp_path / "library")))
    d.output.setText(str(tmp_path / "tuned"))
    yield d
    if d._task is not None:
        d._task.cancel()
        d._task.wait(30)


def test_scan_then_train_adds_a_bundle(qtbot, dialog, tmp_path: Path) -> None:
    from ambisketch.training.finetune import FinetuneSettings

    d = dialog
    assert d.steps.value() == FinetuneSettings.steps == 600  # the CLI's default, one place
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


def _answer(monkeypatch: pytest.MonkeyPatch, button: str) -> list[str]:
    """Make QMessageBox.exec click the button labelled ``button``; returns the texts asked."""
    asked: list[str] = []

    def exec_(box: QMessageBox) -> int:
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return asked


def _train_then_cancel(qtbot, d: FinetuneDialog) -> None:
    d.scan()
    qtbot.waitUntil(lambda: d.start_button.isEnabled(), timeout=60_000)
    d.steps.setValue(100_000)
    d.start()
    qtbot.waitUntil(
        lambda: (
            d.status.text().startswith("Training")  # past the scan: work exists
            and d.progress.value() > 0
        ),
        timeout=120_000,
    )
    d._close_or_cancel()
    qtbot.waitUntil(lambda: d._task is None, timeout=60_000)


def test_cancel_then_discard_writes_nothing(
    qtbot, dialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = dialog
    asked = _answer(monkeypatch, "Discard")
    _train_then_cancel(qtbot, d)
    assert "Cancelled" in d.status.text() and "discarded" in d.status.text()
    assert asked and "continue later" in asked[0]
    assert not (tmp_path / "tuned").exists() and d.made == []
    assert not (tmp_path / ".tuned.finetune").exists()  # no hidden work folder left behind


def test_new_account_creates_the_proposed_folder_and_keeps_work_for_resuming(
    qtbot, dialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ambisketch.engine.catalog import user_models_dir

    d = dialog
    models = user_models_dir()
    assert not models.exists()  # a new account: ~/.local/share/ambisketch/models is not there
    d.output.clear()  # let the dialog propose where the model goes
    assert d.resume.count() == 1 and not d._form.isRowVisible(0)  # nothing to resume yet
    _answer(monkeypatch, "Keep for resuming")
    _train_then_cancel(qtbot, d)
    assert d.warnings == []  # no "folder … does not exist"
    out = Path(d.output.text())
    assert out.parent == models and models.is_dir() and not out.exists()
    work = models / f".{out.name}.finetune"
    assert work.is_dir() and "kept in" in d.status.text()
    # The dialog lists it; choosing it fills the library and the output back in.
    assert d._form.isRowVisible(0) and d.resume.count() == 2
    assert d.resume.itemData(1).work == work
    again = FinetuneDialog(FinetuneService(), TaskRunner(), [], d.made.append)
    qtbot.addWidget(again)
    assert again.resume.count() == 2 and again.resume.itemData(1).out == out
    again.resume.setCurrentIndex(1)
    again._resume_chosen(1)
    assert again.output.text() == str(out) and again.library.text() == d.library.text()
    qtbot.waitUntil(lambda: again.scan_button.isEnabled(), timeout=60_000)  # it rescans
    again.discard_button.click()
    assert not work.exists() and not again._form.isRowVisible(0)


def test_scan_report_gives_durations_in_minutes_and_seconds(qtbot, dialog) -> None:
    import re

    d = dialog
    d.scan()
    qtbot.waitUntil(lambda: d.start_button.isEnabled(), timeout=60_000)
    report = d.report.toPlainText()
    assert re.search(r"clips, \d+:\d\d long\)", report), report
    assert " h)" not in report and "0.00" not in report


def test_not_a_folder_is_a_message(qtbot, dialog, tmp_path: Path) -> None:
    dialog.library.setText(str(tmp_path / "nope"))
    dialog.scan()
    assert "not a folder" in dialog.status.text() and not dialog.start_button.isEnabled()
