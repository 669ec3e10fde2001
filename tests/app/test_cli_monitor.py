"""``ambisketch decode``, ``loudness``, ``--loudness`` on spatialize/binaural/decode and
``play --osc``: what they write, and one line for each bad input with nothing written."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.cli import one_line_error, run

from ambisketch.engine.loudness import measure
from ambisketch.engine.monitoring import read_wavex_header
from ambisketch.engine.spatial.ambisonics import encode_static

RATE = 48000


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def take(tmp_path: Path) -> Path:
    """3 s of noise 90 degrees left, AmbiX at 48 kHz, 32-bit float, about -33 LUFS on W."""
    x = np.random.default_rng(0).standard_normal(3 * RATE) * 0.02
    path = tmp_path / "left.wav"
    sf.write(path, encode_static(x, 90.0).T, RATE, subtype="FLOAT")
    return path


def _written(tmp_path: Path) -> set[str]:
    return {p.name for p in tmp_path.iterdir()}


def test_decode_to_5_1_writes_the_mask_the_order_and_a_sidecar(
    tmp_path: Path, take: Path, capsys
) -> None:
    out = tmp_path / "left_51.wav"
    code, stdout, _ = run(capsys, "decode", take, "-o", out, "--layout", "5.1")
    assert code == 0 and "L R C LFE Ls Rs" in stdout and "0x60F" in stdout
    h = read_wavex_header(out)
    assert (h.format_tag, h.channels, h.channel_mask) == (0xFFFE, 6, 0x60F)
    feeds, rate = sf.read(out, always_2d=True)
    rms = np.sqrt(np.mean(feeds**2, axis=0))
    assert rms[3] == 0.0  # LFE silent unless asked
    assert rms[4] > rms[5] and rms[0] > rms[1]  # a source on the left: left speakers loudest
    meta = json.loads((tmp_path / "left_51.wav.json").read_text())
    assert meta["kind"] == "decode" and meta["decoder"]["layout"]["channel_mask"] == "0x60F"
    assert meta["decoder"]["method"].startswith("AllRAD")


def test_decode_to_a_custom_layout_with_loudness(tmp_path: Path, take: Path, capsys) -> None:
    layout = tmp_path / "ring.json"
    layout.write_text(
        json.dumps(
            [
                {"name": f"S{i}", "azimuth": a, "elevation": 0}
                for i, a in enumerate(range(0, 360, 60))
            ]
        )
    )
    out = tmp_path / "ring.wav"
    code, _, err = run(
        capsys, "decode", take, "-o", out, "--layout", layout, "--loudness", "-30", "--bits", "32f"
    )
    assert code == 0 and "-30.0 LUFS" in err
    assert read_wavex_header(out).channel_mask == 0
    code, stdout, _ = run(capsys, "loudness", out, "--json", "--layout", layout)
    assert code == 0 and json.loads(stdout)["integrated_lufs"] == pytest.approx(-30.0, abs=0.05)
    code, stdout, _ = run(capsys, "loudness", out, "--json")  # no mask: every channel weighs 1
    assert code == 0 and json.loads(stdout)["integrated_lufs"] < -30.5


def test_loudness_text_and_json(take: Path, capsys) -> None:
    code, stdout, _ = run(capsys, "loudness", take)
    assert code == 0 and "measured on W" in stdout and "LUFS" in stdout and "dBTP" in stdout
    code, stdout, _ = run(capsys, "loudness", take, "--json")
    data = json.loads(stdout)
    assert code == 0 and set(data) >= {"integrated_lufs", "lra", "true_peak_dbtp"}
    w = sf.read(take, always_2d=True)[0].T[:1]
    assert data["integrated_lufs"] == pytest.approx(measure(w, RATE).integrated_lufs, abs=0.01)


def test_spatialize_and_binaural_normalise(
    tmp_path: Path, noise_wav: Path, take: Path, capsys
) -> None:
    out = tmp_path / "sp.wav"
    code, _, err = run(
        capsys,
        "spatialize",
        noise_wav,
        "-o",
        out,
        "--path",
        "orbit",
        "--loudness",
        "-24",
        "--bits",
        "32f",
    )
    assert code == 0 and "→ -24.0 LUFS" in err
    foa, rate = sf.read(out, always_2d=True)
    assert measure(foa.T, rate, ambix=True).integrated_lufs == pytest.approx(-24.0, abs=0.05)
    assert json.loads((tmp_path / "sp.wav.json").read_text())["loudness_lufs"] == -24.0
    out = tmp_path / "bin.wav"
    code, _, err = run(capsys, "binaural", take, "-o", out, "--loudness", "-2", "--bits", "32f")
    assert code == 0 and "ceiling of -1 dBTP wins" in err  # a loud target: the ceiling says so
    assert measure(sf.read(out, always_2d=True)[0].T, RATE).true_peak_dbtp <= -0.95


def test_bad_layouts_are_one_line_and_write_nothing(tmp_path: Path, take: Path, capsys) -> None:
    before = _written(tmp_path)
    out = tmp_path / "o.wav"
    code, _, err = run(capsys, "decode", take, "-o", out, "--layout", "9.1")
    one_line_error(code, err, "unknown loudspeaker layout '9.1'", "7.1.4")
    three = tmp_path / "three.json"
    three.write_text(
        json.dumps(
            [
                {"name": n, "azimuth": a, "elevation": 0}
                for n, a in (("L", 30), ("R", -30), ("C", 0))
            ]
        )
    )
    nan = tmp_path / "nan.json"
    nan.write_text('[{"name": "L", "azimuth": NaN, "elevation": 0}]')
    before = _written(tmp_path)
    for bad, words in ((three, "at least 4"), (nan, "azimuth must be a finite number")):
        code, _, err = run(capsys, "decode", take, "-o", out, "--layout", bad)
        one_line_error(code, err, str(bad), words)
    assert _written(tmp_path) == before


def test_bad_targets_and_silence_are_one_line_and_write_nothing(
    tmp_path: Path, take: Path, noise_wav: Path, capsys
) -> None:
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros((RATE, 4), np.float32), RATE)
    before = _written(tmp_path)
    out = tmp_path / "o.wav"
    for target in ("-71", "3", "loud"):
        code, _, err = run(
            capsys, "decode", take, "-o", out, "--layout", "quad", "--loudness", target
        )
        one_line_error(code, err, "--loudness")
    code, _, err = run(capsys, "decode", silent, "-o", out, "--layout", "quad", "--loudness", "-23")
    one_line_error(code, err, "cannot normalise silence")
    code, _, err = run(capsys, "binaural", silent, "-o", out, "--loudness", "-23")
    one_line_error(code, err, "cannot normalise silence")
    code, _, err = run(
        capsys, "spatialize", noise_wav, "-o", out, "--path", "orbit", "--loudness", "-75"
    )
    one_line_error(code, err, "outside -70…0 LUFS")
    assert _written(tmp_path) == before


def test_play_with_an_osc_port_in_use_is_one_line(take: Path, capsys) -> None:
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("0.0.0.0", 0))
    try:
        port = blocker.getsockname()[1]
        code, _, err = run(capsys, "play", take, "--osc", port)
        one_line_error(code, err, f"OSC port {port} is in use")
        code, _, err = run(capsys, "play", take, "--osc", "0", "--invert", "yaw,tilt")
        one_line_error(code, err, "--invert")
    finally:
        blocker.close()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ambisketch.engine.models.bundle import new_bundle, save_bundle
    from ambisketch.engine.models.codec import CODEC_PRESETS
    from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
    from ambisketch.engine.models.dit import DIT_PRESETS

    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=1.0,
        name="tiny",
    )
    return save_bundle(tmp_path_factory.mktemp("models") / "tiny", b)


def test_generate_normalises_to_minus_23_unless_asked(tmp_path: Path, bundle: Path, capsys) -> None:
    common = [
        "--path",
        "orbit",
        "--seconds",
        1.0,
        "--seed",
        5,
        "--steps",
        2,
        "--model",
        bundle,
        "--device",
        "cpu",
        "--bits",
        "32f",
        "--no-progress",
    ]
    for flag, target in (
        ([], -23.0),
        (["--loudness", "-30"], -30.0),
        (["--loudness", "off"], None),
    ):
        out = tmp_path / f"bee{len(flag)}{target}.wav"
        code, _, err = run(capsys, "generate", "a bee", "-o", out, *common, *flag)
        assert code == 0, err
        foa, rate = sf.read(out, always_2d=True)
        lufs = measure(foa.T, rate, ambix=True)
        meta = json.loads(Path(f"{out}.json").read_text())
        assert meta["request"]["loudness_lufs"] == target
        assert meta["loudness_lufs"] == pytest.approx(lufs.integrated_lufs, abs=0.05)
        if target is not None and lufs.true_peak_dbtp < -1.05:
            assert lufs.integrated_lufs == pytest.approx(target, abs=0.05)
        elif target is not None:  # an untrained model's spiky take: the ceiling won, and said
            assert "true-peak ceiling" in err
    code, _, err = run(
        capsys, "generate", "a bee", "-o", tmp_path / "x.wav", *common, "--loudness", "5"
    )
    one_line_error(code, err, "outside -70…0 LUFS")
    assert not (tmp_path / "x.wav").exists()


def test_takes_export_to_loudspeakers_at_a_target(tmp_path: Path, take: Path, capsys) -> None:
    folder = tmp_path / "project"
    code, _, err = run(capsys, "takes", "add", take, "--project", folder)
    assert code == 0, err
    out = tmp_path / "exp.wav"
    code, stdout, err = run(
        capsys,
        "takes",
        "export",
        "left",
        "-o",
        out,
        "--project",
        folder,
        "--format",
        "speakers",
        "--layout",
        "7.1",
        "--loudness",
        "-28",
        "--bits",
        "32f",
    )
    assert code == 0, err
    assert read_wavex_header(out).channel_mask == 0x63F
    assert json.loads(Path(f"{out}.json").read_text())["loudness_lufs"] == pytest.approx(-28.0)
    code, _, err = run(
        capsys,
        "takes",
        "export",
        "left",
        "-o",
        tmp_path / "x.wav",
        "--project",
        folder,
        "--format",
        "speakers",
    )
    one_line_error(code, err, "needs a layout")
