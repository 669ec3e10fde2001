"""``ambisketch --self-test``: the whole installation checked in a subprocess, as a user runs it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ambisketch.app import self_test
from ambisketch.app.cli import main
from ambisketch.engine.binaural.hrtf import default_hrtf_path
from ambisketch.engine.models.bundle import new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS

CHECK_NAMES = [name for name, _ in self_test.CHECKS]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=2,
        name="tiny",
    )
    return save_bundle(tmp_path_factory.mktemp("models") / "tiny", b)


def run_self_test(*args: str | Path, **env: str) -> tuple[int, list[str], str]:
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **env)
    proc = subprocess.run(
        [sys.executable, "-m", "ambisketch", "--self-test", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )
    return proc.returncode, proc.stdout.strip().splitlines(), proc.stderr


def statuses(lines: list[str]) -> dict[str, str]:
    """Check name → status, from the lines ``  ok    NAME  detail (x s)``."""
    found = {}
    for line in lines[1:-1]:
        status, rest = line.split(None, 1)
        name = next(
            n
            for n in sorted(CHECK_NAMES + ["default model"], key=len, reverse=True)
            if rest.startswith(n)
        )
        found[name] = status
    return found


@pytest.mark.slow
def test_self_test_passes_with_a_model(tiny: Path) -> None:
    code, lines, err = run_self_test("--model", tiny)
    assert lines[-1].startswith("self-test passed: "), "\n".join(lines) + err
    assert code == 0
    assert statuses(lines) == {
        **dict.fromkeys(CHECK_NAMES, "ok"),
        "audio devices": statuses(lines)["audio devices"],
    }
    assert statuses(lines)["audio devices"] in ("ok", "note")  # no device is not a failure
    assert any(f"({tiny})" in line for line in lines if "model" in line)
    assert "Traceback" not in err


def run_in_process(model: Path | None = None) -> tuple[int, list[str]]:
    """The same run inside the test process: modules are already imported, so it is quicker."""
    out = io.StringIO()
    code = self_test.run_self_test(model, out=out)
    return code, out.getvalue().strip().splitlines()


@pytest.mark.slow
def test_broken_model_fails_and_names_the_file(tiny: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny, broken)
    weights = broken / "dit.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # a truncated download
    code, lines = run_in_process(broken)
    assert code == 1
    assert lines[-1].startswith("self-test failed: model: ")
    assert str(weights) in lines[-1]
    # the other checks still ran, generation on the untrained stand-in model
    found = statuses(lines)
    assert found["model"] == "FAIL"
    assert found["HRTF"] == found["text encoder"] == found["generation"] == "ok"
    assert found["binaural"] == found["AmbiX write"] == "ok"
    assert "untrained tiny model" in next(ln for ln in lines if "generation" in ln)


@pytest.mark.slow
def test_missing_default_model_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    resources = tmp_path / "resources"
    (resources / "hrtf").mkdir(parents=True)
    shutil.copy(default_hrtf_path(), resources / "hrtf")
    monkeypatch.setenv("AMBISKETCH_RESOURCES", str(resources))
    code, lines = run_in_process()
    assert code == 1
    assert "default model: not installed (resources/models/starter)" in lines[-1]
    assert "high band: " in lines[-1] and "highs.json" in lines[-1]
    assert statuses(lines)["HRTF"] == "ok"


def test_a_gui_that_cannot_import_is_a_failed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import ambisketch.app

    monkeypatch.delattr(ambisketch.app, "gui", raising=False)
    monkeypatch.setitem(sys.modules, "ambisketch.app.gui", None)  # import → ModuleNotFoundError
    result = self_test._run_check("GUI", self_test.check_gui, self_test._State(None))
    assert result.status == "FAIL"
    assert (
        result.detail.startswith("ModuleNotFoundError:") and "ambisketch.app.gui" in result.detail
    )


def test_summary_lists_failures_and_notes() -> None:
    ok = self_test.CheckResult("HRTF", "ok", "fine", 0.1)
    note = self_test.CheckResult("audio devices", "note", "none", 0.0)
    bad = self_test.CheckResult("model", "FAIL", "x/model.json: broken", 0.0)
    assert self_test.summary([ok, note], 2.04) == (
        "self-test passed: 1 checks in 2.0 s (1 note: audio devices)"
    )
    failed = self_test.summary([ok, bad, note], 1.0)
    assert failed == "self-test failed: model: x/model.json: broken"


def test_a_crash_inside_a_check_is_reported_not_raised(capsys: pytest.CaptureFixture) -> None:
    def crashing(state: self_test._State) -> tuple[str, str]:
        raise RuntimeError("boom\nsecond line")

    result = self_test._run_check("imports", crashing, self_test._State(None))
    assert (result.status, result.detail) == ("FAIL", "RuntimeError: boom second line")
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "x"], "--model before a command goes with --self-test"),
        (["--self-test", "path", "list"], "--self-test takes no command"),
    ],
)
def test_self_test_options_are_checked(
    capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
