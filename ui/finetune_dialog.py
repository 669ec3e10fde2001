"""Fine-tune on my sounds: pick a library folder, read the scan report, choose steps, train
with progress and cancel; the new bundle appears in the model picker.

The dialog knows nothing about training: the app hands in a ``service`` with
``scan(folder) -> ScanSummary``, ``default_output(folder) -> Path`` and
``job(options) -> job(progress, cancelled) -> Path``, ``work_dir(out)``, ``resumable()`` and
``discard(work)`` for unfinished jobs, and the job runner.

A cancelled job keeps its work folder only when the user says so ("Keep for resuming"); kept
work is listed under *Resume* and continues where it stopped when started again.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ambisketch.engine.catalog import BundleEntry

from .jobs import Job, JobRunner, TaskHandle


@dataclass
class ScanSummary:
    """What the library scan found: shown before training starts."""

    usable: int
    seconds: float
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    text: str = ""


@dataclass(frozen=True)
class ResumableWork:
    """An unfinished fine-tuning job: its work folder, the bundle it will write, the library."""

    work: Path
    out: Path
    library: Path
    size: int = 0  # bytes
    modified: float = 0.0  # POSIX time of the newest file

    def label(self) -> str:
        when = _dt.datetime.fromtimestamp(self.modified).strftime("%d %b %H:%M")
        return (
            f"{self.out.name} — from {self.library.name or self.library} "
            f"({self.size / 1e6:.1f} MB, {when})"
        )


@dataclass(frozen=True)
class FinetuneRequest:
    """What the dialog asks the fine-tuning service for."""

    library: Path  # the folder of the user's sounds
    out: Path  # the new model bundle's folder
    base: Path | None  # the model to start from (None: the default)
    steps: int
    lr: float | None  # None: the recipe's
    codec_too: bool  # also fine-tune the codec's decoder


class FinetuneService(Protocol):
    default_steps: int  # the training's own default (the CLI's too)

    def scan(self, folder: Path) -> ScanSummary: ...
    def default_output(self, folder: Path) -> Path: ...
    def job(self, request: FinetuneRequest) -> Job: ...
    def work_dir(self, out: Path) -> Path: ...
    def resumable(self, folders: list[Path] | None = None) -> list[ResumableWork]: ...
    def discard(self, work: Path) -> None: ...


class FinetuneDialog(QDialog):
    """``bundle_ready(path)`` is reported through ``on_bundle`` when training finished."""

    def __init__(
        self,
        service: FinetuneService,
        runner: JobRunner,
        models: list[BundleEntry],
        on_bundle: Callable[[Path], None],
        parent: QWidget | None = None,
        current_model: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-tune on my sounds")
        self.resize(620, 560)
        self.service, self.runner, self.on_bundle = service, runner, on_bundle
        self._task: TaskHandle | None = None
        self._scan: ScanSummary | None = None
        self._proposed: Path | None = None  # the output folder the dialog proposed
        lay = QVBoxLayout(self)
        intro = QLabel(
            "Teach the generator your own sounds. Pick a folder of WAV/FLAC/OGG/MP3 "
            "files; captions come from sidecar .txt files, a captions.csv, or the "
            "file names. Training runs in the background; on a CPU it is slow — "
            "start with a few hundred steps."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)

        form = QFormLayout()
        self.resume = QComboBox()
        self.resume.setToolTip(
            "Fine-tuning stopped before it finished, with its work kept: "
            "choose one to continue it where it stopped"
        )
        self.resume.activated.connect(self._resume_chosen)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete the chosen unfinished work")
        self.discard_button.clicked.connect(self._discard_chosen)
        resume_row = QHBoxLayout()
        resume_row.addWidget(self.resume, 1)
        resume_row.addWidget(self.discard_button)
        form.addRow("Resume", resume_row)
        self._form = form
        row = QHBoxLayout()
        self.library = QLineEdit()
        self.library.setPlaceholderText("a folder of your sounds")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_library)
        self.scan_button = QPushButton("Scan")
        self.scan_button.setToolTip("Read the folder: how many files are usable and which are not")
        self.scan_button.clicked.connect(self.scan)
        row.addWidget(self.library, 1)
        row.addWidget(browse)
        row.addWidget(self.scan_button)
        form.addRow("Library", row)
        self.base = QComboBox()
        for e in models:
            self.base.addItem(e.label, str(e.path))
        i = self.base.findData(current_model)
        self.base.setCurrentIndex(max(0, i))
        self.base.setToolTip("The model to start from")
        form.addRow("Start from", self.base)
        self.steps = QSpinBox()
        self.steps.setRange(10, 1_000_000)
        self.steps.setValue(service.default_steps)
        self.steps.setSingleStep(100)
        form.addRow("Steps", self.steps)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(0.0, 0.01)
        self.lr.setSingleStep(1e-5)
        self.lr.setSpecialValueText("automatic")
        self.lr.setToolTip("Learning rate; 'automatic' uses the fine-tuning default")
        form.addRow("Learning rate", self.lr)
        self.codec_too = QCheckBox(
            "Also adapt the codec (slower; for sounds unlike the model's own)"
        )
        form.addRow("", self.codec_too)
        self.output = QLineEdit()
        self.output.setToolTip("Folder the new model bundle is written to")
        form.addRow("Save as", self.output)
        lay.addLayout(form)

        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("The scan report appears here.")
        lay.addWidget(self.report, 1)
        self.progress = QProgressBar()
        self.progress.hide()
        lay.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton(
            "Start training", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._close_or_cancel)
        lay.addWidget(self.buttons)
        self.refresh_resumable()
        if not models:
            self.status.setText(
                "No model to start from: install the starter model or open a bundle first."
            )

    # --- unfinished work ---------------------------------------------------------------
    def refresh_resumable(self) -> list[ResumableWork]:
        """List the unfinished jobs (the Resume row is hidden when there are none)."""
        out = self.output.text().strip()
        extra = [Path(out).parent] if out else []
        works = self.service.resumable(extra)
        self.resume.clear()
        self.resume.addItem(f"{len(works)} unfinished — choose one to continue", None)
        for w in works:
            self.resume.addItem(w.label(), w)
            self.resume.setItemData(
                self.resume.count() - 1, str(w.work), Qt.ItemDataRole.ToolTipRole
            )
        self._form.setRowVisible(0, bool(works))  # row 0: Resume
        self.discard_button.setEnabled(False)
        return works

    def _resume_chosen(self, index: int) -> None:
        work = self.resume.itemData(index)
        self.discard_button.setEnabled(work is not None)
        if work is None:
            return
        self.library.setText(str(work.library))
        self.output.setText(str(work.out))
        self.status.setText(
            f"Continues the unfinished work in {work.work} after the scan "
            "(same library, base model and settings)."
        )
        if work.library.is_dir():
            self.scan()

    def _discard_chosen(self) -> None:
        work = self.resume.currentData()
        if work is None:
            return
        self.service.discard(work.work)
        self.status.setText(f"Discarded {work.work}.")
        self.refresh_resumable()

    # --- scanning ---------------------------------------------------------------------
    def _choose_library(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of your sounds", self.library.text()
        )
        if folder:
            self.library.setText(folder)
            self.scan()

    def scan(self) -> None:
        folder = Path(self.library.text().strip())
        if not self.library.text().strip() or not folder.is_dir():
            self.status.setText(f"{folder}: not a folder")
            return
        if not self.output.text():
            self._proposed = Path(self.service.default_output(folder))
            self.output.setText(str(self._proposed))
        self.status.setText("Scanning…")
        self.scan_button.setEnabled(False)
        self.start_button.setEnabled(False)
        self.runner.start(
            "scan", lambda progress, cancelled: self.service.scan(folder), self._hook_scan
        )

    def _hook_scan(self, task: TaskHandle) -> None:
        task.finished.connect(self._scanned)
        task.failed.connect(lambda m: self.status.setText(m))
        task.crashed.connect(lambda m: self.status.setText(f"unexpected error: {m}; see the log"))
        task.done.connect(lambda: self.scan_button.setEnabled(True))

    def _scanned(self, summary: ScanSummary) -> None:
        self._scan = summary
        m, sec = divmod(int(round(summary.seconds)), 60)
        lines = [summary.text or f"{summary.usable} usable files, {m}:{sec:02d} long"]
        if summary.problems:
            lines.append(f"\n{len(summary.problems)} file(s) skipped:")
            lines += [f"  {f}: {why}" for f, why in summary.problems]
        self.report.setPlainText("\n".join(lines))
        ok = summary.usable > 0 and self.base.count() > 0
        self.start_button.setEnabled(ok)
        self.status.setText(
            "Ready to train."
            if ok
            else "Nothing usable to train on."
            if summary.usable == 0
            else ""
        )

    # --- training ---------------------------------------------------------------------
    def options(self) -> FinetuneRequest:
        return FinetuneRequest(
            library=Path(self.library.text().strip()),
            out=Path(self.output.text().strip()),
            base=Path(self.base.currentData()) if self.base.currentData() else None,
            steps=int(self.steps.value()),
            lr=float(self.lr.value()) or None,
            codec_too=bool(self.codec_too.isChecked()),
        )

    def start(self) -> None:
        if self._task is not None:
            return
        opts = self.options()
        if not self.output.text().strip():
            self.status.setText("Choose where to save the new model.")
            return
        if not self._make_parent(opts.out):
            return
        try:
            job = self.service.job(opts)
        except Exception as exc:  # noqa: BLE001 — the service raises EngineError subclasses
            QMessageBox.warning(self, "Cannot start", str(exc))
            return
        self.progress.setRange(0, 0)
        self.progress.show()
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.status.setText("Starting…")
        self.runner.start("finetune", job, self._hook_train)

    def _make_parent(self, out: Path) -> bool:
        """The folder the bundle goes in: created when the dialog proposed it (the models
        folder of a new account), offered when the user typed a missing one."""
        parent = out.expanduser().parent
        if parent.is_dir():
            return True
        proposed = self._proposed is not None and out == self._proposed
        if (
            not proposed
            and QMessageBox.question(
                self, "Create folder?", f"The folder {parent} does not exist. Create it?"
            )
            != QMessageBox.StandardButton.Yes
        ):
            self.status.setText(f"{parent}: no such folder; choose another place to save.")
            return False
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(
                self, "Cannot create the folder", f"{parent}: {exc.strerror or exc}"
            )
            return False
        return True

    def _hook_train(self, task: TaskHandle) -> None:
        self._task = task
        task.progressed.connect(self._progress)
        task.message.connect(self.status.setText)
        task.finished.connect(self._finished)
        task.failed.connect(self._failed)
        task.crashed.connect(lambda m: self._failed(f"unexpected error: {m}; see the log"))
        task.cancelled.connect(self._cancelled)
        task.done.connect(self._done)

    def _cancelled(self) -> None:
        """Nothing is written to the output; the work so far is kept only if the user asks."""
        work = Path(self.service.work_dir(Path(self.output.text().strip())))
        if not work.is_dir():
            self.status.setText("Cancelled; nothing was written.")
            return
        size = sum(f.stat().st_size for f in work.rglob("*") if f.is_file())
        if self.ask_keep_work(work, size):
            self.status.setText(
                f"Cancelled; the model was not written. The work so far is kept "
                f"in {work} ({size / 1e6:.1f} MB): start again with the same "
                "settings, or choose it under Resume, to continue."
            )
        else:
            self.service.discard(work)
            self.status.setText("Cancelled; nothing was written and the work was discarded.")
        self.refresh_resumable()

    def ask_keep_work(self, work: Path, size: int) -> bool:
        """Ask whether to keep a cancelled job's work for resuming (True) or discard it."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Keep the work so far?",
            f"Fine-tuning stopped before writing the model. Its work so far "
            f"({size / 1e6:.1f} MB, in {work}) lets it continue later where it "
            "stopped.",
            parent=self,
        )
        keep = box.addButton("Keep for resuming", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is keep

    def _progress(self, step: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(step)

    def _finished(self, bundle: Path) -> None:
        self.status.setText(f"New model written to {bundle}. It is now in the model picker.")
        test = held_out_summary(Path(bundle))
        if test:  # before → after on the library files kept out of training
            self.report.setPlainText(f"{self.report.toPlainText()}\n\n{test}".strip())
        self.on_bundle(Path(bundle))

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        QMessageBox.warning(self, "Fine-tuning stopped", message)

    def _done(self) -> None:
        self._task = None
        self.progress.hide()
        self.start_button.setEnabled(self._scan is not None and self._scan.usable > 0)
        self.cancel_button.setText("Close")

    def _close_or_cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status.setText("Cancelling after the current step…")
        else:
            self.reject()

    def reject(self) -> None:
        if self._task is not None:
            self._close_or_cancel()
            return
        super().reject()


def held_out_summary(bundle: Path) -> str:
    """The fine-tune's held-out test (content metric before → after) from the bundle's
    ``model.json``; empty when the job made none."""
    try:
        info = json.loads((Path(bundle) / "model.json").read_text(encoding="utf-8"))
        return str(info["training_data"]["finetune"]["content"]["summary"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""
