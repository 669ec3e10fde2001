"""``StarterRecipe``: from nothing to the shipped starter bundle, every stage resumable.

Stages run in order (:data:`~.sizes.STAGES`). A stage is skipped when ``recipe.json`` says
it is done and the outputs of the stages it uses are the ones it used; it starts over when
they changed (its folder is cleared), and continues when it was interrupted (training
stages from their run's last checkpoint, encoding from its last complete shard). Raising
the DiT's budget re-opens it and the stages after it; the codec, once done, is kept
(``force_stages=("codec",)`` retrains it and, in turn, everything after it).

A work folder keeps the settings that decide the model (:meth:`RecipeSettings.identity`);
other values are a one-line :class:`RecipeError` unless the stage they affect (or an
earlier one) is forced.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ambisketch.engine.json_types import JSONObject

from .sizes import AFFECTS, STAGES, TRAINING_STAGES, RecipeError, RecipeSettings
from .stages import Context, Paused, WorkPaths, stage_functions, training_complete
from .state import RecipeState, describe_hardware, hardware, now

# What each stage reads: its inputs are these stages' outputs.
DEPENDS = {
    "corpus": (),
    "testset": ("corpus",),
    "codec": ("corpus",),
    "codec-export": ("codec",),
    "encode": ("corpus", "codec-export"),
    "dit": ("encode",),
    "eval": ("testset", "codec-export", "dit"),
    "export": ("corpus", "codec-export", "dit", "eval"),
}


@dataclass
class RecipeResult:
    """How a run ended: ``status`` "complete" (the bundle is written), "paused" (the
    session's time ran out; run again to continue) or "partial" (``only`` some stages)."""

    status: str
    bundle: Path | None
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    message: str = ""


def _stderr(message: str) -> None:
    print(f"ambisketch: {message}", file=sys.stderr, flush=True)


class StarterRecipe:
    """The starter-model recipe in ``work`` (see the module doc and :class:`RecipeSettings`
    for the arguments). ``log`` gets every progress line (default: stderr); they also go to
    ``WORK/recipe.log``. ``text_encoder`` may be an already loaded encoder to share."""

    def __init__(
        self,
        work: str | Path,
        size: str = "cpu",
        device: str = "auto",
        corpus: str | Path | None = None,
        codec_kind: str | None = None,
        *,
        log: Callable[[str], None] | None = _stderr,
        text_encoder: Any = None,
        **options: Any,
    ) -> None:
        self.settings = RecipeSettings(
            work=Path(work),
            size=size,
            device=device,
            corpus=Path(corpus) if corpus is not None else None,
            codec_kind=codec_kind,
            **{
                k: (Path(v) if k in ("out", "testset") and v is not None else v)
                for k, v in options.items()
            },
        )
        self._log = log
        self._text_encoder = text_encoder

    @property
    def work(self) -> Path:
        return self.settings.work

    # --- the work folder and its settings ---------------------------------------------
    def _open_state(self) -> RecipeState:
        work = self.work
        if work.exists() and not work.is_dir():
            raise RecipeError(f"{work}: exists and is not a folder; choose a work folder")
        state = RecipeState(work, self._log)
        if not state.exists and work.is_dir() and any(work.iterdir()):
            raise RecipeError(
                f"{work}: holds other files and no recipe.json; choose an empty or new work folder"
            )
        return state

    def _settle_settings(self, state: RecipeState) -> None:
        """Store the settings of a new work folder; refuse other ones unless forced."""
        wanted = self.settings.identity()
        saved = state.data.get("settings")
        if saved is None or saved == wanted:
            state.data["settings"] = wanted
            return
        changed = [k for k in wanted if saved.get(k) != wanted[k]]
        first = min(STAGES.index(AFFECTS[k]) for k in changed)
        forced = [STAGES.index(s) for s in self.settings.force_stages]
        if not forced or min(forced) > first:
            k = changed[0]
            raise RecipeError(
                f"{self.work}: was started with {k} {saved.get(k)!r}, not "
                f"{wanted[k]!r}; use another --work, or --force-stage "
                f"{STAGES[first]} to redo it and every stage after it"
            )
        state.data["settings"] = wanted

    def _force(self, state: RecipeState, paths: WorkPaths) -> None:
        """Forget each forced stage and every stage after it; clear the forced stage's
        folder so it starts from nothing."""
        if not self.settings.force_stages:
            return
        first = min(STAGES.index(s) for s in self.settings.force_stages)
        for stage in STAGES[first:]:
            state.clear(stage)
        for stage in self.settings.force_stages:
            self._clear_outputs(stage, paths)
        state.log(f"forced: {', '.join(STAGES[first:])} will run again")
        state.save()

    def _clear_outputs(self, stage: str, paths: WorkPaths) -> None:
        folders = {
            "corpus": [paths.corpus] if self.settings.corpus is None else [],
            "testset": [paths.testset] if self.settings.testset is None else [],
            "codec": [paths.codec_run],
            "codec-export": [paths.codec],
            "encode": [paths.latents],
            "dit": [paths.dit_run],
            "eval": [paths.eval],
            "export": [],
        }[stage]
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)

    # --- running ---------------------------------------------------------------------
    def run(self) -> RecipeResult:
        """Run (or continue) the recipe; see :class:`RecipeResult`."""
        import torch

        from ambisketch.engine.generate import pick_device

        s = self.settings
        state = self._open_state()
        self._settle_settings(state)
        device = pick_device(s.device)
        threads = torch.get_num_threads()
        try:
            torch.set_num_threads(self._threads(device, threads))
            return self._run(state, device)
        finally:
            torch.set_num_threads(threads)

    def _threads(self, device: str, current: int) -> int:
        """Torch threads for this session. On a CPU, unless asked (``threads``, or
        OMP_NUM_THREADS set): half the cores, leaving the rest to the data-loader process
        that renders samples — on a busy 2-core machine two math threads plus the loader
        made codec steps 8× slower (19 s instead of 2.3 s, measured)."""
        if self.settings.threads is not None:
            return self.settings.threads
        from ambisketch.engine.generate import cpu_threads

        if device != "cpu":
            return current
        return cpu_threads() or current

    def _check_only(self, state: RecipeState) -> None:
        """Every stage ``only`` names must find the stages it needs done (or named too),
        counting forced stages and those after them as not done."""
        forced = [STAGES.index(f) for f in self.settings.force_stages]
        cleared = set(STAGES[min(forced) :]) if forced else set()
        for stage in self.settings.only:
            for dep in DEPENDS[stage]:
                if dep not in self.settings.only and (dep in cleared or not state.done(dep)):
                    raise RecipeError(
                        f"stage {stage} needs {dep} first: run without --only, "
                        f"or add {dep} to --only"
                    )

    def _run(self, state: RecipeState, device: str) -> RecipeResult:
        s = self.settings
        self._check_only(state)
        paths = WorkPaths(s.work)
        self._force(state, paths)
        hw = hardware(device)
        state.data["budget"] = {
            "codec_steps": s.target("codec"),
            "dit_steps": s.target("dit"),
            "hours": s.hours,
        }
        state.data["sessions"].append({"started": now(), "hardware": hw})
        state.save()
        deadline = time.monotonic() + s.stop_after * 3600 if s.stop_after else None
        ctx = Context(s, state, device, hw, deadline, text_encoder=self._text_encoder)
        state.log(
            f"starter recipe ({s.size}, codec kind {s.kind}) in {s.work} on {describe_hardware(hw)}"
        )
        result = RecipeResult("complete", None)
        functions = stage_functions()
        for stage in STAGES:
            if s.only and stage not in s.only:
                continue
            inputs = self._inputs(state, stage)
            rec = state.stages.get(stage)
            if rec and rec.get("done") and not self._outputs_present(stage, rec, paths):
                state.log(f"{stage}: what it wrote is gone; running it again")
                state.clear(stage)
            elif rec and rec.get("done") and rec.get("inputs") == inputs:
                if stage not in TRAINING_STAGES or training_complete(ctx, stage):
                    result.skipped.append(stage)
                    state.log(f"{stage}: done already, skipped")
                    continue
                if stage == "codec" and state.stages.get("dit", {}).get("step"):
                    # The DiT has trained on this codec's latents: keep that work.
                    state.log(
                        f"codec: kept at step {rec.get('step')} (the DiT trains on its "
                        "latents; --force-stage codec retrains it, and everything after)"
                    )
                    result.skipped.append(stage)
                    continue
                # A larger budget before the DiT started: the codec trains on, and the
                # stages after it (export, latents) are redone from its new weights.
            try:
                self._run_stage(ctx, stage, inputs, functions[stage], paths)
            except Paused as why:
                state.log(f"{why}; run the same command again to continue")
                result.status, result.message = "paused", str(why)
                return result
            except KeyboardInterrupt:
                step = state.stages.get(stage, {}).get("step")
                state.log(
                    f"interrupted in {stage}"
                    + (f" at step {step}" if step else "")
                    + "; run the same command again to continue"
                )
                raise
            result.ran.append(stage)
        if s.only and "export" not in s.only:
            result.status = "partial"
        if state.done("export"):
            result.bundle = s.work / state.output("export")["path"]
        state.log(
            f"finished ({result.status}): ran {', '.join(result.ran) or 'nothing'}"
            + (f"; bundle {result.bundle}" if result.bundle else "")
        )
        return result

    def _outputs_present(self, stage: str, rec: JSONObject, paths: WorkPaths) -> bool:
        """Whether what a done stage wrote is still there (a deleted folder reruns it)."""
        s = self.settings
        if stage == "corpus":
            return Path(s.corpus or paths.corpus).is_dir()
        if stage == "testset":
            return (Path(s.testset or paths.testset) / "testset.json").is_file()
        if stage == "codec":  # its run, or the codec bundle exported from it (carried alone)
            return (paths.codec_run / "checkpoints" / "latest.json").is_file() or (
                paths.codec / "codec.json"
            ).is_file()
        if stage == "dit":
            return (paths.dit_run / "checkpoints" / "latest.json").is_file()
        path = (rec.get("output") or {}).get("path")
        return path is None or (paths.root / path).exists()

    def _inputs(self, state: RecipeState, stage: str) -> JSONObject:
        inputs: JSONObject = {}
        for dep in DEPENDS[stage]:
            if not state.done(dep):
                raise RecipeError(
                    f"stage {stage} needs {dep} first: run without --only, or add {dep} to --only"
                )
            # Paths are where things are, not what they are: a work folder or a given
            # corpus may move to another machine without redoing anything.
            inputs[dep] = {k: v for k, v in state.output(dep).items() if k != "path"}
        if stage == "export":
            inputs["out"] = str(self.settings.out.resolve()) if self.settings.out else None
        return inputs

    def _run_stage(
        self,
        ctx: Context,
        stage: str,
        inputs: JSONObject,
        fn: Callable[[Context], JSONObject],
        paths: WorkPaths,
    ) -> None:
        state = ctx.state
        rec = state.stages.get(stage)
        if rec is None or rec.get("inputs") != inputs:  # new, or its inputs changed
            if rec is not None:
                state.log(f"{stage}: what it uses has changed; starting it over")
            self._clear_outputs(stage, paths)  # also what a forgotten (forced) run left
            rec = state.stages[stage] = {
                "done": False,
                "seconds": 0.0,
                "inputs": inputs,
                "started": now(),
            }
        rec["done"] = False
        line = describe_hardware(ctx.hardware)
        if line not in rec.setdefault("hardware", []):
            rec["hardware"].append(line)
        state.save()
        state.log(f"{stage}: running")
        t0 = time.monotonic()
        try:
            output = fn(ctx)
        finally:
            if stage not in TRAINING_STAGES:  # training stages count their own time
                rec["seconds"] = rec.get("seconds", 0.0) + time.monotonic() - t0
            state.save()
        rec.update(done=True, output=output, finished=now())
        state.save()
