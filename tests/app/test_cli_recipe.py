"""``ambisketch train starter``: help, stages run from the command line, one-line errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.cli import one_line_error, run

from ambisketch.app.cli import main


def test_help_lists_sizes_stages_and_budgets(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", "starter", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in (
        "--work",
        "--size {tiny,cpu,gpu}",
        "--hours",
        "--codec-steps",
        "--dit-steps",
        "--stop-after",
        "--only",
        "--force-stage",
        "--corpus",
        "--out",
        "corpus → testset → codec → codec-export → encode → dit → eval → export",
    ):
        assert word in out, word
    assert "starter" in main_help(capsys)


def main_help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    return capsys.readouterr().out


def test_a_bad_work_folder_is_a_one_line_error(capsys, tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    one_line_error(
        *run(capsys, "train", "starter", "--work", afile, "--size", "tiny")[::2],
        str(afile),
        "is not a folder",
    )
    one_line_error(
        *run(capsys, "train", "starter", "--work", tmp_path, "--size", "tiny")[::2],
        "holds other files and no recipe.json",
    )
    assert afile.read_text() == "mine" and not (tmp_path / "recipe.json").exists()


def test_bad_values_are_refused_before_anything_runs(capsys, tmp_path: Path) -> None:
    work = tmp_path / "w"
    one_line_error(
        *run(capsys, "train", "starter", "--work", work, "--hours", "0")[::2], "--hours must be > 0"
    )
    one_line_error(
        *run(capsys, "train", "starter", "--work", work, "--dit-steps", "0")[::2],
        "--dit-steps must be at least 1",
    )
    with pytest.raises(SystemExit) as exc:
        main(["train", "starter", "--work", str(work), "--only", "training"])
    assert exc.value.code == 2 and "invalid choice: 'training'" in capsys.readouterr().err
    assert not work.exists()


def test_stages_from_the_command_line_and_a_changed_size(capsys, tmp_path: Path) -> None:
    work = tmp_path / "w"
    code, out, err = run(
        capsys,
        "train",
        "starter",
        "--work",
        work,
        "--size",
        "tiny",
        "--device",
        "cpu",
        "--only",
        "corpus",
        "testset",
    )
    assert code == 0, err
    assert out.strip() == f"ran corpus, testset; state in {work / 'recipe.json'}"
    assert "corpus: running" in err and "test set:" in err
    state = json.loads((work / "recipe.json").read_text())
    assert state["stages"]["testset"]["done"] and "codec" not in state["stages"]
    one_line_error(
        *run(capsys, "train", "starter", "--work", work, "--size", "cpu", "--only", "codec")[::2],
        "was started with size 'tiny', not 'cpu'",
        "--force-stage corpus",
    )
    one_line_error(
        *run(capsys, "train", "starter", "--work", work, "--size", "tiny", "--only", "dit")[::2],
        "stage dit needs encode first",
    )


def test_sigterm_stops_training_with_a_checkpoint_and_the_next_run_resumes(tmp_path: Path) -> None:
    work = tmp_path / "w"
    args = [
        sys.executable,
        "-m",
        "ambisketch",
        "train",
        "starter",
        "--work",
        str(work),
        "--size",
        "tiny",
        "--device",
        "cpu",
        "--only",
        "corpus",
        "testset",
        "codec",
    ]
    proc = subprocess.Popen(
        args + ["--codec-steps", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pointer = work / "codec-run" / "checkpoints" / "latest.json"
    deadline = time.time() + 120
    while time.time() < deadline and not pointer.exists() and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)  # what a batch system sends at the end of a job
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read()
    step = json.loads(pointer.read_text())["step"]
    assert step >= 10 and f"interrupted in codec at step {step}" in err, err
    assert json.loads((work / "recipe.json").read_text())["stages"]["codec"]["step"] == step
    done = subprocess.run(
        args + ["--codec-steps", str(step + 3)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"resumed {work / 'codec-run'} at step {step}" in done.stderr
    assert f"codec: done at step {step + 3} (its target)" in done.stderr
