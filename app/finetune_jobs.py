"""The fine-tune dialog's service: the training job API adapted to what the dialog shows.

ui never imports training (it would pull in torch); the app hands this service in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ambisketch.engine.catalog import user_models_dir
from ambisketch.ui.finetune_dialog import ScanSummary


class FinetuneService:
    """``scan`` a library, propose an output folder, build the job the runner runs."""

    def scan(self, folder: Path) -> ScanSummary:
        from ambisketch.training.finetune import scan_library

        report = scan_library(Path(folder))
        seconds = float(sum(c.seconds for c in report.library.records))
        return ScanSummary(report.usable, seconds, report.problems, report.summary())

    def default_output(self, folder: Path) -> Path:
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(folder).name).strip("-") or "library"
        out = user_models_dir() / f"{name}-finetuned"
        n = 2
        while out.exists():
            out = user_models_dir() / f"{name}-finetuned-{n}"
            n += 1
        return out

    def job(self, options: dict[str, Any]) -> Callable[[Any, Callable[[], bool]], Path]:
        from ambisketch.training.finetune import FinetuneJob, FinetuneSettings

        settings = FinetuneSettings(library=Path(options["library"]), out=Path(options["out"]),
                                    base=options.get("base"), steps=int(options["steps"]),
                                    lr=options.get("lr"), codec_too=bool(options.get("codec_too")))

        def run(progress: Any, cancelled: Callable[[], bool]) -> Path:
            stage_names = {"scan": "Scanning", "encode": "Encoding the library",
                           "train": "Training", "export": "Writing the model"}

            def report(p: Any) -> None:
                progress(p.step, p.total)
                loss = f" — loss {p.loss:.4f}" if p.loss is not None else ""
                progress.message(f"{stage_names.get(p.stage, p.stage)}: {p.message}{loss}")

            return FinetuneJob(settings, report, cancelled).run()

        return run
