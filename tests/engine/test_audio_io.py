"""Audio I/O: reading what soundfile reads, resampling, atomic WAV writing, sidecars."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.engine.audio_io import read_audio, read_mono, resample, sidecar_path, write_audio
from ambisketch.engine.errors import AudioFileError, OutputExistsError


def test_read_mixes_or_picks_channels(stereo_flac: Path) -> None:
    mono, note = read_mono(stereo_flac)
    assert mono.samples.shape == (1, 44100) and mono.rate == 44100
    assert "2 channels mixed down to mono" in note
    left, note = read_mono(stereo_flac, channel=0)
    assert "took channel 0 of 2" in note
    t = np.arange(44100) / 44100
    np.testing.assert_allclose(left.samples[0], 0.3 * np.sin(2 * np.pi * 440 * t), atol=1e-4)
    with pytest.raises(AudioFileError, match="channel 5 does not exist"):
        read_mono(stereo_flac, channel=5)


def test_read_resamples_with_soxr(stereo_flac: Path) -> None:
    audio = read_audio(stereo_flac, rate=16000)
    assert audio.rate == 16000 and audio.frames == 16000 and audio.channels == 2
    spec = np.abs(np.fft.rfft(audio.samples[0, 2000:14000]))
    peak = np.fft.rfftfreq(12000, 1 / 16000)[spec.argmax()]
    assert peak == pytest.approx(440, abs=2)


def test_resample_keeps_layout() -> None:
    x = np.random.default_rng(0).standard_normal((4, 4800)).astype(np.float32)
    y = resample(x, 48000, 16000)
    assert y.shape == (4, 1600) and y.dtype == np.float32 and y.flags.c_contiguous


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "not a readable audio file"),
        (lambda p: p.write_bytes(os.urandom(2048)), "not a readable audio file"),
        (lambda p: sf.write(p, np.zeros((0, 1), np.float32), 8000), "holds no audio"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, make, words: str) -> None:
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioFileError, match=words) as err:
        read_audio(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="is a folder"):
        read_audio(tmp_path)


@pytest.mark.parametrize(
    "bits, subtype, tol", [("16", "PCM_16", 1e-4), ("24", "PCM_24", 1e-6), ("32f", "FLOAT", 0.0)]
)
def test_write_formats(tmp_path: Path, bits: str, subtype: str, tol: float) -> None:
    x = (np.random.default_rng(3).standard_normal((4, 4800)) * 0.2).astype(np.float32)
    out = write_audio(tmp_path / "t.wav", x, 48000, bits=bits)
    info = sf.info(out)
    assert (info.channels, info.samplerate, info.subtype, info.format) == (4, 48000, subtype, "WAV")
    back = read_audio(out).samples
    np.testing.assert_allclose(back, x, atol=tol + 1e-7)
    head = out.read_bytes()[:64]
    fmt_tag = int.from_bytes(head[20:22], "little")
    assert fmt_tag in (1, 3), "plain WAV: no WAVE_FORMAT_EXTENSIBLE quad channel mask"


def test_pcm_clips_and_float_keeps_overs(tmp_path: Path) -> None:
    x = np.array([[0.5, 1.5, -2.0]], np.float32)
    assert read_audio(write_audio(tmp_path / "a.wav", x, 8000, bits="24")).samples.max() <= 1.0
    assert read_audio(write_audio(tmp_path / "b.wav", x, 8000, bits="32f")).samples.min() == -2.0


def test_refuses_to_overwrite_and_leaves_file_untouched(tmp_path: Path) -> None:
    out = tmp_path / "t.wav"
    out.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="already exists"):
        write_audio(out, np.zeros((4, 10), np.float32), 8000)
    assert out.read_bytes() == b"precious"
    write_audio(out, np.zeros((4, 10), np.float32), 8000, overwrite=True)
    assert sf.info(out).channels == 4


def test_sidecar_is_written_next_to_the_take(tmp_path: Path) -> None:
    out = write_audio(
        tmp_path / "take.wav",
        np.zeros((4, 10), np.float32),
        8000,
        sidecar={"prompt": "a bell", "seed": np.int64(3), "gain": np.float32(0.5)},
    )
    side = sidecar_path(out)
    assert side.name == "take.wav.json"
    assert json.loads(side.read_text()) == {"prompt": "a bell", "seed": 3, "gain": 0.5}


def test_existing_sidecar_blocks_the_write(tmp_path: Path) -> None:
    (tmp_path / "take.wav.json").write_text("{}")
    with pytest.raises(OutputExistsError, match=r"take\.wav\.json: already exists"):
        write_audio(tmp_path / "take.wav", np.zeros((4, 10), np.float32), 8000, sidecar={})
    assert not (tmp_path / "take.wav").exists()


def test_missing_or_unwritable_folder(tmp_path: Path, unwritable_dir: Path) -> None:
    with pytest.raises(AudioFileError, match="does not exist"):
        write_audio(tmp_path / "nope" / "t.wav", np.zeros((1, 10), np.float32), 8000)
    with pytest.raises(AudioFileError, match="not writable"):
        write_audio(unwritable_dir / "t.wav", np.zeros((1, 10), np.float32), 8000)


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sf, "write", boom)
    with pytest.raises(AudioFileError, match="disk full"):
        write_audio(tmp_path / "t.wav", np.zeros((4, 10), np.float32), 8000, sidecar={"a": 1})
    assert list(tmp_path.iterdir()) == []
