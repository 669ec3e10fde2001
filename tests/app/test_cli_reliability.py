"""Faults and hostile-but-fair inputs (issue 20): each ends as one clear line, a sensible exit
code, no traceback and no stray or half-written files."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.cli import one_line_error, run

from ambisketch.engine.models.bundle import new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def cli(
    *args: object, stdout: object = subprocess.PIPE, **kw: object
) -> subprocess.CompletedProcess[str]:
    """``ambisketch ARGS…`` in a fresh process (for real stdout, signals and exit codes)."""
    return subprocess.run(
        [sys.executable, "-m", "ambisketch", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        timeout=300,
        **kw,
    )


def strays(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.5,
        name="tiny",
    )
    return save_bundle(tmp_path_factory.mktemp("models") / "tiny", b)


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real, small file system (tmpfs) that fills up; needs root (mount)."""

    def make(kib: int) -> Path:
        where = tmp_path / f"disk{kib}"
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(where)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip("cannot mount a small tmpfs here (needs root)")
        mounts.append(where)
        return where

    mounts: list[Path] = []
    yield make
    for m in mounts:
        subprocess.run(["umount", "-l", str(m)], check=False)


# 1 and 7: output names that are no file name ------------------------------------------
def test_every_file_output_option_checks_its_name() -> None:
    from ambisketch.app.cli import build_parser
    from ambisketch.app.cli_support import output_file

    parsers, checked = [build_parser()], []
    while parsers:
        p = parsers.pop()
        for action in p._actions:
            if action.choices and isinstance(action.choices, dict):
                parsers.extend(action.choices.values())
            if "--output" in action.option_strings and "WAV" in (action.help or ""):
                assert action.type is output_file, p.prog
                checked.append(p.prog)
    assert {"ambisketch spatialize", "ambisketch generate", "ambisketch takes export"} <= set(
        checked
    )


@pytest.mark.parametrize("name", ["", ".", "..", "newname/"])
@pytest.mark.parametrize("command", ["spatialize", "binaural", "generate"])
def test_output_that_names_no_file_is_refused(
    capsys, tmp_path: Path, noise_wav: Path, bundle: Path, monkeypatch, command: str, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    foa = tmp_path / "foa.wav"
    sf.write(foa, np.zeros((800, 4), np.float32) + 0.1, 16000)
    before = sorted(os.listdir(tmp_path))
    args = {
        "spatialize": ["spatialize", noise_wav, "--path", "orbit"],
        "binaural": ["binaural", foa],
        "generate": ["generate", "rain", "--model", bundle, "--steps", 2, "--no-progress"],
    }
    with pytest.raises(SystemExit) as exit_:
        run(capsys, *args[command], "-o", name)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert "-o" in err and ("folder" in err or "empty" in err), err
    assert sorted(os.listdir(tmp_path)) == before  # no file called "newname"


# 2: a standard output that cannot be written ------------------------------------------
@pytest.mark.parametrize("args", [("path", "show", "orbit"), ("path", "list")])
def test_full_stdout_is_one_line_not_a_traceback(args) -> None:
    with open("/dev/full", "w") as full:
        done = cli(*args, stdout=full)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "ambisketch: error: standard output: cannot write (disk full)"
    ]


