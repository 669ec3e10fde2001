"""The fine-tune dialog's service: the training job API adapted to what the dialog shows.

ui never imports training (it would pull in torch); the app hands this service in.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from ambisketch.engine.catalog import user_models_dir
from ambisketch.ui.finetune_dialog import FinetuneRequest, ResumableWork, ScanSummary
from ambisketch.ui.jobs import Cancelled, JobProgress

WORK_SUFFIX = ".finetune"  # the job's work folder: OUT's folder / ".OUT.finetune"


class FinetuneService:
    """``scan`` a library, propose an output folder, build the job the runner runs."""

    @property
    def default_steps(self) -> int:
        from ambisketch.training.finetune import FinetuneSettings

        return FinetuneSettings.steps  # the dataclass default: the CLI's as well

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

    def work_dir(self, out: Path) -> Path:
        """Where a job writing ``out`` keeps its work (as :meth:`FinetuneJob.work_dir`)."""
        out = Path(out)
        return out.parent / f".{out.name}{WORK_SUFFIX}"

    def resumable(self, folders: list[Path] | None = None) -> list[ResumableWork]:
        """Unfinished jobs (their work folders) in the models folder and ``folders``, newest
        first: run again with the same library and output, each continues where it stopped."""
        seen: set[Path] = set()
        found: list[ResumableWork] = []
        for folder in [user_models_dir(), *(folders or [])]:
            if not Path(folder).is_dir():
                continue
            for work in Path(folder).glob(f".*{WORK_SUFFIX}"):
                key = work.resolve()
                if key in seen or not (work / "job.json").is_file():
                    continue
                seen.add(key)
                try:
                    job = json.loads((work / "job.json").read_text(encoding="utf-8"))
                    library = Path(str(job["library"]))
                except (OSError, ValueError, KeyError, TypeError):
                    continue  # not a job folder this version can resume
                files = [f for f in work.rglob("*") if f.is_file()]
                found.append(
                    ResumableWork(
                        work=work,
                        out=work.parent / work.name[1 : -len(WORK_SUFFIX)],
                        library=library,
                        size=sum(f.stat().st_size for f in files),
                        modified=max([f.stat().st_mtime for f in files] or [work.stat().st_mtime]),
                    )
                )
        return sorted(found, key=lambda w: -w.modified)

    def discard(self, work: Path) -> None:
        """Delete an unfinished job's work folder (only a ``.NAME.finetune`` folder)."""
        work = Path(work)
        if not (work.name.startswith(".") and work.name.endswith(WORK_SUFFIX)):
            raise ValueError(f"{work}: not a fine-tuning work folder")
        shutil.rmtree(work, ignore_errors=True)

    def job(self, request: FinetuneRequest) -> Callable[[JobProgress, Cancelled], Path]:
        from ambisketch.training.finetune import FinetuneJob, FinetuneProgress, FinetuneSettings

        settings = FinetuneSettings(
            library=request.library,
            out=request.out,
            base=request.base,
            steps=request.steps,
            lr=request.lr,
            codec_too=request.codec_too,
        )

        def run(progress: JobProgress, cancelled: Cancelled) -> Path:
            stage_names = {
                "scan": "Scanning",
                "evaluate": "Held-out test",
                "encode": "Encoding the library",
                "train": "Training",
                "export": "Writing the model",
            }

            def report(p: FinetuneProgress) -> None:
                progress(p.step, p.total)
                loss = f" — loss {p.loss:.4f}" if p.loss is not None else ""
                progress.message(f"{stage_names.get(p.stage, p.stage)}: {p.message}{loss}")

            return FinetuneJob(settings, report, cancelled).run()

        return run
