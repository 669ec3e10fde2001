"""The take store on real WAV files: add, list, rename, trash, regenerate, measure, export."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.engine.binaural import ild_db
from ambisketch.engine.errors import (
    AudioFileError,
    EngineError,
    GenerationError,
    HrtfError,
    OutputExistsError,
)
from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.spatial import Trajectory, preset
from ambisketch.engine.spatial.ambisonics import ambix_to_fuma, encode, encode_static
from ambisketch.engine.takes import TakeStore, check_name, default_project_dir, export_take, slug

RATE = 16000


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))


def make_take(
    prompt: str = "A bee buzzing, close!",
    seed: int = 42,
    seconds: float = 1.0,
    path: Trajectory | None = None,
    variation: int = 0,
    variations: int = 1,
    descriptive: bool = False,
) -> Take:
    """A real FOA take: noise moving along an orbit (what the generator hands the store)."""
    if path is None and not descriptive:
        path = preset("orbit", seconds)
    x = (np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * 0.1).astype(np.float32)
    foa = encode(x, path, RATE) if path is not None else encode_static(x, 60.0)
    request = GenerationRequest(
        prompt, path, seconds, seed=seed, steps=25, cfg_scale=5.0, variations=variations
    )
    return Take(foa, RATE, request, variation, {"total": 1.5}, {"name": "tiny", "path": "/m"})


@pytest.fixture
def store(tmp_path: Path) -> TakeStore:
    return TakeStore(tmp_path / "takes")


def test_add_list_load_request_round_trip(store: TakeStore) -> None:
    take = make_take()
    rec = store.add(take)
    assert rec.name == "a-bee-buzzing-close_s42" and rec.path.parent == store.folder
    assert (rec.prompt, rec.seed, rec.model, rec.mode, rec.rate) == (
        "A bee buzzing, close!",
        42,
        "tiny",
        "parametric",
        RATE,
    )
    assert rec.seconds == pytest.approx(1.0) and rec.created.tzinfo is not None
    info = sf.info(rec.path)
    assert (info.channels, info.samplerate, info.subtype) == (4, RATE, "FLOAT")
    side = json.loads(rec.sidecar_path.read_text())
    assert side["format"] == "ambix" and side["request"]["cfg_scale"] == 5.0
    assert side["model"]["name"] == "tiny" and side["variation"] == 0
    foa, rate = store.load(rec)
    assert rate == RATE and np.array_equal(foa, take.foa)  # 32-bit float: bit exact
    assert store.request(rec) == take.request
    assert store.trajectory(rec) == take.request.path

    second = store.add(make_take(seed=42))  # same prompt and seed: a unique name
    third = store.add(make_take("rain on a tin roof", seed=7))
    assert second.name == "a-bee-buzzing-close_s42-2"
    assert [r.name for r in store.list()] == [third.name, second.name, rec.name]
    assert store.problems == [] and store.get(rec.name + ".wav") == rec


def test_names_variations_and_descriptive_takes(store: TakeStore) -> None:
    batch = [store.add(make_take("door slam", seed=3, variation=i, variations=3)) for i in range(3)]
    assert [r.name for r in batch] == ["door-slam_s3_v1", "door-slam_s3_v2", "door-slam_s3_v3"]
    assert batch[1].variation == 1 and store.request(batch[1]).variations == 3
    desc = store.add(make_take("a dog barking on the left", descriptive=True), name="dog (left)")
    assert desc.name == "dog (left)" and desc.mode == "descriptive"
    assert store.trajectory(desc) is None
    with pytest.raises(OutputExistsError, match="already exists"):
        store.add(make_take(), name="dog (left)")
    assert (
        slug("Ünïcödé   spaces / and:punct!") == "unicode-spaces-and-punct"
        and slug("!!!") == "take"
    )


def test_rename_moves_both_files_and_refuses_collisions(store: TakeStore) -> None:
    a, b = store.add(make_take("bee", seed=1)), store.add(make_take("wasp", seed=2))
    renamed = store.rename(a, "Bee close.wav")
    assert renamed.name == "Bee close" and renamed.path.is_file() and renamed.sidecar_path.is_file()
    assert not a.path.exists() and not a.sidecar_path.exists()
    assert store.request(renamed).prompt == "bee"
    with pytest.raises(OutputExistsError, match="wasp_s2.* already exists"):
        store.rename(renamed, b.name)
    for bad, why in [
        ("a/b", "characters"),
        ("", "empty"),
        (".hidden", "dot"),
        ("CON", "reserved"),
        ("x" * 121, "at most"),
    ]:
        with pytest.raises(EngineError, match=why) as exc:
            store.rename(renamed, bad)
        assert "\n" not in str(exc.value)
    assert sorted(r.name for r in store.list()) == ["Bee close", "wasp_s2"]
    assert store.rename(renamed, "Bee close") == renamed
    with pytest.raises(AudioFileError, match="gone"):
        store.rename(a, "anything")


def test_delete_moves_to_trash_and_restore_brings_it_back(store: TakeStore) -> None:
    rec = store.add(make_take())
    trashed = store.delete(rec)
    assert trashed.parent == store.folder / ".trash" and trashed.is_file()
    assert Path(str(trashed) + ".json").is_file() and not rec.path.exists()
    assert store.list() == [] and store.problems == []
    again = store.add(make_take())  # same name again, deleted again: both kept in the trash
    second = store.delete(again)
    assert second != trashed and second.is_file() and trashed.is_file()
    assert store.trashed()[0] == second
    back = store.restore(trashed)
    assert back.name == rec.name and store.request(back).seed == 42
    with pytest.raises(AudioFileError, match="not in the trash"):
        store.restore(trashed)


def test_broken_files_are_problems_not_failures(store: TakeStore) -> None:
    good = store.add(make_take())
    folder = store.folder
    (folder / "garbage.wav").write_bytes(b"RIFF\x00\x00not a wave file at all")
    (folder / "garbage.wav.json").write_text("{}")
    stereo = folder / "stereo.wav"
    sf.write(stereo, np.zeros((100, 2), np.float32), RATE)
    (folder / "stereo.wav.json").write_text("{}")
    bad_json = store.add(make_take("bad json", seed=5))
    bad_json.sidecar_path.write_text("{ not json")
    bad_req = store.add(make_take("bad request", seed=6))
    side = json.loads(bad_req.sidecar_path.read_text())
    side["request"]["path"]["keyframes"][0]["azimuth"] = 400
    bad_req.sidecar_path.write_text(json.dumps(side))
    sf.write(folder / "orphan.wav", np.zeros((100, 4), np.float32), RATE)  # no sidecar
    (folder / "lonely.wav.json").write_text("{}")
    (folder / ".a-bee.wav.x.tmp").write_text("half-written: ignored")

    records = store.list()
    assert [r.name for r in records] == [good.name]
    problems = {p.path.name: p.message for p in store.problems}
    assert set(problems) == {
        "garbage.wav",
        "stereo.wav",
        bad_json.path.name,
        bad_req.path.name,
        "orphan.wav",
        "lonely.wav.json",
    }
    assert "not a readable WAV" in problems["garbage.wav"]
    assert "2 channel(s)" in problems["stereo.wav"]
    assert "not valid JSON" in problems[bad_json.path.name]
    assert "outside [-180, 180]" in problems[bad_req.path.name]
    assert "no sidecar" in problems["orphan.wav"]
    assert "without its WAV" in problems["lonely.wav.json"]
    assert all("\n" not in str(p) and str(p).startswith(str(folder)) for p in store.problems)


def test_missing_folder_lists_nothing_and_default_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert TakeStore(tmp_path / "nowhere").list() == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(AudioFileError, match="not a take folder"):
        TakeStore(tmp_path / "file").list()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_project_dir() == tmp_path / "data" / "ambisketch" / "takes"
    assert TakeStore().folder == default_project_dir()


def test_measure_against_the_take_path(store: TakeStore) -> None:
    # the request's path lasts 4 s, the take 1 s: the generator stretched it, so do we
    take = make_take(seconds=1.0)
    stretched = Take(
        take.foa, RATE, GenerationRequest("orbit", preset("orbit", 4.0), 1.0, seed=1), 0, {}, {}
    )
    rec = store.add(stretched)
    assert rec.trajectory is not None and rec.trajectory.duration == pytest.approx(1.0)
    track, errors = store.measure(rec)
    assert errors is not None and errors.frames > 50 and errors.spatial_angle < 2.0
    wrong = store.add(
        Take(
            take.foa,
            RATE,
            GenerationRequest("static", preset("static", 1.0), 1.0, seed=2),
            0,
            {},
            {},
        )
    )
    assert store.measure(wrong)[1].spatial_angle > 45  # an orbit measured against a static path
    desc = store.add(make_take(descriptive=True))
    track, errors = store.measure(desc)
    assert errors is None and np.median(track.azimuth[track.valid]) == pytest.approx(60, abs=2)
    with pytest.raises(GenerationError, match="not generated"):
        store.request(store.add_file(_fuma_file(store.folder.parent)))


def _fuma_file(folder: Path) -> Path:
    """A FuMa file with a sidecar saying so (as 'spatialize --format fuma' writes it)."""
    x = np.random.default_rng(3).standard_normal(RATE // 2).astype(np.float32) * 0.1
    path = folder / "shaker.wav"
    sf.write(path, ambix_to_fuma(encode_static(x, 90.0)).T, RATE, subtype="FLOAT")
    path.with_name("shaker.wav.json").write_text(
        json.dumps(
            {
                "kind": "spatialize",
                "format": "fuma",
                "input": "/sounds/shaker.flac",
                "path": {"duration": 0.5, "keyframes": [{"time": 0, "azimuth": 90}]},
            }
        )
    )
    return path


def test_add_file_converts_fuma_and_keeps_the_sidecar(store: TakeStore, tmp_path: Path) -> None:
    src = _fuma_file(tmp_path)
    rec = store.add_file(src)
    assert rec.name == "shaker" and rec.kind == "spatialize" and rec.prompt == "shaker.flac"
    assert rec.request is None and rec.trajectory is not None
    foa, _ = store.load(rec)
    mono = np.random.default_rng(3).standard_normal(RATE // 2).astype(np.float32) * 0.1
    assert np.allclose(foa, encode_static(mono, 90.0), atol=1e-6)  # back to AmbiX
    assert json.loads(rec.sidecar_path.read_text())["imported_from"] == str(src.resolve())
    assert store.add_file(src).name == "shaker-2"
    with pytest.raises(EngineError, match="already in the project"):
        store.add_file(rec.path)


@pytest.mark.parametrize(
    "fmt, bits, rate, subtype",
    [
        ("ambix", "24", 48000, "PCM_24"),
        ("fuma", "16", 44100, "PCM_16"),
        ("ambix", "32f", None, "FLOAT"),
    ],
)
def test_export_ambix_and_fuma(
    store: TakeStore, tmp_path: Path, fmt: str, bits: str, rate: int | None, subtype: str
) -> None:
    take = make_take()
    rec = store.add(take)
    out = tmp_path / f"out_{fmt}.wav"
    result = export_take(rec, out, fmt, bits, rate, highs=False)
    info = sf.info(out)
    assert (info.channels, info.samplerate, info.subtype) == (4, rate or RATE, subtype)
    assert info.frames == (rate or RATE) * 1 and result.rate == (rate or RATE)
    data, _ = sf.read(out, dtype="float32", always_2d=True)
    if rate is None:
        assert np.array_equal(data.T, take.foa)
    w_rms = np.sqrt(np.mean(data[:, 0] ** 2))
    expected = np.sqrt(np.mean(take.foa[0] ** 2)) * (2**-0.5 if fmt == "fuma" else 1)
    # FuMa's W is 3 dB down (29 %); resampling loses a few % of white noise at the band edge
    assert w_rms == pytest.approx(expected, rel=0.05)
    rms = np.sqrt(np.mean(data**2, axis=0))
    if fmt == "fuma":  # W X Y Z: a horizontal orbit leaves FuMa's last channel (Z) silent
        assert rms[3] < 1e-3 < 0.03 < rms[1]
    else:  # W Y Z X: AmbiX's silent Z is channel 2
        assert rms[2] < 1e-3 < 0.03 < rms[3]
    side = json.loads(Path(str(out) + ".json").read_text())
    assert side["format"] == fmt and side["bits"] == bits and side["sample_rate"] == (rate or RATE)
    assert side["request"]["seed"] == 42 and side["exported_from"] == str(rec.path.resolve())
    assert GenerationRequest.from_dict(side["request"]) == take.request


def test_export_at_48_khz_estimates_the_highs_and_says_so(store: TakeStore, tmp_path: Path) -> None:
    take = make_take(seconds=2.0)
    rec = store.add(take)

    def band(path: Path) -> tuple[float, float, dict]:  # type: ignore[type-arg]
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        spec = np.abs(np.fft.rfft(data[:, 0])) ** 2
        f = np.fft.rfftfreq(len(data), 1.0 / rate)
        db = [
            10 * np.log10(spec[(f >= lo) & (f < hi)].mean() + 1e-30)
            for lo, hi in ((4000, 7000), (9000, 15000))
        ]
        return db[0], db[1], json.loads(Path(str(path) + ".json").read_text())

    mids, highs, side = band(export_take(rec, tmp_path / "full.wav", rate=48000).path)
    assert highs > mids - 30 and side["high_band"]["estimated"] is True
    assert side["high_band"]["from_hz"] == 7600 and side["high_band"]["to_hz"] == 20000
    mids2, empty, side2 = band(
        export_take(rec, tmp_path / "plain.wav", rate=48000, highs=False).path
    )
    assert empty < mids2 - 60 and "high_band" not in side2
    assert mids2 == pytest.approx(mids, abs=0.05)
    native = export_take(rec, tmp_path / "native.wav").path  # 16 kHz: nothing to add
    assert "high_band" not in json.loads(Path(str(native) + ".json").read_text())
    binaural = export_take(rec, tmp_path / "phones.wav", "binaural", rate=44100).path
    assert json.loads(Path(str(binaural) + ".json").read_text())["high_band"]["to_hz"] == 20000


def test_export_binaural_with_the_real_hrtf(store: TakeStore, tmp_path: Path) -> None:
    x = (np.random.default_rng(0).standard_normal(RATE) * 0.1).astype(np.float32)
    left = Take(
        encode_static(x, 90.0),
        RATE,
        GenerationRequest("left", None, 1.0, seed=1),
        0,
        {},
        {"name": "tiny"},
    )
    rec = store.add(left)
    out = tmp_path / "phones.wav"
    result = export_take(rec, out, "binaural", "24")
    info = sf.info(out)
    assert (info.channels, info.samplerate, info.subtype, info.frames) == (2, RATE, "PCM_24", RATE)
    data, _ = sf.read(out, dtype="float32", always_2d=True)
    assert ild_db(data.T) > 6 and result.format == "binaural"  # a source on the left
    turned = export_take(rec, tmp_path / "turned.wav", "binaural", "32f", yaw=180.0)
    back, _ = sf.read(turned.path, dtype="float32", always_2d=True)
    assert ild_db(back.T) < -6  # head turned around: the source is on the right
    side = json.loads((tmp_path / "phones.wav.json").read_text())
    assert side["kind"] == "binaural" and side["hrtf"]["name"].startswith("MIT KEMAR")
    assert side["source_take"]["request"]["prompt"] == "left"


def test_export_errors_leave_nothing_behind(store: TakeStore, tmp_path: Path) -> None:
    rec = store.add(make_take())
    out = tmp_path / "out.wav"
    out.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="already exists"):
        export_take(rec, out, "fuma")
    assert out.read_bytes() == b"precious"
    assert export_take(rec, out, "fuma", overwrite=True).path == out and sf.info(out).channels == 4
    bad_sofa = tmp_path / "bad.sofa"
    bad_sofa.write_text("not hdf5")
    with pytest.raises(HrtfError):
        export_take(rec, tmp_path / "b.wav", "binaural", hrtf=bad_sofa)
    with pytest.raises(EngineError, match="choose from ambix, fuma, binaural"):
        export_take(rec, tmp_path / "b.wav", "mp3")
    with pytest.raises(EngineError, match="rate 1000"):
        export_take(rec, tmp_path / "b.wav", rate=1000)
    with pytest.raises(AudioFileError, match="overwrite the take itself"):
        export_take(rec, rec.path, overwrite=True)
    with pytest.raises(AudioFileError, match="does not exist"):
        export_take(rec, tmp_path / "no" / "b.wav")
    left = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert left == ["bad.sofa", "out.wav", "out.wav.json"]
    assert not [p for p in os.listdir(store.folder) if p.endswith(".tmp")]


def test_check_name() -> None:
    assert check_name("  My take (2).WAV ") == "My take (2)"
    assert check_name("Ünïcödé take") == "Ünïcödé take"
    for bad in ("a:b", "x?", 'q"', "tab\there"):
        with pytest.raises(EngineError, match="characters"):
            check_name(bad)