def test_spatialize_into_full_stdout_keeps_the_files(noise_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.wav"
    with open("/dev/full", "w") as full:
        done = cli("spatialize", noise_wav, "-o", out, "--path", "orbit", stdout=full)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "disk full" in done.stderr
    assert out.is_file() and (tmp_path / "o.wav.json").is_file() and not strays(tmp_path)


def test_closed_pipe_is_quiet(noise_wav: Path) -> None:
    done = subprocess.run(
        f"{sys.executable} -m ambisketch path show orbit | head -c 1",
        shell=True,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert done.stdout == "{" and "Traceback" not in done.stderr and not done.stderr.strip()


# 3: a diverged model makes no file ----------------------------------------------------
def test_nan_weights_are_an_error_naming_the_model(capsys, tmp_path: Path, bundle: Path) -> None:
    import shutil

    from safetensors.torch import load_file, save_file

    broken = tmp_path / "diverged"
    shutil.copytree(bundle, broken)
    state = load_file(broken / "dit.safetensors")
    name = next(
        k
        for k, v in state.items()
        if v.is_floating_point() and v.numel() > 16 and "latent" not in k
    )
    state[name] = state[name].clone()
    state[name].view(-1)[3] = float("nan")
    save_file(state, broken / "dit.safetensors")
    for bits in ("24", "32f"):
        out = tmp_path / f"rain{bits}.wav"
        code, stdout, err = run(
            capsys,
            "generate",
            "rain",
            "-o",
            out,
            "--model",
            broken,
            "--steps",
            2,
            "--seconds",
            0.3,
            "--seed",
            1,
            "--bits",
            bits,
            "--device",
            "cpu",
            "--no-progress",
        )
        one_line_error(code, err, str(broken), "not finite")
        assert not out.exists() and not strays(tmp_path)


def test_generated_audio_check_rejects_silence_and_nan() -> None:
    from ambisketch.engine.errors import GenerationError
    from ambisketch.engine.generate import check_generated

    good = np.random.default_rng(0).standard_normal((4, 800)).astype(np.float32) * 0.1
    check_generated(good, "m")
    for bad, words in (
        (np.full((4, 800), np.nan, np.float32), "not finite"),
        (np.zeros((4, 800), np.float32), "silent"),
        (np.full((4, 800), -1.0, np.float32), "constant"),
    ):
        with pytest.raises(GenerationError, match=words) as exc:
            check_generated(bad, "models/x")
        assert "models/x" in str(exc.value)


# 4 and 5: SIGTERM and SIGKILL leave nothing behind --------------------------------------
def test_sigterm_while_writing_removes_the_temporary_files(noise_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        import soundfile
        real = soundfile.write
        def write(*a, **k):
            real(*a, **k)
            os.kill(os.getpid(), signal.SIGTERM)   # the signal arrives mid-write
            time.sleep(5)
        soundfile.write = write
        from ambisketch.app.cli import main
        sys.exit(main(["spatialize", {str(noise_wav)!r}, "-o", {str(out)!r}, "--path", "orbit"]))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "Traceback" not in done.stderr and "terminated" in done.stderr
    assert os.listdir(tmp_path) == ["noise.wav"]


def _killed_writer(folder: Path, name: str) -> None:
    """A process killed (SIGKILL) inside an atomic write of a WAV and its sidecar: it
    leaves both temporary files."""
    script = textwrap.dedent(f"""
        import os, signal
        from ambisketch.engine.files import atomic_target
        with atomic_target({str(folder / name)!r}) as tmp, \\
                atomic_target({str(folder / (name + ".json"))!r}) as side:
            tmp.write_bytes(b"partial" * 1000)
            side.write_text("{{")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], env=ENV, timeout=120)
    assert done.returncode == -signal.SIGKILL


def test_stale_temporary_files_of_killed_runs_are_swept(noise_wav: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    _killed_writer(out_dir, "out.wav")
    assert len(strays(out_dir)) == 2
    (out_dir / ".mine.tmp").write_text("a user's own hidden file")
    # a live writer's temporary file (this process's id) must survive
    from ambisketch.engine.files import temporary_name

    live = out_dir / temporary_name("other.wav")
    live.write_bytes(b"in progress")
    done = cli("spatialize", noise_wav, "-o", out_dir / "next.wav", "--path", "orbit")
    assert done.returncode == 0, done.stderr
    assert strays(out_dir) == sorted([".mine.tmp", live.name])


# 6: truncated files --------------------------------------------------------------------
def test_truncated_wav_is_named_in_a_warning(capsys, tmp_path: Path) -> None:
    ok = tmp_path / "ok.wav"
    sf.write(ok, np.zeros((96000, 4), np.float32) + 0.01, 48000, subtype="PCM_16")
    data = bytearray(ok.read_bytes())
    i = data.find(b"data")
    data[i + 4 : i + 8] = struct.pack("<I", 2_073_600_000 * 8 % 2**32)
    trunc = tmp_path / "trunc.wav"
    trunc.write_bytes(bytes(data))
    garbage = tmp_path / "garbage.wav"
    whole = bytearray(ok.read_bytes())
    whole[4:8] = struct.pack("<I", len(whole) - 8)
    garbage.write_bytes(bytes(whole) + np.random.default_rng(0).bytes(50000))
    for path in (trunc, garbage):
        code, _, err = run(capsys, "analyze", path)
        assert code == 0
        warnings = [line for line in err.splitlines() if "warning" in line]
        assert len(warnings) == 1 and str(path) in warnings[0], err
        assert "truncated" in warnings[0] or "damaged" in warnings[0]
    code, _, err = run(capsys, "analyze", ok)
    assert code == 0 and "warning" not in err


# 8: NaN and infinity are refused by every numeric option ----------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "X.wav", "--gate"),
        ("play", "X.wav", "--yaw"),
        ("binaural", "X.wav", "-o", "y.wav", "--pitch"),
        ("spatialize", "X.wav", "-o", "y.wav", "--path", "orbit", "--rt60"),
        ("path", "show", "orbit", "--duration"),
        ("generate", "rain", "-o", "y.wav", "--cfg"),
    ],
)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_numeric_options_refuse_nan_and_inf(capsys, args, value: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(capsys, *args[:-1], f"{args[-1]}={value}")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "finite number" in err and "Traceback" not in err


def test_every_float_option_is_checked() -> None:
    from ambisketch.app.cli import build_parser

    parsers, seen = [build_parser()], 0
    while parsers:
        p = parsers.pop()
        for action in p._actions:
            if action.choices and isinstance(action.choices, dict):
                parsers.extend(action.choices.values())
            if action.type is float:
                seen += 1
                with pytest.raises(Exception, match="finite"):
                    p._get_value(action, "nan")
    assert seen > 10


# 9: long names -------------------------------------------------------------------------
def test_an_output_name_of_249_bytes_is_written(capsys, noise_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / ("n" * 245 + ".wav")
    code, _, err = run(capsys, "spatialize", noise_wav, "-o", out, "--path", "orbit")
    assert code == 0, err
    assert out.is_file() and (tmp_path / (out.name + ".json")).is_file()
    assert not strays(tmp_path)
    # one byte more and the sidecar's name (NAME.json) would not fit: refused up front
    longer = tmp_path / ("n" * 247 + ".wav")
    code, _, err = run(capsys, "spatialize", noise_wav, "-o", longer, "--path", "orbit")
    one_line_error(code, err, "file name too long")
    assert not longer.exists() and not strays(tmp_path)


# 10: resampling a 1-sample input ---------------------------------------------------------
def test_one_sample_input_resampled_to_nothing_is_refused(capsys, tmp_path: Path) -> None:
    one = tmp_path / "one.wav"
    sf.write(one, np.array([0.5], np.float32), 48000)
    out = tmp_path / "o.wav"
    code, _, err = run(capsys, "spatialize", one, "-o", out, "--path", "orbit", "--rate", 8000)
    one_line_error(code, err, str(one), "too short")
    assert not out.exists()


# 11 and "System error": disk full and permission denied say so ---------------------------
def test_variations_on_a_full_disk_say_which_takes_were_written(
    capsys, small_disk, bundle: Path
) -> None:
    disk = small_disk(300)  # two 0.5 s 32-bit takes (128 KiB each) fit, the third does not
    out = disk / "take.wav"
    code, stdout, err = run(
        capsys,
        "generate",
        "rain",
        "-o",
        out,
        "--model",
        bundle,
        "--steps",
        2,
        "--seconds",
        0.5,
        "--seed",
        1,
        "--bits",
        "32f",
        "--variations",
        3,
        "--device",
        "cpu",
        "--no-progress",
    )
    one_line_error(code, err, "take_3.wav", "disk full")
    assert ".tmp" not in err and "System error" not in err
    assert "take_1.wav" in stdout and "take_2.wav" in stdout and "take_3" not in stdout
    assert sorted(os.listdir(disk)) == [
        "take_1.wav",
        "take_1.wav.json",
        "take_2.wav",
        "take_2.wav.json",
    ]


def test_full_disk_is_named(capsys, small_disk, noise_wav: Path) -> None:
    disk = small_disk(64)
    out = disk / "big.wav"
    code, _, err = run(capsys, "spatialize", noise_wav, "-o", out, "--path", "orbit")
    one_line_error(code, err, str(out), "disk full")
    assert "System error" not in err and ".tmp" not in err
    assert os.listdir(disk) == []


def test_unreadable_input_says_permission_denied(noise_wav: Path) -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ambisketch-perm-"))  # one others may enter
    try:
        folder.chmod(0o755)
        src = folder / "locked.wav"
        shutil.copy(noise_wav, src)
        src.chmod(0o000)
        script = textwrap.dedent(f"""
            import os, sys
            from ambisketch.app.cli import main
            if os.geteuid() == 0:
                os.setgid(65534); os.setuid(65534)   # root reads anything: become nobody
            sys.exit(main(["analyze", {str(src)!r}]))
        """)
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=ENV, timeout=120
        )
    finally:
        shutil.rmtree(folder)
    one_line_error(done.returncode, done.stderr, str(src), "permission denied")
    assert "System error" not in done.stderr


# 12: file names that are not UTF-8 --------------------------------------------------------
def test_non_utf8_file_names_are_read_and_written(noise_wav: Path, tmp_path: Path) -> None:
    src = os.path.join(os.fsencode(tmp_path), b"caf\xe9.wav")
    os.rename(noise_wav, src)
    out = os.path.join(os.fsencode(tmp_path), b"out\xff.wav")
    done = subprocess.run(
        [sys.executable, "-m", "ambisketch", b"spatialize", src, b"-o", out, b"--path", b"orbit"],
        capture_output=True,
        env=ENV,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"out\xff.wav" in done.stdout  # the name as it is on disk
    assert os.path.isfile(out) and os.path.isfile(out + b".json")
    meta = json.loads(open(out + b".json", "rb").read())
    assert os.fsencode(meta["input"]) == src


# 13: a model bundle's codec wherever a codec is asked for -------------------------------
def test_codec_commands_take_a_model_bundle(capsys, tmp_path: Path, bundle: Path) -> None:
    src = tmp_path / "foa.wav"
    rng = np.random.default_rng(0)
    sf.write(src, (rng.standard_normal((8000, 4)) * 0.1).astype(np.float32), 16000)
    out = tmp_path / "rt.wav"
    code, stdout, err = run(capsys, "codec", "roundtrip", src, "-o", out, "--model", bundle)
    assert code == 0, err
    assert sf.info(out).channels == 4 and sf.info(out).frames == 8000
    test_set = tmp_path / "test"
    test_set.mkdir()
    sf.write(test_set / "a.wav", (rng.standard_normal((8000, 4)) * 0.1).astype(np.float32), 16000)
    code, stdout, err = run(capsys, "eval", "codec", bundle, "--test-set", test_set, "--json")
    assert code == 0, err
    assert json.loads(stdout)["clips"] == 1


# 14: the scan report lists the files used, with their captions -------------------------
def test_scan_report_lists_used_files_with_captions(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))
    lib = tmp_path / "lib"
    lib.mkdir()
    rng = np.random.default_rng(0)
    for name in ("dog_bark.wav", "bell.wav"):
        sf.write(lib / name, (rng.standard_normal(32000) * 0.2).astype(np.float32), 16000)
    (lib / "bell.txt").write_text("a church bell ringing\n")
    report = tmp_path / "r.json"
    code, _, err = run(capsys, "dataset", "scan", lib, "--report", report)
    assert code == 0, err
    used = {u["file"]: u for u in json.loads(report.read_text())["used"]}
    assert used["bell.wav"]["caption"] == "a church bell ringing"
    assert used["bell.wav"]["caption_source"] == "sidecar"
    assert used["dog_bark.wav"]["caption_source"] == "filename"
    assert "dog" in used["dog_bark.wav"]["caption"]
    assert used["dog_bark.wav"]["clips"] >= 1 and used["dog_bark.wav"]["seconds"] > 0
