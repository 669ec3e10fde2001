"""The fine-tune dialog shows the job's held-out test (before → after) when the model is
written; a bundle without one adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

from ambisketch.app.finetune_jobs import FinetuneService
from ambisketch.app.workers import TaskRunner
from ambisketch.ui.finetune_dialog import FinetuneDialog

SUMMARY = (
    "held-out test (10 library files not trained on, 10 takes of 5 captions at 25 "
    "steps; aiSFX embedding):\n  class accuracy       20% →      60%  (chance 20%)"
)


def _bundle(folder: Path, content: dict | None) -> Path:
    folder.mkdir()
    tune = {"steps": 600, **({"content": content} if content else {})}
    (folder / "model.json").write_text(json.dumps({"training_data": {"finetune": tune}}))
    return folder


def test_the_finished_dialog_shows_the_held_out_test(qtbot, tmp_path: Path) -> None:
    made: list[Path] = []
    d = FinetuneDialog(FinetuneService(), TaskRunner(), [], made.append)
    qtbot.addWidget(d)
    d.report.setPlainText("44 usable clips")
    d._finished(_bundle(tmp_path / "plain", None))
    assert d.report.toPlainText() == "44 usable clips"
    d._finished(_bundle(tmp_path / "tested", {"summary": SUMMARY}))
    text = d.report.toPlainText()
    assert text.startswith("44 usable clips") and "20% →      60%  (chance 20%)" in text
    assert made == [tmp_path / "plain", tmp_path / "tested"]
