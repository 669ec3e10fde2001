"""``ambisketch binaural``, ``play`` and ``devices`` through the CLI's main()."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from ambisketch.app.cli import main
from ambisketch.engine.binaural import HrirSet, ild_db, load_hrtf, write_sofa
from ambisketch.engine.binaural import devices as devices_mod
from ambisketch.engine.spatial.ambisonics import encode_static

RATE = 48000


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def front_take(tmp_path: Path) -> Path:
    """0.5 s of noise in front, AmbiX at 48 kHz, 24-bit."""
    x = np.random.default_rng(0).standard_normal(RATE // 2) * 0.1
    path = tmp_path / "front.wav"
    sf.write(path, encode_static(x, 0.0).T, RATE, subtype="PCM_24")
    return path


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ambisketch: error: ")
    return err[0]


def test_binaural_export_with_sidecar(
    tmp_path: Path, front_take: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "turned.wav"
    assert main(["binaural", str(front_take), "-o", str(out), "--yaw", "90"]) == 0
    info = sf.info(out)
    assert (info.channels, info.samplerate, info.subtype, info.frames) == (
        2,
        RATE,
        "PCM_24",
        RATE // 2,
    )
    data, _ = sf.read(out, always_2d=True)
    assert ild_db(data.T) < -6  # head turned left: the front source is on the right
    meta = json.loads((tmp_path / "turned.wav.json").read_text())
    assert meta["kind"] == "binaural" and meta["head_rotation"]["yaw"] == 90
    assert meta["hrtf"]["name"].startswith("MIT KEMAR") and "Gardner" in meta["hrtf"]["license"]
    assert meta["input"] == str(front_take.resolve()) and meta["decoder"]["method"] == "MagLS"
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("bits, subtype", [("16", "PCM_16"), ("32f", "FLOAT")])
def test_bits_and_rate(tmp_path: Path, front_take: Path, bits: str, subtype: str) -> None:
    out = tmp_path / "o.wav"
    assert (
        main(["binaural", str(front_take), "-o", str(out), "--bits", bits, "--rate", "44100"]) == 0
    )
    info = sf.info(out)
    assert info.subtype == subtype and info.samplerate == 44100 and info.channels == 2


def test_own_sofa_file(tmp_path: Path, front_take: Path) -> None:
    kemar = load_hrtf()
    ring = kemar.elevation == 0
    sofa = write_sofa(
        tmp_path / "mine.sofa",
        HrirSet(kemar.ir[ring], kemar.azimuth[ring], kemar.elevation[ring], kemar.rate, "mine"),
    )
    out = tmp_path / "o.wav"
    assert (
        main(
            [
                "binaural",
                str(front_take),
                "-o",
                str(out),
                "--hrtf",
                str(sofa),
                "--yaw",
                "-90",
                "--no-eq",
            ]
        )
        == 0
    )
    data, _ = sf.read(out, always_2d=True)
    assert ild_db(data.T) > 6
    meta = json.loads((tmp_path / "o.wav.json").read_text())
    assert meta["hrtf"]["file"] == str(sofa) and meta["decoder"]["diffuse_field_eq"] is False


def test_bad_inputs_are_one_line_and_leave_nothing(
    tmp_path: Path, front_take: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wav"
    stereo = tmp_path / "stereo.wav"
    sf.write(stereo, np.zeros((100, 2)), RATE)
    corrupt = tmp_path / "corrupt.sofa"
    corrupt.write_bytes(b"\x89HDF not really" * 100)
    cases = [
        (["binaural", str(tmp_path / "missing.wav")], "no such file"),
        (["binaural", str(stereo)], "FOA needs 4"),
        (["binaural", str(front_take), "--hrtf", str(corrupt)], "not a SOFA file"),
        (["binaural", str(front_take), "--hrtf", str(tmp_path / "none.sofa")], "no such HRTF"),
        (["binaural", str(front_take), "--rate", "100"], "--rate"),
    ]
    for argv, words in cases:
        assert main([*argv, "-o", str(out)]) == 1
        assert words in _error_line(capsys)
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".wav", ".json")) == [
            "front.wav",
            "stereo.wav",
        ]


def test_existing_output_needs_force(
    tmp_path: Path, front_take: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wav"
    out.write_bytes(b"keep me")
    assert main(["binaural", str(front_take), "-o", str(out)]) == 1
    assert "already exists" in _error_line(capsys) and out.read_bytes() == b"keep me"
    assert main(["binaural", str(front_take), "-o", str(out), "--force"]) == 0
    assert sf.info(out).channels == 2


@pytest.mark.parametrize("fake", [True, False], ids=["no-device", "this-machine"])
def test_play_and_devices_without_a_device(
    front_take: Path,
    fake: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if fake:
        empty = SimpleNamespace(
            query_devices=lambda: [],
            query_hostapis=lambda: [],
            default=SimpleNamespace(device=(-1, -1)),
        )
        monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: empty)
    elif devices_mod.output_devices():
        pytest.skip("this machine has an audio output device")
    assert main(["play", str(front_take), "--yaw", "30"]) == 1
    assert "no audio output device" in _error_line(capsys)
    assert main(["devices"]) == 1
    assert "no audio output device" in _error_line(capsys)


def test_play_checks_the_file_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", str(tmp_path / "missing.wav")]) == 1
    assert "no such file" in _error_line(capsys)


def test_help_explains_the_rotation_signs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["binaural", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "positive --yaw turns the head LEFT" in text and "--hrtf" in text


class _FakeStream:
    """Stands in for sounddevice.OutputStream: a thread pulls blocks from the callback."""

    played: list[np.ndarray] = []

    def __init__(
        self, samplerate: int, channels: int, dtype: str, device: int, latency: str, callback
    ) -> None:  # type: ignore[no-untyped-def]
        import threading

        self.callback, self.rate, self.device = callback, samplerate, device
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and len(_FakeStream.played) < 1000:
            buf = np.zeros((512, 2), dtype=np.float32)
            self.callback(buf, 512, None, None)
            _FakeStream.played.append(buf.copy())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def close(self) -> None:
        pass


def test_play_on_a_device(
    front_take: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    devs = [
        {
            "name": "Headphones",
            "max_output_channels": 2,
            "hostapi": 0,
            "default_samplerate": 48000.0,
        }
    ]
    fake = SimpleNamespace(
        query_devices=lambda: devs,
        query_hostapis=lambda: [{"name": "ALSA"}],
        default=SimpleNamespace(device=(-1, 0)),
        OutputStream=_FakeStream,
        check_output_settings=lambda **kw: None,
    )
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: fake)
    _FakeStream.played = []
    assert main(["play", str(front_take), "--device", "0", "--yaw", "90"]) == 0
    assert "Headphones" in capsys.readouterr().err
    out = np.concatenate(_FakeStream.played).T
    assert ild_db(out) < -6 and np.any(out)  # the take was heard, turned to the right ear


def test_bench_reports_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--only", "binaural", "--repeats", "1", "--json"]) == 0
    results = {r["name"]: r for r in json.loads(capsys.readouterr().out)["results"]}
    assert results["binaural.offline"]["unit"] == "x real time"
    assert results["binaural.block_512"]["unit"] == "% of the block period"
    assert all(r["value"] > 0 for r in results.values())
